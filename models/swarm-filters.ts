import type { SwarmCluster, SwarmServiceView } from './swarm-read.js';

/**
 * swarmkit's per-node bookkeeping (manager/scheduler/nodeinfo.go) and its filter pipeline (filter.go), shared by
 * the Swarm converter (which tasks a global service's orchestrator pre-assigns, and which of them the scheduler
 * keeps) and Swarm's own greedy (solver/swarm.ts).
 */
export class NodeState {
  readonly free: bigint[];
  total = 0;
  readonly byService = new Map<number, number>();
  readonly ports = new Set<string>();

  constructor(
    readonly index: number,
    readonly takesTasks: boolean,
    capacity: readonly bigint[],
  ) {
    this.free = [...capacity];
  }

  tasksOf(service: number): number {
    return this.byService.get(service) ?? 0;
  }

  /** addTask: its reservations leave the node; an active task counts for its service and in all. */
  add(service: number, request: readonly bigint[], ports: readonly string[], active: boolean): void {
    request.forEach((v, k) => (this.free[k]! -= v));
    for (const p of ports) this.ports.add(p);
    if (!active) return;
    this.total++;
    this.byService.set(service, this.tasksOf(service) + 1);
  }
}

/** The filter pipeline: ReadyFilter, ResourceFilter, Constraint and PlatformFilter, HostPortFilter, MaxReplicas. */
export function passes(s: SwarmServiceView, k: number, n: NodeState): boolean {
  if (!n.takesTasks || !s.eligible[n.index]) return false;
  // The resource filter is on when a reservation is; NanoCPUs and MemoryBytes are then always compared.
  if (s.request.some((v) => v > 0n) && s.request.some((v, r) => (r < 2 || v > 0n) && v > n.free[r]!)) return false;
  if (s.ports.some((p) => n.ports.has(p))) return false;
  return s.maxReplicas === 0 || n.tasksOf(k) < s.maxReplicas;
}

/**
 * The nodes after the running tasks and the pre-assigned ones (a global service's, one per node: processed before
 * any other, each kept where its node passes the pipeline then); the names of those kept.
 */
export function preassigned(cluster: SwarmCluster): {
  readonly nodes: NodeState[];
  readonly kept: Map<string, number>;
} {
  const nodes = cluster.nodes.map((n, i) => new NodeState(i, n.takesTasks, n.capacity));
  for (const r of cluster.running) nodes[r.node]!.add(r.service, r.request, r.ports, r.active);
  const kept = new Map<string, number>();
  cluster.services.forEach((s, k) => {
    for (const t of s.pending) {
      if (t.node === undefined || !passes(s, k, nodes[t.node]!)) continue;
      nodes[t.node]!.add(k, s.request, s.ports, true);
      kept.set(t.name, t.node);
    }
  });
  return { nodes, kept };
}
