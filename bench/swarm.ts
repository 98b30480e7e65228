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
  return {
    ID: `id-${name}`,
    Spec: {
      Name: name,
      TaskTemplate: {
        ContainerSpec: { Image: `registry.example.com/${name}:1` },
        Resources: {
          Reservations: {
            NanoCPUs: [0.25, 0.5, 1, 2, 4][int(0, highmem || gpu ? 4 : 3)]! * CPU,
            MemoryBytes: [0.25, 0.5, 1, 2, 4, 8][int(0, 3) + (highmem ? 2 : 0)]! * GiB,
            ...(gpu ? { GenericResources: [{ DiscreteResourceSpec: { Kind: 'GPU', Value: int(1, 2) } }] } : {}),
          },
        },
        Placement: {
          ...(constraints.length ? { Constraints: constraints } : {}),
          ...(preferences.length ? { Preferences: preferences } : {}),
          ...(r() < 0.2 ? { MaxReplicas: int(1, 2) } : {}),
        },
      },
      Mode: { Replicated: { Replicas: replicas } },
      ...(r() < 0.03
        ? {
            EndpointSpec: {
              Mode: 'vip',
              Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8000 + k, PublishMode: 'host' }],
            },
          }
        : {}),
    },
  };
}

function globalService(name: string, cpu: number, memGiB: number): Record<string, unknown> {
  return {
    ID: `id-${name}`,
    Spec: {
      Name: name,
      TaskTemplate: {
        ContainerSpec: { Image: `registry.example.com/${name}:1` },
        Resources: { Reservations: { NanoCPUs: cpu * CPU, MemoryBytes: memGiB * GiB } },
      },
      Mode: { Global: {} },
    },
  };
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
