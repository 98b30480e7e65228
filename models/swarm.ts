import type { PathIssue } from './path.js';
import type { ContainerInput, NodeInput, SnapshotInput } from './snapshot.js';
import { nodeMatches, platformMatches, spreadValue, type Constraint } from './swarm-constraints.js';
import {
  NODE_KEY,
  PLACEMENT,
  SERVICE_LABEL,
  SPREAD,
  activeTask,
  amounts,
  constraintsOf,
  hostPorts,
  losesTasks,
  nodeNames,
  occupies,
  takesTasks,
  type SwarmCluster,
  type SwarmServiceView,
} from './swarm-read.js';
import type { SwarmInput, SwarmService, SwarmTask } from './swarm-schema.js';
import { swarmNotes } from './swarm-notes.js';
import { preassigned, type NodeState } from './swarm-filters.js';

/**
 * Docker Swarm input (docs/swarm.md): `docker node inspect`, `docker service inspect` and, optionally, tasks, as
 * printed, become a plain snapshot with swarmkit's meaning (manager/scheduler, manager/orchestrator):
 * - a node takes new tasks when its Status.State is ready and its Availability active; a paused node keeps its
 *   tasks, a drained or down one loses them (their services need them placed again);
 * - resources are NanoCPUs, MemoryBytes and each generic resource kind (a named resource is one unit);
 * - a service's constraints and platforms keep its tasks on the nodes that meet them (a synthetic label per
 *   distinct placement); MaxReplicas and host-mode published ports are at-most rules per node; spread preferences
 *   are soft spread rules over the label's values (a node without the label is in the "" domain), one per level of
 *   the preference tree;
 * - a replicated service needs Replicas tasks, a global one a task on every node that meets its constraints and
 *   takes tasks; running tasks stay where they run (options.movable: "all" lets them move).
 * The neutral description of the same cluster (SwarmCluster) is what Swarm's own greedy reads (solver/swarm.ts).
 */
export * from './swarm-schema.js';
export { SERVICE_LABEL, type SwarmCluster } from './swarm-read.js';

export interface SwarmConversion {
  readonly snapshot: SnapshotInput;
  readonly cluster: SwarmCluster;
  readonly notes: string[];
  readonly issues: PathIssue[];
}

/** A label value of at most 63 characters: the value itself, or a numbered stand-in. */
function tokens(): (value: string) => string {
  const seen = new Map<string, string>();
  return (v) => {
    let t = seen.get(v);
    if (t === undefined) seen.set(v, (t = v.length <= 63 && !v.startsWith('#') ? v : `#${seen.size}`));
    return t;
  };
}

/** Per service: the index of its distinct placement (constraints and platforms), -1 for none. */
function placements(input: SwarmInput, constraints: readonly Constraint[][]) {
  const keys = new Map<string, number>();
  const classOf = input.services.map((s, k) => {
    const platforms = s.Spec.TaskTemplate?.Placement?.Platforms ?? [];
    if (constraints[k]!.length === 0 && platforms.length === 0) return -1;
    const key = JSON.stringify([constraints[k], platforms]);
    if (!keys.has(key)) keys.set(key, keys.size);
    return keys.get(key)!;
  });
  const first = [...keys.values()].map((c) => classOf.indexOf(c));
  const eligible = first.map((k) => {
    const placement = input.services[k]!.Spec.TaskTemplate?.Placement;
    return Uint8Array.from(input.nodes, (n) =>
      nodeMatches(constraints[k]!, n) && platformMatches(placement, n) ? 1 : 0,
    );
  });
  return { classOf, eligible };
}

/** A service's spread descriptors that swarmkit reads (node and engine labels), in order. */
function descriptorsOf(s: SwarmService): string[] {
  return (s.Spec.TaskTemplate?.Placement?.Preferences ?? []).flatMap((p) => {
    const d = p.Spread?.SpreadDescriptor;
    return d !== undefined && spreadValue(d, { ID: '' }) !== undefined ? [d] : [];
  });
}

const levelKey = (descriptors: readonly string[], l: number): string =>
  `${SPREAD}${descriptors.slice(0, l + 1).join(' > ')}`;

const requestOf = (resources: readonly string[], r: Map<string, bigint>): bigint[] =>
  resources.map((k) => r.get(k) ?? 0n);

/** Resource names: NanoCPUs, MemoryBytes, then generic kinds in order of first appearance. */
function resourceNames(input: SwarmInput): string[] {
  const names = new Set(['NanoCPUs', 'MemoryBytes']);
  for (const n of input.nodes) for (const k of amounts(n.Description?.Resources).keys()) names.add(k);
  for (const s of input.services)
    for (const k of amounts(s.Spec.TaskTemplate?.Resources?.Reservations).keys()) names.add(k);
  return [...names];
}

interface Context {
  readonly input: SwarmInput;
  readonly names: readonly string[];
  readonly nodeOf: Map<string, number>;
  readonly resources: readonly string[];
  readonly classOf: readonly number[];
  readonly eligible: readonly Uint8Array[];
  readonly nodeToken: (v: string) => string;
  readonly movable: boolean;
  readonly nodeLabels: Record<string, string>[];
}

/** The snapshot's nodes: capacity per resource, whether each takes tasks, and the synthetic labels. */
function snapshotNodes(ctx: Context): NodeInput[] {
  return ctx.input.nodes.map((n, i): NodeInput => {
    const cap = amounts(n.Description?.Resources);
    return {
      name: ctx.names[i]!,
      capacity: Object.fromEntries(ctx.resources.map((k) => [k, String(cap.get(k) ?? 0n)])),
      labels: ctx.nodeLabels[i]!,
      ...((n.Status?.State ?? 'ready') === 'ready' ? {} : { ready: false }),
      ...((n.Spec?.Availability ?? 'active') === 'active' ? {} : { unschedulable: true }),
    };
  });
}

/** The labels a service's containers carry and the rules they bring. */
function serviceRules(ctx: Context, k: number, descriptors: readonly string[]): Partial<ContainerInput> {
  const s = ctx.input.services[k]!;
  const name = s.Spec.Name;
  const placement = ctx.classOf[k]!;
  const max = s.Spec.TaskTemplate?.Placement?.MaxReplicas ?? 0;
  return {
    labels: { [SERVICE_LABEL]: name },
    ...(placement >= 0 ? { nodeSelector: { [`${PLACEMENT}${placement}`]: 'true' } } : {}),
    ...(descriptors.length > 0
      ? {
          spread: descriptors.map((_, l) => ({
            maxSkew: 1,
            topologyKey: levelKey(descriptors, l),
            whenUnsatisfiable: 'ScheduleAnyway' as const,
            selector: { matchLabels: { [SERVICE_LABEL]: name } },
          })),
        }
      : {}),
    ...(max > 0 ? { maxPerNode: [{ group: `service ${name}`, limit: max }] } : {}),
  };
}

const OVERCOMMITTED = 'swarm.overcommitted';
const NOT_OVERCOMMITTED = { matchExpressions: [{ key: OVERCOMMITTED, operator: 'DoesNotExist' as const }] };

/**
 * Labels the nodes whose running tasks reserve more NanoCPUs or MemoryBytes than the node has (its resources
 * shrank, or a task grew), as swarmkit's node bookkeeping sees them (free below zero; a pre-assigned task is kept
 * only where it fits, so it never takes free below zero); their names.
 */
function markOvercommitted(ctx: Context, nodes: readonly NodeState[]): string[] {
  return nodes.flatMap((n, i) => {
    if (n.free[0]! >= 0n && n.free[1]! >= 0n) return [];
    ctx.nodeLabels[i]![OVERCOMMITTED] = 'true';
    return [ctx.names[i]!];
  });
}

const portGroups = (ports: readonly string[]) => ports.map((p) => ({ group: `host port ${p}`, limit: 1 }));

interface Placed {
  readonly task: SwarmTask;
  readonly node: number;
  readonly service: number;
}

/** The tasks that use a node and stay on it (not on a drained or down node, which loses its tasks). */
function runningTasks(ctx: Context, serviceOf: Map<string, number>, tally: Record<string, number>): Placed[] {
  return (ctx.input.tasks ?? []).flatMap((task): Placed[] => {
    if (!occupies(task)) return [];
    const node = ctx.nodeOf.get(task.NodeID!);
    if (node === undefined) return (tally.unknownNode!++, []);
    if (losesTasks(ctx.input.nodes[node]!)) return (tally.lost!++, []);
    const service = serviceOf.get(task.ServiceID ?? '') ?? -1;
    if (service < 0) tally.unlisted!++;
    return [{ task, node, service }];
  });
}

/** A running task's reservations and host-mode ports: its own spec's, else its service's. */
function ownOf(ctx: Context, p: Placed) {
  const service = p.service >= 0 ? ctx.input.services[p.service] : undefined;
  const reservations = p.task.Spec?.Resources?.Reservations ?? service?.Spec.TaskTemplate?.Resources?.Reservations;
  const ports = hostPorts(p.task.Endpoint?.Ports ?? service?.Spec.EndpointSpec?.Ports ?? []);
  return { service, amounts: amounts(reservations), ports };
}

const requestsJson = (r: Map<string, bigint>): Record<string, string> =>
  Object.fromEntries([...r].filter(([, v]) => v > 0n).map(([k, v]) => [k, String(v)]));

/** A running task as a container: where it runs, pinned unless movable; its service's rules. */
function runningContainer(ctx: Context, p: Placed, name: string, rules: Partial<ContainerInput>): ContainerInput {
  const own = ownOf(ctx, p);
  const active = activeTask(p.task);
  const perNode = [...(active ? (rules.maxPerNode ?? []) : []), ...portGroups(own.ports)];
  return {
    ...rules,
    name,
    requests: requestsJson(own.amounts),
    current: ctx.names[p.node]!,
    ...(ctx.movable && own.service ? {} : { pinned: true }),
    ...(active ? {} : { terminating: true }),
    ...(perNode.length > 0 ? { maxPerNode: perNode } : { maxPerNode: undefined }),
  };
}

/** The containers of one service: its running tasks, and the tasks it still needs. */
function serviceContainers(
  ctx: Context,
  k: number,
  mine: readonly Placed[],
  view: ServiceDraft,
  kept: ReadonlyMap<string, number>,
  overcommitted: boolean,
): ContainerInput[] {
  const s = ctx.input.services[k]!;
  const rules = serviceRules(ctx, k, view.descriptors);
  const ports = portGroups(view.ports);
  const withPorts = { ...rules, maxPerNode: [...(rules.maxPerNode ?? []), ...ports] };
  const requests = requestsJson(amounts(s.Spec.TaskTemplate?.Resources?.Reservations));
  const out = mine.map((p, t) => runningContainer(ctx, p, view.running[t]!, rules));
  // swarmkit's ResourceFilter compares NanoCPUs and MemoryBytes whenever a task reserves anything, so such a task
  // never goes where running tasks already reserve more than the node has (Kubernetes compares only what is asked).
  const reserves = Object.keys(requests).length > 0;
  const base = {
    ...withPorts,
    requests,
    ...(withPorts.maxPerNode.length ? {} : { maxPerNode: undefined }),
    ...(overcommitted && reserves ? { nodeAffinity: [NOT_OVERCOMMITTED] } : {}),
  };
  for (const t of view.pending) out.push({ ...base, name: t.name, ...globalTask(ctx, t, kept, base.nodeSelector) });
  return out;
}

/**
 * Where a global service's task goes: the orchestrator pre-assigns it to its node, and the scheduler keeps it there
 * when the node passes its filters, before placing anything else (so it stays, as a running task does); else it
 * may go only to that node (swarmkit leaves it pending).
 */
function globalTask(
  ctx: Context,
  t: { readonly node?: number; readonly name: string },
  kept: ReadonlyMap<string, number>,
  selector: Record<string, string> | undefined,
): Partial<ContainerInput> {
  if (t.node === undefined) return {};
  const name = ctx.names[t.node]!;
  if (kept.has(t.name)) return { current: name, pinned: true };
  ctx.nodeLabels[t.node]![NODE_KEY] = ctx.nodeToken(name);
  return { nodeSelector: { ...selector, [NODE_KEY]: ctx.nodeToken(name) } };
}

interface ServiceDraft {
  readonly global: boolean;
  /** The running tasks' container names, in the order of the service's running tasks. */
  readonly running: readonly string[];
  readonly descriptors: readonly string[];
  readonly ports: readonly string[];
  readonly pending: { name: string; node?: number }[];
}

/** The tasks a service still needs: Replicas less its active tasks, or one per node that a global one lacks. */
function pendingTasks(ctx: Context, k: number, mine: readonly Placed[], taken: Set<string>): ServiceDraft['pending'] {
  const s = ctx.input.services[k]!;
  const name = s.Spec.Name;
  const active = mine.filter((p) => activeTask(p.task));
  if (s.Spec.Mode?.Global) {
    const has = new Set(active.map((p) => p.node));
    const eligible = ctx.classOf[k]! >= 0 ? ctx.eligible[ctx.classOf[k]!]! : undefined;
    // A task that is stopping there keeps the node's own name: the new one takes a number.
    const fresh = (i: number): string => {
      let t = `${name}.${ctx.names[i]}`;
      for (let k = 2; taken.has(t); k++) t = `${name}.${ctx.names[i]}.${k}`;
      return t;
    };
    return ctx.input.nodes.flatMap((n, i) =>
      has.has(i) || !takesTasks(n) || (eligible && !eligible[i]) ? [] : [{ name: fresh(i), node: i }],
    );
  }
  const replicas = s.Spec.Mode?.Replicated?.Replicas ?? 1;
  const out: { name: string }[] = [];
  for (let slot = 1; out.length < replicas - active.length; slot++)
    if (!taken.has(`${name}.${slot}`)) out.push({ name: `${name}.${slot}` });
  return out;
}

/** Duplicate node IDs and service IDs or names, as issues. */
function duplicates(input: SwarmInput, issues: PathIssue[]): void {
  const seen = (list: readonly string[], path: (k: number) => PathIssue['path'], what: string): void => {
    const at = new Set<string>();
    list.forEach((v, k) => {
      if (at.has(v)) issues.push({ path: path(k), message: `duplicate ${what} "${v}"` });
      at.add(v);
    });
  };
  seen(
    input.nodes.map((n) => n.ID),
    (k) => ['nodes', k, 'ID'],
    'node ID',
  );
  seen(
    input.services.map((s) => s.ID),
    (k) => ['services', k, 'ID'],
    'service ID',
  );
  seen(
    input.services.map((s) => s.Spec.Name),
    (k) => ['services', k, 'Spec', 'Name'],
    'service name',
  );
}

/** Swarm's inspect documents → the plain snapshot, the neutral cluster, notes and issues. */
export function swarmToSnapshot(input: SwarmInput): SwarmConversion {
  const issues: PathIssue[] = [];
  duplicates(input, issues);
  const constraints = constraintsOf(input, issues);
  if (issues.length > 0) return { snapshot: { nodes: [], containers: [] }, cluster: EMPTY, notes: [], issues };
  const ctx = context(input, constraints);
  const serviceOf = new Map(input.services.map((s, k) => [s.ID, k]));
  const tally: Record<string, number> = { unknownNode: 0, lost: 0, unlisted: 0 };
  const placed = runningTasks(ctx, serviceOf, tally);
  const byService = input.services.map((): Placed[] => []);
  for (const p of placed) if (p.service >= 0) byService[p.service]!.push(p);
  const drafts = input.services.map((_, k) => draft(ctx, k, byService[k]!));
  const cluster = clusterOf(ctx, drafts, placed);
  const { nodes, kept } = preassigned(cluster);
  const over = markOvercommitted(ctx, nodes);
  const containers = input.services.flatMap((s, k) =>
    jobMode(s) ? [] : serviceContainers(ctx, k, byService[k]!, drafts[k]!, kept, over.length > 0),
  );
  for (const p of placed) if (p.service < 0) containers.push(runningContainer(ctx, p, `task ${p.task.ID}`, {}));
  const options = input.options ? withoutMovable(input.options) : undefined;
  const snapshot: SnapshotInput = { nodes: snapshotNodes(ctx), containers, ...(options ? { options } : {}) };
  return { snapshot, cluster, notes: swarmNotes(input, constraints, tally, over), issues };
}

const EMPTY: SwarmCluster = { nodes: [], services: [], running: [] };

const jobMode = (s: SwarmService): boolean => !!(s.Spec.Mode?.ReplicatedJob || s.Spec.Mode?.GlobalJob);

function withoutMovable(o: NonNullable<SwarmInput['options']>): SnapshotInput['options'] {
  const { movable: _, ...rest } = o;
  return rest;
}

/** What every step reads: node names and indices, resources, placements, and the nodes' synthetic labels. */
function context(input: SwarmInput, constraints: readonly Constraint[][]): Context {
  const { classOf, eligible } = placements(input, constraints);
  const nodeLabels = input.nodes.map((): Record<string, string> => ({}));
  eligible.forEach((e, c) => e.forEach((v, i) => v && (nodeLabels[i]![`${PLACEMENT}${c}`] = 'true')));
  const valueToken = tokens();
  for (const ds of input.services.map(descriptorsOf))
    ds.forEach((_, l) => {
      const key = levelKey(ds, l);
      input.nodes.forEach((n, i) => {
        const values = ds.slice(0, l + 1).map((d) => spreadValue(d, n)!);
        nodeLabels[i]![key] = valueToken(l === 0 ? values[0]! : JSON.stringify(values));
      });
    });
  const names = nodeNames(input);
  const nodeToken = tokens();
  return {
    input,
    names,
    nodeOf: new Map(input.nodes.map((n, i) => [n.ID, i])),
    resources: resourceNames(input),
    classOf,
    eligible,
    nodeToken,
    movable: input.options?.movable === 'all',
    nodeLabels,
  };
}

/** Running tasks' container names: service.slot, or service.node for a global one; the task's ID where taken. */
function runningNames(ctx: Context, name: string, global: boolean, mine: readonly Placed[]): string[] {
  const used = new Set<string>();
  return mine.map((p) => {
    const own = global ? `${name}.${ctx.names[p.node]}` : `${name}.${p.task.Slot ?? p.task.ID}`;
    const unique = used.has(own) ? `${name}.${p.task.ID}` : own;
    used.add(unique);
    return unique;
  });
}

function draft(ctx: Context, k: number, mine: readonly Placed[]): ServiceDraft {
  const s = ctx.input.services[k]!;
  const running = runningNames(ctx, s.Spec.Name, !!s.Spec.Mode?.Global, mine);
  return {
    global: !!s.Spec.Mode?.Global,
    running,
    descriptors: descriptorsOf(s),
    ports: hostPorts(s.Spec.EndpointSpec?.Ports ?? []),
    pending: jobMode(s) ? [] : pendingTasks(ctx, k, mine, new Set(running)),
  };
}

/** The neutral cluster that Swarm's greedy walks (solver/swarm.ts). */
function clusterOf(ctx: Context, drafts: readonly ServiceDraft[], placed: readonly Placed[]): SwarmCluster {
  const { input, resources } = ctx;
  const all = new Uint8Array(input.nodes.length).fill(1);
  const services = input.services.map((s, k): SwarmServiceView => {
    const d = drafts[k]!;
    return {
      name: s.Spec.Name,
      eligible: ctx.classOf[k]! >= 0 ? ctx.eligible[ctx.classOf[k]!]! : all,
      preferences: d.descriptors.map((desc) => input.nodes.map((n) => spreadValue(desc, n)!)),
      maxReplicas: s.Spec.TaskTemplate?.Placement?.MaxReplicas ?? 0,
      ports: d.ports,
      request: requestOf(resources, amounts(s.Spec.TaskTemplate?.Resources?.Reservations)),
      pending: d.pending,
    };
  });
  const running = placed.map((p) => {
    const own = ownOf(ctx, p);
    const request = requestOf(resources, own.amounts);
    return { node: p.node, service: p.service, active: activeTask(p.task), request, ports: own.ports };
  });
  const nodes = input.nodes.map((n, i) => {
    const cap = amounts(n.Description?.Resources);
    return { name: ctx.names[i]!, takesTasks: takesTasks(n), capacity: requestOf(resources, cap) };
  });
  return { nodes, services, running };
}
