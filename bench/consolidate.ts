import type { ContainerInput, NodeInput, SnapshotInput } from '../models/snapshot.js';
import { rngFor } from './random.js';

/**
 * Generated clusters for the `consolidate` suite (issue 28): `nodes` nodes of 16 cpu and 64 Gi, `deployments`
 * deployments of 2–12 replicas (0.25–2 cpu, 0.5–8 Gi each), each protected by a PodDisruptionBudget
 * (maxUnavailable 1, or minAvailable 50% / 75%), placed today as a spreading scheduler would (each pod on the
 * least allocated node of 8 drawn at random) until the cluster runs at about `utilisation` of its cpu.
 */
export function consolidationCluster(
  nodeCount: number,
  deploymentCount: number,
  seed: number,
  utilisation = 0.6,
  maxRemoved = 50,
  timeLimitMs = 60_000,
): SnapshotInput {
  const r = rngFor(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const nodes: NodeInput[] = Array.from({ length: nodeCount }, (_, i) => ({
    name: `node-${String(i).padStart(3, '0')}`,
    capacity: { cpu: 16, memory: '64Gi', pods: 110 },
  }));
  const used = new Float64Array(nodeCount);
  const mem = new Float64Array(nodeCount);
  const containers: ContainerInput[] = [];
  const budgets = [];
  const target = utilisation * 16 * nodeCount;
  let total = 0;
  for (let d = 0; total < target; d++) {
    const app = `app-${d % deploymentCount}-${Math.floor(d / deploymentCount)}`;
    const replicas = int(2, 12);
    const cpu = [0.25, 0.5, 1, 2][int(0, 3)]!;
    const gi = [0.5, 1, 2, 4, 8][int(0, 4)]!;
    for (let k = 0; k < replicas && total < target; k++) {
      const at = leastAllocated(used, mem, cpu, gi, () => int(0, nodeCount - 1));
      if (at < 0) continue;
      used[at]! += cpu;
      mem[at]! += gi;
      total += cpu;
      const labels = { app };
      const requests = { cpu, memory: `${gi}Gi` };
      containers.push({
        name: `${app}-${k}`,
        requests,
        labels,
        controller: `ReplicaSet/${app}`,
        current: nodes[at]!.name,
      });
    }
    if (d < deploymentCount) budgets.push(budgetFor(app, replicas, int(0, 2)));
  }
  return {
    nodes,
    containers,
    disruptionBudgets: budgets,
    question: { consolidate: { maxRemoved } },
    options: { timeLimitMs },
  } as SnapshotInput;
}

/** Of 8 nodes drawn at random, the least allocated one with room (-1 if none has). */
function leastAllocated(used: Float64Array, mem: Float64Array, cpu: number, gi: number, draw: () => number): number {
  let best = -1;
  for (let t = 0; t < 8; t++) {
    const i = draw();
    if (used[i]! + cpu > 16 || mem[i]! + gi > 64) continue;
    if (best < 0 || used[i]! < used[best]!) best = i;
  }
  return best;
}

function budgetFor(app: string, replicas: number, kind: number) {
  const selector = { matchLabels: { app } };
  const name = `${app}-pdb`;
  if (kind === 0) return { name, selector, maxUnavailable: 1, expectedPods: replicas };
  return { name, selector, minAvailable: kind === 1 ? '50%' : '75%', expectedPods: replicas };
}

/**
 * The `consolidate` suite: the 500-node cluster with 100 budgets posted to /v1/capacity of the real service with
 * `consolidate: {maxRemoved: 50}` and a 60 s limit. Prints the frontier (nodes removed, status, price, moves, waves)
 * and the waves of one point; then the same question with `surge: 1` (docs/changes.md), its waves beside the first.
 */
export async function consolidateSuite(seed: number): Promise<string> {
  const { postJson, startServer } = await import('./server.js');
  const body = consolidationCluster(500, 100, seed);
  const surged = { ...body, options: { ...body.options, changes: true, surge: 1 } };
  const server = await startServer();
  try {
    const ask = async (b: SnapshotInput): Promise<{ a?: Frontier; ms: number; error?: string }> => {
      const started = Date.now();
      const r = await postJson(`${server.url}/v1/capacity`, JSON.stringify(b));
      const ms = Date.now() - started;
      if (r.status !== 200) return { ms, error: `HTTP ${r.status}: ${JSON.stringify(r.json).slice(0, 500)}` };
      return { a: r.json as unknown as Frontier, ms };
    };
    const plain = await ask(body);
    if (!plain.a) return plain.error!;
    const withSurge = await ask(surged);
    const surgeText = withSurge.a ? surgeTable(plain.a, withSurge.a, withSurge.ms) : withSurge.error!;
    return `${frontierTable(plain.a, body, plain.ms)}\n\n${surgeText}`;
  } finally {
    await server.stop();
  }
}

/** The waves of each point without surge and with `surge: 1`, where they differ or every tenth point. */
function surgeTable(plain: Frontier, surged: Frontier, ms: number): string {
  const rows = surged.frontier.flatMap((p, k) => {
    const before = plain.frontier[k];
    if (!before || (before.waves === p.waves && p.removed % 10 !== 0)) return [];
    return [
      `| ${p.removed} | ${before.waves ?? '–'} | ${p.waves ?? '–'} | ${p.moves ?? '–'} | ${p.changes?.status ?? '–'} |`,
    ];
  });
  return [
    `With options.surge 1 (a pod of each budget a wave moved with its replacement Ready first): ${ms} ms.`,
    '',
    '| nodes removed | waves | waves with surge 1 | moves | order with surge |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

interface Frontier {
  frontier: {
    removed: number;
    status: string;
    price: number;
    moves: number | null;
    waves: number | null;
    changes?: { status: string; fewestWaves: number; runbook: string[] };
  }[];
  timings: { totalMs: number };
}

function frontierTable(a: Frontier, body: SnapshotInput, ms: number): string {
  const pods = body.containers.length;
  const head = ['nodes removed', 'status', 'price left', 'moves', 'waves', 'order', 'fewest waves proven'];
  const rows = a.frontier.map((p) =>
    [
      p.removed,
      p.status,
      p.price,
      p.moves ?? '–',
      p.waves ?? '–',
      p.changes?.status ?? '–',
      p.changes?.fewestWaves ?? '–',
    ].join(' | '),
  );
  const shown = [...a.frontier].reverse().find((p) => (p.changes?.runbook.length ?? 0) > 0);
  return [
    `500 nodes, ${pods} pods, ${body.disruptionBudgets?.length} budgets; answered in ${ms} ms ` +
      `(service timings ${a.timings.totalMs} ms)`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r} |`),
    '',
    ...(shown
      ? [`The waves with ${shown.removed} nodes removed:`, '', ...shown.changes!.runbook.map((l) => `- ${l}`)]
      : []),
  ].join('\n');
}
