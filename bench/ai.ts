import type { ContainerInput, NodeInput, SnapshotInput } from '../models/snapshot.js';
import { rngFor } from './random.js';

/**
 * Generated AI clusters for the `ai` suite (issue 27): 8-GPU nodes in racks of 16 and blocks of 8 racks, some
 * nodes already partly used (pinned pods of 1–4 GPUs on 15% of them), and the work to place:
 * - training gangs of 8 to 512 GPUs (powers of two), each required within one block:
 *   - most as 8-GPU pods (one node each), preferring one rack;
 *   - some as 1-GPU pods in slices of 8 per host (a host's GPUs to one job);
 *   - some of 256+ GPUs as 8-GPU pods in slices of 4 pods (32 GPUs) per rack;
 * - inference deployments of 1- and 2-GPU pods spread over racks as a preference (ScheduleAnyway).
 * Training asks some 60% of the free GPUs, inference 10%, so the best plans place everything and the question is
 * how compactly. With `keepFree`, the objective keeps racks free first (options.topology.keepFree), then packs the
 * gangs.
 */
export const AI_LEVELS = ['example.com/block', 'example.com/rack', 'kubernetes.io/hostname'] as const;
const [BLOCK, RACK] = AI_LEVELS;
const RACK_NODES = 16;
const BLOCK_RACKS = 8;

/**
 * Where options.topology.keepFree (racks) comes, or none; a number: options.topology.keepFreeWeight, what a rack in
 * use costs in hosts spanned (a rack spanned by a gang of k 8-GPU pods costs k).
 */
export type AiKeepFree = 'none' | 'first' | 'afterSpans' | number;

/** The keepFreeWeights of the suite: from a rack's hosts (16) to twice that, where keepFree comes first here. */
export const AI_WEIGHTS = [16, 24, 28, 32] as const;

export function aiSnapshot(
  nodeCount: number,
  seed: number,
  timeLimitMs = 30_000,
  keepFree: AiKeepFree = 'none',
): SnapshotInput {
  const r = rngFor(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const nodes: NodeInput[] = [];
  const containers: ContainerInput[] = [];
  let free = 0;
  for (let i = 0; i < nodeCount; i++) {
    const rack = Math.floor(i / RACK_NODES);
    const block = Math.floor(rack / BLOCK_RACKS);
    const name = `gpu-${String(i).padStart(5, '0')}`;
    nodes.push({
      name,
      capacity: { 'nvidia.com/gpu': 8, cpu: 128, memory: '2048Gi', pods: 110 },
      labels: { [BLOCK]: `block-${block}`, [RACK]: `rack-${rack}` },
    });
    const used = r() < 0.15 ? int(1, 4) : 0;
    free += 8 - used;
    if (used > 0) containers.push(running(`busy-${i}`, name, used));
  }
  trainingGangs(containers, Math.floor(0.6 * free), int, r);
  inference(containers, Math.floor(0.1 * free), int, seed);
  const topology = {
    levels: [...AI_LEVELS],
    ...(keepFree !== 'none' ? { keepFree: RACK } : {}),
    ...(keepFree === 'afterSpans' ? { keepFreeOrder: keepFree } : {}),
    ...(typeof keepFree === 'number' ? { keepFreeWeight: keepFree } : {}),
  };
  return { nodes, containers, options: { topology, allowUnplaced: true, timeLimitMs } };
}

function running(name: string, node: string, gpus: number): ContainerInput {
  return { name, requests: { 'nvidia.com/gpu': gpus, cpu: 8 * gpus }, current: node, pinned: true };
}

/** Gangs of 8–512 GPUs until `budget` GPUs are asked for. */
function trainingGangs(
  out: ContainerInput[],
  budget: number,
  int: (lo: number, hi: number) => number,
  r: () => number,
): void {
  for (let g = 0; budget >= 8; g++) {
    const gpus = Math.min(2 ** int(3, 9), 2 ** Math.floor(Math.log2(budget)));
    budget -= gpus;
    const kind = gpus >= 256 && r() < 0.5 ? 'rack-slices' : gpus <= 64 && r() < 0.3 ? 'host-slices' : 'nodes';
    const perPod = kind === 'host-slices' ? 1 : 8;
    const topology =
      kind === 'nodes'
        ? { required: BLOCK, preferred: RACK }
        : kind === 'host-slices'
          ? { required: BLOCK, sliceLevel: 'kubernetes.io/hostname', sliceSize: 8 }
          : { required: BLOCK, sliceLevel: RACK, sliceSize: 4 };
    for (let k = 0; k < gpus / perPod; k++)
      out.push({
        name: `train-${g}-${k}`,
        gang: `train-${g}`,
        requests: { 'nvidia.com/gpu': perPod, cpu: 12 * perPod, memory: `${100 * perPod}Gi` },
        topology,
      });
  }
}

/** Deployments of 1- and 2-GPU pods, spread over racks as a preference, until `budget` GPUs are asked for. */
function inference(out: ContainerInput[], budget: number, int: (lo: number, hi: number) => number, seed: number): void {
  for (let d = 0; budget > 0; d++) {
    const gpus = int(1, 2);
    const replicas = Math.min(int(8, 48), Math.ceil(budget / gpus));
    budget -= gpus * replicas;
    const app = `serve-${seed}-${d}`;
    for (let k = 0; k < replicas; k++)
      out.push({
        name: `${app}-${k}`,
        labels: { app },
        controller: `ReplicaSet/${app}`,
        requests: { 'nvidia.com/gpu': gpus, cpu: 8 * gpus, memory: `${64 * gpus}Gi` },
        spread: [
          { maxSkew: 1, topologyKey: RACK, whenUnsatisfiable: 'ScheduleAnyway', selector: { matchLabels: { app } } },
        ],
      });
  }
}

/** What one plan of an answer does, for the `ai` table. */
interface Side {
  readonly gpus: number;
  readonly blocks: number;
  readonly racks: number;
  /** The racks spanned by the gangs that the request's seed greedy places (like for like with its own). */
  readonly greedyGangRacks: number;
  readonly gangs: number;
  readonly freeRacks: number;
}

type Which = 'plan' | 'greedy' | 'kueue';

type Answer = {
  status: string;
  gap: number | null;
  objective: number | null;
  assignments: { container: string }[];
  greedy: { assignments: { container: string }[] };
  topology: {
    groups: Record<Which, { placed: number; spans: Record<string, number> }>[];
    fragmentation: Record<Which, { level: string; free: number }[]>;
    kueue: { assignments: { container: string }[]; objective: number | null; gapToBound: number | null };
  };
  timings: { totalMs: number };
};

function side(a: Answer, which: Which, gpusOf: ReadonlyMap<string, number>): Side {
  const list =
    which === 'plan' ? a.assignments : which === 'greedy' ? a.greedy.assignments : a.topology.kueue.assignments;
  const placed = a.topology.groups.filter((g) => g[which].placed > 0);
  const racks = (gs: typeof placed) => gs.reduce((t, g) => t + g[which].spans[RACK]!, 0);
  return {
    gpus: list.reduce((t, x) => t + (gpusOf.get(x.container) ?? 0), 0),
    blocks: placed.reduce((t, g) => t + g[which].spans[BLOCK]!, 0),
    racks: racks(placed),
    greedyGangRacks: racks(placed.filter((g) => g.greedy.placed > 0)),
    gangs: placed.length,
    freeRacks: a.topology.fragmentation[which].find((f) => f.level === RACK)!.free,
  };
}

/** The name of a request's objective in the table. */
function objectiveName(keepFree: AiKeepFree): string {
  if (typeof keepFree === 'number') return `keepFree rack, weight ${keepFree}`;
  return { none: 'compact', first: 'keepFree rack', afterSpans: 'keepFree rack after spans' }[keepFree];
}

/**
 * The table's rows for one answer: the seed greedy's and the Kueue-style plan's (once per size; the seed greedy's
 * again with keepFree, which it heeds), and the answer's.
 */
function rowsOf(
  n: number,
  body: SnapshotInput,
  keepFree: AiKeepFree,
  r: { status: number; json: Record<string, unknown> },
): string[] {
  const pending = body.containers.filter((c) => c.current === undefined);
  const gpusOf = new Map(pending.map((c) => [c.name, Number(c.requests!['nvidia.com/gpu'])]));
  const asked = [...gpusOf.values()].reduce((t, g) => t + g, 0);
  const objective = objectiveName(keepFree);
  if (r.status !== 200) return [`| ${n} | ${pending.length} | ${asked} | ${objective}: HTTP ${r.status} |`];
  const a = r.json as unknown as Answer;
  const sides: readonly Which[] =
    keepFree === 'none' ? ['greedy', 'kueue', 'plan'] : keepFree === 'first' ? ['greedy', 'plan'] : ['plan'];
  return sides.map((which) => {
    const s = side(a, which, gpusOf);
    const value = which === 'plan' ? a.objective : which === 'kueue' ? a.topology.kueue.objective : null;
    const gap = which === 'plan' ? a.gap : which === 'kueue' ? a.topology.kueue.gapToBound : null;
    const greedy = keepFree === 'none' ? 'seed greedy' : 'seed greedy, keepFree rack';
    const name = which === 'plan' ? `answer, ${objective} (${a.status})` : which === 'kueue' ? 'Kueue-style' : greedy;
    const cells = [n, pending.length, asked, name, s.gpus, s.gangs, s.blocks, s.racks, s.greedyGangRacks]
      .concat([s.freeRacks, value ?? '–', gap === null ? '–' : gap < 0.0001 ? '<0.01%' : `${(100 * gap).toFixed(2)}%`])
      .concat([which === 'plan' ? a.timings.totalMs : '']);
    return `| ${cells.join(' | ')} |`;
  });
}

/**
 * The `ai` suite of npm run bench: aiSnapshot at 256, 1 024 and 4 096 nodes posted to /v1/plan of the real
 * service (30 s each), one at a time, with the default objective (the gangs compact, first), with keepFree (racks
 * free, first), with keepFree after the spans (compact, then racks free), and with each of AI_WEIGHTS as
 * keepFreeWeight (free racks traded against spans). For the seed greedy, the Kueue-style baseline and the answers:
 * the GPUs they place (running ones excluded), the training gangs they place and the blocks and racks those span
 * (sums over the gangs, and over those the seed greedy places), the racks left free of any pod, the objective (of
 * that request) and the gap to its proven bound.
 */
export async function aiSuite(seed: number, timeLimitMs = 30_000, sizes = [256, 1024, 4096]): Promise<string> {
  const { postJson, startServer } = await import('./server.js');
  const head = [
    'nodes',
    'pods to place',
    'GPUs asked',
    'plan',
    'GPUs placed',
    'gangs placed',
    'blocks spanned',
    'racks spanned',
    "racks spanned by the seed greedy's gangs",
    'free racks',
    'objective',
    'gap to bound',
    'answered ms',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  const server = await startServer();
  try {
    for (const n of sizes)
      for (const keepFree of ['none', 'first', 'afterSpans', ...AI_WEIGHTS] as const) {
        const body = aiSnapshot(n, seed, timeLimitMs, keepFree);
        const r = await postJson(`${server.url}/v1/plan`, JSON.stringify(body));
        lines.push(...rowsOf(n, body, keepFree, r));
      }
  } finally {
    await server.stop();
  }
  return lines.join('\n');
}
