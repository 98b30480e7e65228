import { rngFor } from './random.js';

/**
 * Generated Docker Swarm clusters for the `swarm` suite and the tests (issue 29), as `docker node inspect` and
 * `docker service inspect` print them:
 * - nodes in 4 zones (node.labels.zone) and racks of 20 (node.labels.rack): 3 managers, then workers of three
 *   types (node.labels.type: general 16 cpu / 64 GiB, highmem 32 cpu / 256 GiB, gpu 32 cpu / 256 GiB and 4 named
 *   GPUs), engine labels for the OS; one node drained, one paused, one down (from 10 nodes on);
 * - services: replicated ones of 2–16 replicas with cpu and memory reservations, half kept off managers
 *   (node.role!=manager), some on highmem or gpu nodes (with GPUs reserved), 40% spread over zones and 10% over
 *   zones then racks, 20% with MaxReplicas 1–2, a few publishing a host-mode port; and two global agents;
 * - `tasks`: with `running`, the given share of the tasks already runs, where Swarm's greedy put them (the caller
 *   passes its placement), and the services have since been scaled up by half.
 * The same (nodes, services, seed) gives the same cluster.
 */
export interface SwarmCluster {
  readonly nodes: Record<string, unknown>[];
  readonly services: Record<string, unknown>[];
}

const GiB = 1024 ** 3;
const CPU = 1e9;
const TYPES = [
  { type: 'general', cpu: 16, mem: 64, gpus: 0, share: 0.7 },
  { type: 'highmem', cpu: 32, mem: 256, gpus: 0, share: 0.2 },
  { type: 'gpu', cpu: 32, mem: 256, gpus: 4, share: 0.1 },
] as const;

function swarmNode(i: number, count: number, r: () => number): Record<string, unknown> {
  const id = `node${String(i).padStart(5, '0')}`;
  const manager = i < Math.min(3, count);
  const pick = r();
  const t = manager ? TYPES[0] : pick < 0.7 ? TYPES[0] : pick < 0.9 ? TYPES[1] : TYPES[2];
  const special = count >= 10 ? ['drain', 'pause', 'down'][i - (count - 3)] : undefined;
  return {
    ID: `id-${id}`,
    Spec: {
      Labels: { zone: `z${(i % 4) + 1}`, rack: `r${Math.floor(i / 20)}`, type: t.type },
      Role: manager ? 'manager' : 'worker',
      Availability: special === 'drain' || special === 'pause' ? special : 'active',
    },
    Description: {
      Hostname: id,
      Platform: { Architecture: 'x86_64', OS: 'linux' },
      Resources: {
        NanoCPUs: t.cpu * CPU,
        MemoryBytes: t.mem * GiB,
        ...(t.gpus > 0
          ? {
              GenericResources: Array.from({ length: t.gpus }, (_, g) => ({
                NamedResourceSpec: { Kind: 'GPU', Value: `GPU-${id}-${g}` },
              })),
            }
          : {}),
      },
      Engine: { EngineVersion: '27.3.1', Labels: { os: i % 3 === 0 ? 'ubuntu-24.04' : 'ubuntu-22.04' } },
    },
    Status: { State: special === 'down' ? 'down' : 'ready', Addr: `10.0.${Math.floor(i / 250)}.${i % 250}` },
  };
}

function swarmService(k: number, r: () => number, scale: number): Record<string, unknown> {
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const name = `svc${String(k).padStart(3, '0')}`;
  const kind = r();
  const gpu = kind < 0.06;
  const highmem = !gpu && kind < 0.2;
  const constraints = [
    ...(r() < 0.5 ? ['node.role!=manager'] : []),
    ...(gpu ? ['node.labels.type==gpu'] : highmem ? ['node.labels.type==highmem'] : []),
    ...(r() < 0.05 ? ['engine.labels.os==ubuntu-22.04'] : []),
  ];
  const spread = r();
  const preferences =
    spread < 0.4
      ? [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }]
      : spread < 0.5
        ? [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }, { Spread: { SpreadDescriptor: 'node.labels.rack' } }]
        : [];
  const replicas = Math.max(1, Math.round(int(2, 16) * scale));
  // In this order: the draws of a seed give the same cluster as before.
  const reservations = {
    NanoCPUs: [0.25, 0.5, 1, 2, 4][int(0, highmem || gpu ? 4 : 3)]! * CPU,
    MemoryBytes: [0.25, 0.5, 1, 2, 4, 8][int(0, 3) + (highmem ? 2 : 0)]! * GiB,
    ...(gpu ? { GenericResources: [{ DiscreteResourceSpec: { Kind: 'GPU', Value: int(1, 2) } }] } : {}),
  };
  const placement = {
    ...(constraints.length ? { Constraints: constraints } : {}),
    ...(preferences.length ? { Preferences: preferences } : {}),
    ...(r() < 0.2 ? { MaxReplicas: int(1, 2) } : {}),
  };
  const port = { Protocol: 'tcp', TargetPort: 80, PublishedPort: 8000 + k, PublishMode: 'host' };
  const endpoint = r() < 0.03 ? { Mode: 'vip', Ports: [port] } : undefined;
  return serviceDoc(name, reservations, { Replicated: { Replicas: replicas } }, placement, endpoint);
}

/** A service as `docker service inspect` prints it. */
function serviceDoc(
  name: string,
  reservations: Record<string, unknown>,
  mode: Record<string, unknown>,
  placement?: Record<string, unknown>,
  endpoint?: Record<string, unknown>,
): Record<string, unknown> {
  return {
    ID: `id-${name}`,
    Spec: {
      Name: name,
      TaskTemplate: {
        ContainerSpec: { Image: `registry.example.com/${name}:1` },
        Resources: { Reservations: reservations },
        ...(placement ? { Placement: placement } : {}),
      },
      Mode: mode,
      ...(endpoint ? { EndpointSpec: endpoint } : {}),
    },
  };
}

function globalService(name: string, cpu: number, memGiB: number): Record<string, unknown> {
  return serviceDoc(name, { NanoCPUs: cpu * CPU, MemoryBytes: memGiB * GiB }, { Global: {} });
}

/** A cluster of `nodes` nodes and `services` services (two of them global); `scale` multiplies the replicas. */
export function swarmCluster(nodes: number, services: number, seed: number, scale = 1): SwarmCluster {
  const r = rngFor(seed);
  const nodeList = Array.from({ length: nodes }, (_, i) => swarmNode(i, nodes, r));
  const serviceList = [
    globalService('node-exporter', 0.1, 0.125),
    globalService('log-shipper', 0.25, 0.25),
    ...Array.from({ length: Math.max(0, services - 2) }, (_, k) => swarmService(k, r, scale)),
  ];
  return { nodes: nodeList, services: serviceList };
}

/**
 * The same cluster after a deploy round: `running` (a share) of the tasks Swarm's plan placed run there as tasks,
 * and every replicated service is scaled up by half, so its new tasks are what is left to place.
 */
export function swarmLiveCluster(
  base: SwarmCluster,
  placement: ReadonlyMap<string, string>,
  running: number,
  seed: number,
): SwarmCluster & { readonly tasks: Record<string, unknown>[] } {
  const r = rngFor(seed);
  const nodeId = new Map(base.nodes.map((n) => [(n['Description'] as { Hostname: string }).Hostname, n['ID']]));
  const tasks: Record<string, unknown>[] = [];
  for (const [task, node] of placement) {
    if (r() >= running) continue;
    const cut = task.lastIndexOf('.');
    const [service, slot] = [task.slice(0, cut), task.slice(cut + 1)];
    const global = !/^\d+$/.test(slot);
    tasks.push({
      ID: `task-${task}`,
      ServiceID: `id-${service}`,
      NodeID: nodeId.get(node),
      ...(global ? {} : { Slot: Number(slot) }),
      Status: { State: 'running' },
      DesiredState: 'running',
    });
  }
  const services = base.services.map((s) => {
    const spec = s['Spec'] as { Mode: { Replicated?: { Replicas: number } } };
    if (!spec.Mode.Replicated) return s;
    const replicas = Math.ceil(spec.Mode.Replicated.Replicas * 1.5);
    return { ...s, Spec: { ...spec, Mode: { Replicated: { Replicas: replicas } } } };
  });
  return { nodes: base.nodes, services, tasks };
}

interface SwarmAnswer {
  status: string;
  gap: number | null;
  objective: number | null;
  parts: { preferences: number } | null;
  unplaced: string[];
  greedy: { objective: number | null; parts?: { preferences: number }; unplaced: string[] };
  swarm: { objective: number | null; parts: { preferences: number }; pending: string[]; gapToBound: number | null };
  timings: { totalMs: number };
}

const pct = (g: number | null): string => (g === null ? '–' : g < 0.0001 ? '<0.01%' : `${(100 * g).toFixed(2)}%`);

/** The rows of one answer: the seed greedy's, Swarm's and the answer's plan. */
function swarmRows(label: string, tasks: number, r: { status: number; json: Record<string, unknown> }): string[] {
  if (r.status !== 200) return [`| ${label} | ${tasks} | HTTP ${r.status}: ${JSON.stringify(r.json).slice(0, 200)} |`];
  const a = r.json as unknown as SwarmAnswer;
  const row = (name: string, unplaced: number, prefs: number | undefined, objective: number | null, gap: string) =>
    `| ${[label, tasks, name, tasks - unplaced, unplaced, prefs ?? '–', objective ?? '–', gap].join(' | ')} |`;
  return [
    row('seed greedy', a.greedy.unplaced.length, a.greedy.parts?.preferences, a.greedy.objective, '–'),
    row(
      'Swarm (swarmkit)',
      a.swarm.pending.length,
      a.swarm.parts.preferences,
      a.swarm.objective,
      pct(a.swarm.gapToBound),
    ),
    row(
      `answer (${a.status}, ${a.timings.totalMs} ms)`,
      a.unplaced.length,
      a.parts?.preferences,
      a.objective,
      pct(a.gap),
    ),
  ];
}

/**
 * The `swarm` suite of npm run bench: generated Swarm clusters (swarmCluster) of 10, 100 and 1 000 nodes with 8, 40
 * and 200 services, fresh (every task to place) and after a deploy round (half the tasks running where Swarm put
 * them, every replicated service scaled up by half), posted to /v1/plan of the real service one at a time
 * (allowUnplaced, so that every plan has an objective): tasks placed and pending, the preferences part (spread
 * unmet), the objective and the gap to the proven bound, for the seed greedy, Swarm's own placement and the answer.
 */
export async function swarmSuite(seed: number, timeLimitMs = 30_000, sizes = [10, 100, 1000]): Promise<string> {
  const { postJson, startServer } = await import('./server.js');
  const { validatePlanBody } = await import('../models/validate.js');
  const { swarmAssignment } = await import('../solver/swarm.js');
  const head = ['cluster', 'tasks', 'plan', 'placed', 'pending', 'spread unmet', 'objective', 'gap to bound'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  const services: Record<number, number> = { 10: 8, 100: 40, 1000: 200 };
  const server = await startServer();
  try {
    for (const n of sizes) {
      const base = swarmCluster(n, services[n] ?? Math.ceil(n / 5), seed + n);
      const v = validatePlanBody(base);
      if (!v.ok) throw new Error(JSON.stringify(v.issues));
      const plan = swarmAssignment(v.model.items, v.model.nodes, v.model.rules?.current, v.swarm!);
      const placement = new Map<string, string>();
      plan.forEach((i, j) => i >= 0 && placement.set(v.model.items[j]!, v.model.nodes[i]!));
      const live = swarmLiveCluster(base, placement, 0.5, seed + n);
      for (const [label, body] of [
        [`${n} nodes, ${base.services.length} services, fresh`, base],
        [`${n} nodes, ${base.services.length} services, after a deploy round`, live],
      ] as const) {
        const options = { timeLimitMs, allowUnplaced: true };
        const r = await postJson(`${server.url}/v1/plan`, JSON.stringify({ ...body, options }));
        const tasks = validatePlanBody(body);
        const fresh = tasks.ok ? tasks.swarm!.services.reduce((t, s) => t + s.pending.length, 0) : 0;
        lines.push(...swarmRows(label, fresh, r));
      }
    }
  } finally {
    await server.stop();
  }
  return lines.join('\n');
}
