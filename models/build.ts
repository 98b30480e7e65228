import {
  BLOCK_REASONS,
  int64Doubles,
  type AssignmentModel,
  type BlockReason,
  type ObjectiveWeights,
  resourceNameAt,
  type ResourceTable,
  type TopologyTree,
} from './model.js';
import { HOSTNAME_KEY, type Snapshot } from './snapshot.js';
import { nodeAffinityMatches, untoleratedTaints, type Toleration } from './selectors.js';
import { hasOwn, own } from './own.js';
import { SHARE_ABOVE, sharedColumns } from './columns.js';
import { INT64_MAX, sharedBigInt64, sharedFloat64, sharedInt32, sharedUint8 } from './shared.js';
import type { PathIssue } from './path.js';
import { shapesOf, type ContainerShapes } from './shapes.js';
import {
  fillKeyed,
  forEachCost,
  keyedFromDense,
  keysOf,
  keysOfShapes,
  openPairs,
  uniformTable,
  type BlockTable,
  type CostTable,
} from './pairs.js';
import { labelGroups, type CompileContext } from './rules/context.js';
import { compileGroupRules } from './rules/registry.js';
import { nodePreferences, preferenceRange } from './preferences.js';
import { topologyTree } from './topology.js';
import { compileBudgets } from './disruption.js';

/**
 * Model building: a validated snapshot (models/snapshot.ts) becomes the assignment model: its resource tables in
 * exact units, its cost table, its objective weights, and its rules (the per-pair blocks here; the group rules by
 * the compilers of the rule kinds, models/rules/).
 */

/**
 * Compiles a validated snapshot into the assignment model.
 * Without `costs`, c_ij is the greedy's own score against the empty node: max over requested resources k
 * of r_jk / R_ik (0 for a container that requests nothing). Pairs that cannot fit keep cost 0; they get no variable.
 * The large arrays are in shared memory, so the model goes to the solver threads without a copy.
 */
export function snapshotToModel(s: Snapshot): AssignmentModel {
  const shapes = shapesOf(s.containers);
  const resources = resourceTables(s, shapes);
  const full = overfull(s, resources);
  const disruption = s.disruptionBudgets ? compileBudgets(s.disruptionBudgets, s.containers) : undefined;
  const notes = [...full.notes, ...sharedNotes(resources), ...comparisons(s), ...(disruption?.notes ?? [])];
  const cost = costTable(s, resources, shapes);
  const objective = objectiveWeights(s, resources);
  const tree = s.options?.topology ? topologyTree(s, s.options.topology.levels) : undefined;
  const base = {
    kind: 'snapshot' as const,
    nodes: s.nodes.map((node) => node.name),
    items: s.containers.map((c) => c.name),
    resources,
    cost,
    sense: 'min' as const,
    ...(s.costs === undefined ? { derivedCosts: true } : {}),
    ...(objective ? { objective } : {}),
    ...(notes.length > 0 ? { notes } : {}),
    ...(tree ? { topology: tree } : {}),
    ...(disruption ? { budgets: disruption.budgets } : {}),
    ...(s.options?.changes && s.containers.some((c) => c.namespace !== undefined)
      ? { namespaces: s.containers.map((c) => c.namespace) }
      : {}),
  };
  const shared = resources.filter((r) => r.members !== undefined);
  if (!hasRules(s) && shared.length === 0) return base;
  const compiled = compileRules(s, shapes, cost, objective, { full: full.byNode, shared }, tree);
  return { ...base, cost: compiled.cost, rules: compiled.rules };
}

/** The resource names any node or container gives, sorted. */
function resourceNames(s: Snapshot, shapes: ContainerShapes): string[] {
  const names = new Set<string>();
  for (const node of s.nodes) for (const k of Object.keys(node.capacity)) names.add(k);
  for (const j of shapes.first) for (const k of Object.keys(s.containers[j]!.requests)) names.add(k);
  return [...names].sort();
}

/**
 * Resources whose amounts cannot all be held exactly as 64-bit integers: above 2^63−1 milli-units with
 * fractional amounts elsewhere (whole units would be kept at scale 1 instead). Paths name the largest value.
 */
export function quantityRangeIssues(s: Snapshot): PathIssue[] {
  const issues: PathIssue[] = [];
  // A shape's containers have the same requests: the first of the first shape over the limit is named.
  const shapes = shapesOf(s.containers);
  const limits = new Map<string, bigint>();
  for (const name of resourceNames(s, shapes)) {
    let fractional = false;
    let huge: { path: (string | number)[]; fraction: boolean } | undefined;
    const see = (v: bigint | undefined, path: (string | number)[]): void => {
      if (v === undefined) return;
      if (v % 1000n !== 0n) fractional = true;
      if (v > INT64_MAX) huge ??= { path, fraction: v % 1000n !== 0n };
    };
    s.nodes.forEach((node, i) => see(own(node.capacity, name), ['nodes', i, 'capacity', name]));
    for (const j of shapes.first) see(own(s.containers[j]!.requests, name), ['containers', j, 'requests', name]);
    if (huge && fractional)
      issues.push({
        path: huge.path,
        message: huge.fraction
          ? 'quantity is above 2^63−1 milli-units and has a fraction of a unit: it cannot be an exact 64-bit integer'
          : `quantity is above 2^63−1 milli-units while other ${name} amounts have fractions: they cannot all be ` +
            'exact 64-bit integers',
      });
    else limits.set(name, huge ? INT64_MAX * 1000n : INT64_MAX);
  }
  return issues.concat(pinnedLoadIssues(s, shapes, limits));
}

/**
 * A node's pinned containers together past what its column holds (`limits`, milli-units per resource): a node they
 * overfill has its capacity raised to their load (overfull), which must then be an exact 64-bit integer too. Only
 * resources where the largest request times the pinned containers could pass the limit are summed per node.
 */
function pinnedLoadIssues(s: Snapshot, shapes: ContainerShapes, limits: ReadonlyMap<string, bigint>): PathIssue[] {
  const pinned: number[] = [];
  const pinnedShapes = new Set<number>();
  s.containers.forEach((c, j) => {
    if (!c.pinned || c.current === undefined) return;
    pinned.push(j);
    // A shape's containers ask alike: each shape with a pinned container is read once.
    pinnedShapes.add(shapes.shapeOf[j]!);
  });
  const largest = new Map<string, bigint>();
  for (const t of pinnedShapes)
    for (const [name, v] of Object.entries(s.containers[shapes.first[t]!]!.requests))
      if (limits.has(name) && typeof v === 'bigint' && v > (largest.get(name) ?? 0n)) largest.set(name, v);
  const risky = [...largest].filter(([name, v]) => v * BigInt(pinned.length) > limits.get(name)!);
  return risky.flatMap(([name]) => {
    const load = new Map<string, { sum: bigint; first: number }>();
    for (const j of pinned) {
      const c = s.containers[j]!;
      const v = own(c.requests, name);
      if (v === undefined) continue;
      const at = load.get(c.current!);
      if (at) at.sum += v;
      else load.set(c.current!, { sum: v, first: j });
    }
    return [...load].flatMap(([node, { sum, first }]) =>
      sum > limits.get(name)!
        ? [
            {
              path: ['containers', first, 'requests', name],
              message:
                `the containers pinned on node "${node}" request more ${name} together than an exact 64-bit ` +
                'integer holds',
            },
          ]
        : [],
    );
  });
}

/**
 * One table per resource any node or container names, sorted by name (past SHARE_ABOVE names, resources that never
 * meet share one: models/columns.ts), in milli-units (scale 3); a column with an amount above 2^63−1 milli-units
 * (all whole units, see quantityRangeIssues) in units.
 */
function resourceTables(s: Snapshot, shapes: ContainerShapes): ResourceTable[] {
  const names = resourceNames(s, shapes);
  const shared = names.length > SHARE_ABOVE ? sharedColumns(names, holders(s, shapes), alone(s, shapes)) : undefined;
  return columnTables(s, shapes, names, shared ?? new Map(names.map((name, k) => [name, k])));
}

/** Each node's and each container shape's resource names. */
function* holders(s: Snapshot, shapes: ContainerShapes): Generator<string[]> {
  for (const node of s.nodes) yield Object.keys(node.capacity);
  for (const j of shapes.first) yield Object.keys(s.containers[j]!.requests);
}

/**
 * The names that keep a column of their own where resources share columns: pods (every container asks for one),
 * amounts beyond 2^63−1 milli-units (their column is in whole units), and what a pinned container asks for where
 * its node gives none (its load there is its own resource's, not a member's).
 */
function alone(s: Snapshot, shapes: ContainerShapes): (name: string) => boolean {
  const names = new Set(['pods']);
  const huge = (o: Readonly<Record<string, bigint>>): void => {
    for (const k of Object.keys(o)) if (own(o, k)! > INT64_MAX) names.add(k);
  };
  s.nodes.forEach((node) => huge(node.capacity));
  shapes.first.forEach((j) => huge(s.containers[j]!.requests));
  const nodeIndex = new Map(s.nodes.map((node, i) => [node.name, i]));
  for (const c of s.containers) {
    const i = c.pinned && c.current !== undefined ? nodeIndex.get(c.current) : undefined;
    if (i !== undefined) for (const k of Object.keys(c.requests)) if (!hasOwn(s.nodes[i]!.capacity, k)) names.add(k);
  }
  return (name) => names.has(name);
}

/** Each shape's demand and asked member (-1: none) per shared column (models/columns.ts). */
function shapeColumns(
  s: Snapshot,
  shapes: ContainerShapes,
  column: ReadonlyMap<string, number>,
  memberOf: ReadonlyMap<string, number>,
  count: number,
): { perShape: bigint[][]; shapeMember: Int32Array[] } {
  const pods = column.get('pods');
  const podsCapped = pods !== undefined && s.nodes.some((node) => hasOwn(node.capacity, 'pods'));
  const perShape = Array.from({ length: count }, () => new Array<bigint>(shapes.first.length).fill(0n));
  const shapeMember = Array.from({ length: count }, () => new Int32Array(shapes.first.length).fill(-1));
  shapes.first.forEach((j, t) => {
    const requests = s.containers[j]!.requests;
    if (podsCapped && !hasOwn(requests, 'pods')) perShape[pods!]![t] = 1000n;
    for (const k of Object.keys(requests)) {
      const c = column.get(k)!;
      perShape[c]![t] = own(requests, k)!;
      if (perShape[c]![t]! > 0n) shapeMember[c]![t] = memberOf.get(k)!;
    }
  });
  return { perShape, shapeMember };
}

/**
 * The tables of the columns (one per resource, or shared: models/columns.ts), from each node's and shape's own
 * entries. A node's `pods` capacity caps how many containers it runs: each container asks for one pod unless it says
 * otherwise; a node that gives no `pods` capacity is not capped (room for every container).
 */
function columnTables(
  s: Snapshot,
  shapes: ContainerShapes,
  names: readonly string[],
  column: ReadonlyMap<string, number>,
): ResourceTable[] {
  const n = s.nodes.length;
  const m = s.containers.length;
  const count = Math.max(...column.values()) + 1;
  const members: string[][] = Array.from({ length: count }, () => []);
  const memberOf = new Map<string, number>();
  for (const name of names) memberOf.set(name, members[column.get(name)!]!.push(name) - 1);
  const capacity = members.map(() => new Array<bigint>(n).fill(0n));
  const nodeMember = members.map(() => sharedInt32(n).fill(-1));
  s.nodes.forEach((node, i) => {
    for (const k of Object.keys(node.capacity)) {
      const c = column.get(k)!;
      capacity[c]![i] = own(node.capacity, k)!;
      nodeMember[c]![i] = memberOf.get(k)!;
    }
  });
  const pods = column.get('pods');
  if (pods !== undefined)
    s.nodes.forEach((node, i) => hasOwn(node.capacity, 'pods') || (capacity[pods]![i] = BigInt(m) * 1000n));
  const { perShape, shapeMember } = shapeColumns(s, shapes, column, memberOf, count);
  return members.map((list, c) => {
    const whole = capacity[c]!.some((v) => v > INT64_MAX) || perShape[c]!.some((v) => v > INT64_MAX);
    const units = (v: bigint): bigint => (whole ? v / 1000n : v);
    const table = sharedBigInt64(n);
    capacity[c]!.forEach((v, i) => (table[i] = units(v)));
    const demand = sharedBigInt64(m);
    const item = sharedInt32(m);
    for (let j = 0; j < m; j++) {
      demand[j] = units(perShape[c]![shapes.shapeOf[j]!]!);
      item[j] = shapeMember[c]![shapes.shapeOf[j]!]!;
    }
    const shared = list.length > 1;
    const name = shared
      ? `${list[0]} … ${list[list.length - 1]} (${list.length} resources no node gives together)`
      : list[0]!;
    return {
      name,
      scale: whole ? 0 : 3,
      capacity: table,
      demand,
      perNode: false,
      ...(shared ? { members: { names: list, node: nodeMember[c]!, item } } : {}),
    };
  });
}

/** A note for each column that resources share (models/columns.ts). */
function sharedNotes(resources: readonly ResourceTable[]): string[] {
  return resources.flatMap((r) =>
    r.members
      ? [
          `${r.members.names.length} resources that no node gives together (${r.members.names[0]}, …) share one ` +
            'column of the model; a container that asks for one may run only where a node gives it, ' +
            "as kube-scheduler's NodeResourcesFit allows",
        ]
      : [],
  );
}

/** A note for tolerations with Gt or Lt, which tolerate nothing while their feature gate is off (the default). */
function comparisons(s: Snapshot): string[] {
  const n = s.containers.filter((c) => c.tolerations?.some((t) => t.operator === 'Gt' || t.operator === 'Lt')).length;
  if (n === 0) return [];
  return [
    `${n} containers have tolerations with operator Gt or Lt: kube-scheduler's TaintTolerationComparisonOperators ` +
      'is alpha and off by default, and then such a toleration tolerates nothing; so it is here',
  ];
}

/**
 * Nodes that their pinned containers already fill beyond a resource's capacity (a node's allocatable shrank, or
 * the snapshot says so). kube-scheduler's NodeResourcesFit skips a resource a pod does not request: such a node
 * still takes containers that request none of it, and no other. The capacity is raised to the pinned load (the
 * rows then hold) and the others are blocked there ('full').
 */
function overfull(
  s: Snapshot,
  resources: readonly ResourceTable[],
): { byNode: Map<number, string[]>; notes: string[] } {
  const byNode = new Map<number, string[]>();
  const notes: string[] = [];
  if (!s.containers.some((c) => c.pinned)) return { byNode, notes };
  const nodeIndex = new Map(s.nodes.map((node, i) => [node.name, i]));
  for (const r of resources) {
    const load = new Map<number, bigint>();
    s.containers.forEach((c, j) => {
      const i = c.pinned && c.current !== undefined ? nodeIndex.get(c.current) : undefined;
      if (i !== undefined) load.set(i, (load.get(i) ?? 0n) + r.demand[j]!);
    });
    for (const [i, used] of load) {
      if (used <= r.capacity[i]!) continue;
      r.capacity[i] = used;
      const name = resourceNameAt(r, i);
      byNode.set(i, [...(byNode.get(i) ?? []), name]);
      notes.push(
        `node "${s.nodes[i]!.name}" already runs more ${name} than it has, in containers that stay: ` +
          `only containers that request no ${name} may join it, as in kube-scheduler`,
      );
    }
  }
  return { byNode, notes };
}

/**
 * The greedy's own score against the empty node, max over requested resources k of r_jk / R_ik (0 for a
 * container that requests nothing), from the same exact values converted once: by the nodes' capacity
 * vectors and the containers' request vectors, one entry per distinct pair.
 */
function defaultScores(s: Snapshot, resources: readonly ResourceTable[], shapes: ContainerShapes): CostTable {
  const cap = resources.map((r) => int64Doubles(r.capacity));
  const dem = resources.map((r) => int64Doubles(r.demand));
  const rows = keysOf(s.nodes.length, (i) => cap.map((c) => c[i]!).join(','));
  const cols = keysOfShapes(shapes, (j) => dem.map((d) => d[j]!).join(','));
  return fillKeyed(rows, cols, sharedFloat64, (i, j) => {
    let score = 0;
    resources.forEach((_, k) => {
      const c = cap[k]![i]!;
      const d = dem[k]![j]!;
      if (c > 0 && d > 0 && d / c > score) score = d / c;
    });
    return score;
  });
}

/** c_ij: the matrix (or `default`) with `pairs` over it, or the greedy's score without costs. */
function costTable(s: Snapshot, resources: readonly ResourceTable[], shapes: ContainerShapes): CostTable {
  const n = s.nodes.length;
  const m = s.containers.length;
  const costs = s.costs;
  if (costs === undefined) return defaultScores(s, resources, shapes);
  let table: CostTable;
  if (costs.matrix) {
    // The caller wrote every entry: the body's size limit bounds the matrix.
    const dense = new Float64Array(n * m);
    costs.matrix.forEach((row, i) => row.forEach((c, j) => (dense[i * m + j] = c)));
    table = keyedFromDense(dense, n, m);
  } else table = uniformTable(n, m, sharedFloat64, costs.default ?? 0);
  if (!costs.pairs || costs.pairs.length === 0) return table;
  const nodeIndex = new Map(s.nodes.map((node, i) => [node.name, i]));
  const containerIndex = new Map(s.containers.map((c, j) => [c.name, j]));
  const pairs = new Map<number, number>();
  for (const p of costs.pairs) pairs.set(nodeIndex.get(p.node)! * m + containerIndex.get(p.container)!, p.cost);
  return { ...table, pairs };
}

/** The objective weights, or undefined for the plain cost objective. */
function objectiveWeights(s: Snapshot, resources: readonly ResourceTable[]): ObjectiveWeights | undefined {
  const o = s.options?.objective ?? 'cost';
  if (o === 'cost') return undefined;
  const w =
    o === 'balance'
      ? { cost: 0, balance: 1, pack: 0, preferences: 1 }
      : o === 'pack'
        ? { cost: 0, balance: 0, pack: 1, preferences: 1 }
        : {
            cost: o.cost ?? 0,
            balance: o.balance ?? 0,
            pack: o.pack ?? 0,
            preferences: o.preferences ?? 1,
            ...(o.topology !== undefined ? { topology: o.topology } : {}),
          };
  return {
    ...w,
    price: s.nodes.map((n) => n.price ?? 1),
    balanceResources: resources.flatMap((r, k) => (r.name === 'pods' ? [] : [k])),
  };
}

function hasRules(s: Snapshot): boolean {
  return (
    s.options?.allowUnplaced === true ||
    s.containers.some((c) => c.priority !== undefined) ||
    s.nodes.some((n) => (n.taints?.length ?? 0) > 0 || n.unschedulable === true || n.ready === false) ||
    s.containers.some(
      (c) =>
        c.nodeSelector ||
        c.nodeAffinity ||
        c.affinity?.length ||
        c.antiAffinity?.length ||
        c.spread?.length ||
        c.preferredNodeAffinity?.length ||
        c.preferredAffinity?.length ||
        c.preferredAntiAffinity?.length ||
        c.controller !== undefined ||
        c.gang !== undefined ||
        c.topology !== undefined ||
        c.maxPerNode?.length ||
        c.current !== undefined,
    ) ||
    s.options?.topology?.keepFree !== undefined
  );
}

/** An upper bound of the range of the objective's parts but the topology part, over every plan. */
function restRange(s: Snapshot, cost: CostTable, objective: ObjectiveWeights | undefined, preferences: number): number {
  const w = objective ?? { cost: 1, balance: 0, pack: 0, preferences: 1 };
  let range = 0;
  const lo = new Float64Array(s.containers.length);
  const hi = new Float64Array(s.containers.length);
  forEachCost(cost, s.nodes.length, s.containers.length, (j, c) => {
    if (c < lo[j]!) lo[j] = c;
    if (c > hi[j]!) hi[j] = c;
  });
  for (let j = 0; j < s.containers.length; j++) range += hi[j]! - lo[j]!;
  return (
    w.cost * range +
    w.balance +
    w.pack * s.nodes.reduce((t, node) => t + (node.price ?? 1), 0) +
    w.preferences * preferences
  );
}

/**
 * The topology part's weight: options.objective's, else the least power of two above the range of the rest, so
 * that one domain fewer spanned comes before any change of the rest (docs/topology.md).
 */
const topologyWeight = (objective: ObjectiveWeights | undefined, rest: number): number =>
  objective?.topology ?? 2 ** Math.ceil(Math.log2(rest + 1));

/**
 * Penalties for leaving containers out, lexicographic by priority: each one is more than the whole range
 * of the weighted objective (`range`) plus every penalty of the lower priorities, so placing one more container of
 * a priority always wins over any change below it. Powers of two, so sums stay exact.
 */
function unplacedPenalties(s: Snapshot, range: number): number[] {
  const priorities = [...new Set(s.containers.map((c) => c.priority ?? 1))].sort((a, b) => a - b);
  const penaltyOf = new Map<number, number>();
  let below = range; // the objective range plus all penalties of lower priorities
  for (const p of priorities) {
    const penalty = 2 ** Math.ceil(Math.log2(below + 1));
    penaltyOf.set(p, penalty);
    below += penalty * s.containers.filter((c) => (c.priority ?? 1) === p).length;
  }
  return s.containers.map((c) => penaltyOf.get(c.priority ?? 1)!);
}

/**
 * The label keys any container's node selector or node affinity reads, and whether any reads node names
 * (matchFields): all a node's blocks depend on besides its flags and taints.
 */
function referencedNodeKeys(s: Snapshot): { keys: string[]; names: boolean } {
  const keys = new Set<string>();
  let names = false;
  for (const c of s.containers) {
    for (const k of Object.keys(c.nodeSelector ?? {})) keys.add(k);
    for (const t of c.nodeAffinity ?? []) {
      for (const e of t.matchExpressions ?? []) keys.add(e.key);
      if ((t.matchFields?.length ?? 0) > 0) names = true;
    }
  }
  return { keys: [...keys].sort(), names };
}

/**
 * The per-pair blocks, by keys (models/pairs.ts): cordoned or not-Ready nodes, nodeSelector and node
 * affinity, untolerated taints, required affinity that cannot hold (a term selecting nobody, a node
 * without the topology key), pinned containers. A node's key is what its blocks depend on (its flags,
 * taints, the label values selectors read); a container's key is its selector, affinity, tolerations and
 * affinity conditions. Each distinct pair of keys is evaluated once.
 */
function blockTable(
  ctx: CompileContext,
  current: Int32Array,
  conditions: ReadonlyMap<number, string[]>,
  resources: ResourceBlocks,
): BlockTable {
  const { s, n } = ctx;
  const room = roomBlocks(s, resources);
  const code = (r: BlockReason): number => BLOCK_REASONS.indexOf(r);
  const { keys, names } = referencedNodeKeys(s);
  const keyOf = (flag: string): string => flag.slice(flag.indexOf(':') + 1);
  const affinityKeys = topologyKeysOf(conditions, keyOf);
  const hasKey = (i: number, key: string): boolean =>
    key === HOSTNAME_KEY || own(s.nodes[i]!.labels, key) !== undefined;
  const rows = keysOf(n, (i) => {
    const node = s.nodes[i]!;
    return JSON.stringify([
      node.unschedulable ?? false,
      node.ready ?? true,
      keys.map((k) => own(node.labels, k) ?? null),
      node.taints ?? [],
      names ? node.name : null,
      affinityKeys.map((f) => hasKey(i, f)),
      room.nodeKey(i),
    ]);
  });
  // A container's column depends on its shape alone: its selectors, tolerations and affinity terms.
  const cols = keysOfShapes(ctx.shapes, (j) => {
    const c = s.containers[j]!;
    const flags = conditions.get(j) ?? [];
    if (c.pinned) return JSON.stringify(['pinned', flags]);
    return JSON.stringify([
      c.nodeSelector ?? null,
      c.nodeAffinity ?? null,
      c.tolerations ?? null,
      flags,
      room.itemKey(j),
    ]);
  });
  const reason = (i: number, j: number): BlockReason => {
    const c = s.containers[j]!;
    const node = s.nodes[i]!;
    if (!c.pinned) {
      // kube-scheduler's NodeUnschedulable filter, and the not-ready taint a node that is not Ready carries.
      if (node.unschedulable && !tolerated(c.tolerations, 'node.kubernetes.io/unschedulable')) return 'unschedulable';
      if (node.ready === false && !tolerated(c.tolerations, 'node.kubernetes.io/not-ready')) return 'not-ready';
      if (!ctx.nodeMatches(j, i)) return 'selector';
      if (untoleratedTaints(node.taints ?? [], c.tolerations ?? []).length > 0) return 'taint';
      const r = room.reason(i, j);
      if (r) return r;
    }
    const flags = conditions.get(j) ?? [];
    if (flags.some((f) => f.startsWith('spread:') && !hasKey(i, keyOf(f)))) return 'topology-key';
    return flags.some((f) => f === 'none' || (f.startsWith('key:') && !hasKey(i, keyOf(f)))) ? 'affinity' : '';
  };
  const table = fillKeyed(rows, cols, sharedUint8, (i, j) => code(reason(i, j)));
  const pinned = s.containers.some((c) => c.pinned);
  const pinnedTo = pinned ? Int32Array.from(s.containers, (c, j) => (c.pinned ? current[j]! : -1)) : undefined;
  return { ...table, ...(pinnedTo ? { pinnedTo } : {}), pinnedCode: code('pinned'), open: openPairs(table, pinnedTo) };
}

/**
 * What the resources add to the blocks: nodes their pinned containers overfill (the names each), and the shared
 * columns (an item asking for a member is blocked where the node gives another or none: 'lacks').
 */
interface ResourceBlocks {
  readonly full: ReadonlyMap<number, readonly string[]>;
  readonly shared: readonly ResourceTable[];
}

/** The topology keys the rules' conditions read, sorted. */
function topologyKeysOf(conditions: ReadonlyMap<number, string[]>, keyOf: (flag: string) => string): string[] {
  const flags = [...conditions.values()].flat().filter((f) => f !== 'none');
  return [...new Set(flags.map(keyOf))].sort();
}

/** The resources' blocks ('full', 'lacks'), and what of a node and an item they depend on. */
function roomBlocks(
  s: Snapshot,
  { full, shared }: ResourceBlocks,
): { nodeKey(i: number): unknown; itemKey(j: number): unknown; reason(i: number, j: number): BlockReason } {
  const fullNames = [...new Set([...full.values()].flat())].sort();
  const asks = (j: number, name: string): boolean => (own(s.containers[j]!.requests, name) ?? 0n) > 0n;
  return {
    nodeKey: (i) => [full.get(i) ?? [], shared.map((r) => r.members!.node[i])],
    itemKey: (j) => [fullNames.filter((name) => asks(j, name)), shared.map((r) => r.members!.item[j])],
    reason: (i, j) => {
      if ((full.get(i) ?? []).some((name) => asks(j, name))) return 'full';
      const lacks = shared.some((r) => r.members!.item[j]! >= 0 && r.members!.item[j] !== r.members!.node[i]);
      return lacks ? 'lacks' : '';
    },
  };
}

/** Whether the tolerations tolerate a NoSchedule taint with this key (as kube-scheduler's filters read it). */
function tolerated(tolerations: readonly Toleration[] | undefined, key: string): boolean {
  return untoleratedTaints([{ key, effect: 'NoSchedule' }], tolerations ?? []).length === 0;
}

/** The cost of moving each container away from its current node (0 for one that runs nowhere or is pinned). */
function moveCosts(s: Snapshot, current: Int32Array): CostTable['moves'] | undefined {
  const defaultMove = s.options?.moveCost ?? 1;
  let any = false;
  const cost = sharedFloat64(s.containers.length);
  // A pinned container never moves: no node is its `from`, so it does not tell nodes apart (solver/scale groups).
  const from = sharedInt32(s.containers.length).fill(-1);
  s.containers.forEach((c, j) => {
    if (current[j]! < 0 || c.pinned) return;
    cost[j] = c.moveCost ?? defaultMove;
    from[j] = current[j]!;
    any = true;
  });
  return any ? { from, cost } : undefined;
}

/** Whether container j's node selector and required node affinity admit node i. */
const nodeMatcher =
  (s: Snapshot) =>
  (j: number, i: number): boolean => {
    const c = s.containers[j]!;
    const node = s.nodes[i]!;
    for (const [k, v] of Object.entries(c.nodeSelector ?? {})) if (own(node.labels, k) !== v) return false;
    return c.nodeAffinity === undefined || nodeAffinityMatches(c.nodeAffinity, node.labels ?? {}, node.name);
  };

/**
 * Compiles the placement rules: the per-pair blocks, the group rules over topology domains, the move
 * costs (into the cost table) and the unplaced penalty.
 */
function compileRules(
  s: Snapshot,
  shapes: ContainerShapes,
  base: CostTable,
  objective: ObjectiveWeights | undefined,
  resources: ResourceBlocks,
  tree: TopologyTree | undefined,
): { rules: AssignmentModel['rules'] & object; cost: CostTable } {
  const n = s.nodes.length;
  const m = s.containers.length;
  const nodeIndex = new Map(s.nodes.map((node, i) => [node.name, i]));
  const current = sharedInt32(m);
  s.containers.forEach((c, j) => (current[j] = c.current === undefined ? -1 : nodeIndex.get(c.current)!));
  const nodeMatches = nodeMatcher(s);
  // Blocks a rule asks of the block table, per container ('none', or 'key:' and a topology key).
  const conditions = new Map<number, string[]>();
  const block = (j: number, condition: string): void => {
    const list = conditions.get(j);
    if (!list) conditions.set(j, [condition]);
    else if (!list.includes(condition)) list.push(condition);
  };
  const groups = labelGroups(s, shapes);
  const ctx: CompileContext = {
    s,
    shapes,
    n,
    m,
    groups,
    topologies: new Map(),
    nodeMatches,
    block,
    ...(tree && { tree }),
  };
  const rules = compileGroupRules(ctx);
  for (const list of conditions.values()) list.sort();
  const blocked = blockTable(ctx, current, conditions, resources);
  const moves = moveCosts(s, current);
  const cost: CostTable = moves ? { ...base, moves } : base;
  const prefs = nodePreferences(s, shapes);
  const { unplacedPenalty, spread } = objectiveScales(s, cost, objective, preferenceRange(m, prefs, rules));
  const taints = s.nodes.some((node) => (node.taints?.length ?? 0) > 0)
    ? {
        nodes: s.nodes.map((node) => node.taints ?? []),
        ...tolerationSets(s.containers.map((c) => c.tolerations ?? [])),
      }
    : undefined;
  return {
    rules: {
      blocked,
      groups: rules,
      current,
      ...(taints ? { taints } : {}),
      ...(unplacedPenalty ? { unplacedPenalty } : {}),
      ...(prefs.length > 0 ? { nodePreferences: prefs } : {}),
      ...(spread !== undefined ? { topologyWeight: spread } : {}),
    },
    cost,
  };
}

/** The topology part's weight (where some group counts in it) and the unplaced penalties (with allowUnplaced). */
function objectiveScales(
  s: Snapshot,
  cost: CostTable,
  objective: ObjectiveWeights | undefined,
  ranges: { readonly preferences: number; readonly topology: number },
): { unplacedPenalty?: number[]; spread?: number } {
  const unplaced = s.options?.allowUnplaced === true;
  const rest = unplaced || ranges.topology > 0 ? restRange(s, cost, objective, ranges.preferences) : 0;
  const spread = ranges.topology > 0 ? topologyWeight(objective, rest) : undefined;
  return {
    ...(unplaced ? { unplacedPenalty: unplacedPenalties(s, rest + (spread ?? 0) * ranges.topology) } : {}),
    ...(spread !== undefined ? { spread } : {}),
  };
}

/** Tolerations by distinct set, and the set of each container. */
export function tolerationSets(lists: readonly (readonly Toleration[])[]): { sets: Toleration[][]; setOf: Int32Array } {
  const { key, first } = keysOf(lists.length, (j) => JSON.stringify(lists[j]));
  return { sets: first.map((j) => [...lists[j]!]), setOf: key };
}
