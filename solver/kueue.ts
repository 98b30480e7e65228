import { blockOf, demandUnits, domainIndex, type AssignmentModel, type TopologyTree } from '../models/model.js';
import { topologyGroupsOf, type TopologyRule } from '../models/rules/topologyGroup.js';
import { greedyPlan } from './greedy.js';
import { HOSTNAME_KEY } from '../models/snapshot.js';

/**
 * Kueue's topology-aware scheduling (TAS) as a baseline, ported from kueue's pkg/cache/scheduler/
 * tas_flavor_snapshot.go (main after v0.19, commit ff69552e; its default profile, TASProfileMixed): each group is
 * one PodSet, admitted in order, against what is left once the running containers and the groups before it are
 * counted. Required and preferred levels use BestFit, slice-only groups LeastFreeCapacity:
 * 1. fillInCounts: how many members (and slices) fit in each leaf domain, summed up the levels;
 * 2. findLevelWithFitDomains: at the requested level, the domain that fits with the fewest slices to spare;
 *    a preferred level climbs while none fits, and at the top spreads over several domains;
 * 3. the descent: each level's slices given to the children, largest first, the last one the smallest that fits.
 * Where the lowest level is not kubernetes.io/hostname, Kueue sums a leaf's nodes and leaves the nodes to
 * kube-scheduler: here a leaf's members go to its nodes in order, first fit. The other containers are then placed
 * by the seed greedy, with the groups' members kept where Kueue put them.
 */
export interface KueueBaseline {
  /** The plan (members Kueue could not admit stay unplaced). */
  readonly plan: Int32Array;
  /** Each group, and Kueue's reason where it was not admitted. */
  readonly groups: readonly { readonly name: string; readonly admitted: boolean; readonly reason?: string }[];
}

interface Domain {
  readonly level: number;
  readonly values: readonly string[];
  readonly parent: Domain | undefined;
  readonly children: Domain[];
  /** The nodes of a leaf. */
  readonly nodes: readonly number[];
  podCount: number;
  sliceCount: number;
}

interface Request {
  readonly count: number;
  readonly sliceSize: number;
  readonly sliceLevel: number;
  readonly level: number;
  readonly required: boolean;
  readonly unconstrained: boolean;
}

/**
 * The Kueue-style plan, or undefined when the model has no topology groups. `spare`: nodes no group member may go
 * on (as if they had no room; solver/defragment.ts keeps domains free this way).
 */
export function kueuePlan(model: AssignmentModel, spare?: Uint8Array): KueueBaseline | undefined {
  const tree = model.topology;
  const rules = topologyGroupsOf(model);
  if (!tree || rules.length === 0) return undefined;
  const current = model.rules!.current;
  const remaining = model.resources.map((r) => r.capacity.slice());
  const m = model.items.length;
  const use = (j: number, i: number, sign = 1n): void =>
    model.resources.forEach((r, k) => (remaining[k]![i]! -= sign * demandUnits(r, i, j, m)));
  for (let j = 0; j < m; j++) if (current[j]! >= 0) use(j, current[j]!);
  if (spare) for (const left of remaining) for (let i = 0; i < left.length; i++) if (spare[i]) left[i] = 0n;
  const placedAt = new Int32Array(m).fill(-1);
  const refused = new Set<number>();
  // One tree for every group: fillInCounts sets every domain's counts anew for each.
  const roots = buildTree(tree);
  const enclosing = new Enclosing(model, rules);
  const groups = rules.map((rule) => {
    const members = enclosing.own(rule);
    const scope = enclosing.around(members);
    // A group not admitted stays out whole (its running members too: a gang is all or none), and so do the groups
    // around it, whose members placed so far give their room back.
    const refuse = (reason: string) => {
      for (const j of [rule, ...scope].flatMap((r) => r.items)) {
        if (placedAt[j]! >= 0) use(j, placedAt[j]!, -1n);
        placedAt[j] = -1;
        refused.add(j);
      }
      return { name: rule.name, admitted: false, reason };
    };
    if (rule.items.some((j) => refused.has(j))) return { name: rule.name, admitted: false, reason: LEFT_WITH_OTHERS };
    if (members.length === 0) return { name: rule.name, admitted: true };
    const pending = members.filter((j) => current[j]! < 0);
    // Kueue admits a pod set whole: one that runs in part is not admitted again.
    if (pending.length < members.length) return refuse('some of its pods run already: Kueue admits a pod set whole');
    const within = { mask: enclosing.mask(scope), level: enclosing.level(rule, scope) };
    const result = admit(model, tree, roots, rule, pending, remaining, within);
    if (typeof result === 'string') return refuse(result);
    if (result.some((i) => i < 0))
      return refuse("its pods did not fit on the nodes of the domains Kueue's counts chose (they would stay pending)");
    if (!enclosing.holds(scope, result)) return refuse('its pods did not fit within one domain of the group around it');
    pending.forEach((j, k) => {
      placedAt[j] = result[k]!;
      use(j, result[k]!);
    });
    enclosing.placed(scope, result);
    return { name: rule.name, admitted: true };
  });
  // Admitted, then refused with a group around it or inside it: a gang is all or none.
  const outcome = groups.map((g, k) =>
    g.admitted && rules[k]!.items.some((j) => refused.has(j)) ? { ...g, admitted: false, reason: LEFT_WITH_OTHERS } : g,
  );
  return { plan: completed(model, placedAt, refused), groups: outcome };
}

const LEFT_WITH_OTHERS = 'a group it encloses, or one around it, was not admitted';

/**
 * Groups that enclose others (KAI's parent sub-groups and PodGroups, Volcano's PodGroups: topology.within). Kueue
 * has no such groups; here each is admitted through its own pending members (those in no group inside it) and the
 * groups inside it, as pod sets of their own: each within the deepest required level around it, on the domain of
 * each enclosing group's required level where its running members are, or where the first one admitted landed.
 */
class Enclosing {
  private readonly outer: TopologyRule[];
  /** The domain of its required level each enclosing group's members are in, by rule. */
  private readonly chosen = new Map<TopologyRule, number>();
  private readonly n: number;
  private readonly current: Int32Array;

  constructor(
    model: AssignmentModel,
    private readonly rules: readonly TopologyRule[],
  ) {
    this.n = model.nodes.length;
    this.outer = rules.filter((r) => r.encloses);
    this.current = model.rules!.current;
    // Running members stay where they are (Kueue counts them as used): their domain is the group's.
    for (const r of this.outer) {
      const at = r.items.find((j) => this.current[j]! >= 0);
      if (at !== undefined) this.placed([r], [this.current[at]!]);
    }
  }

  /** The rule's members to admit: all of them; enclosing others, its pending ones in no group inside it. */
  own(rule: TopologyRule): number[] {
    if (!rule.encloses) return [...rule.items];
    const all = new Set(rule.items);
    const inner = new Set(
      this.rules.filter((r) => r !== rule && r.items.every((j) => all.has(j))).flatMap((r) => r.items),
    );
    return rule.items.filter((j) => !inner.has(j) && this.current[j]! < 0);
  }

  /** The enclosing groups that hold these members. */
  around(members: readonly number[]): TopologyRule[] {
    return this.outer.filter((r) => members.some((j) => r.items.includes(j)));
  }

  /** 1 on the nodes outside the domains the enclosing groups chose (undefined: none chosen yet). */
  mask(scope: readonly TopologyRule[]): Uint8Array | undefined {
    let out: Uint8Array | undefined;
    for (const r of scope) {
      const d = this.chosen.get(r);
      if (d === undefined) continue;
      const domainOf = domainIndex(r.levels[r.required!]!, this.n);
      out ??= new Uint8Array(this.n);
      for (let i = 0; i < this.n; i++) if (domainOf[i] !== d) out[i] = 1;
    }
    return out;
  }

  /** The level to admit at: the deepest required one around the rule, where its slices allow. */
  level(rule: TopologyRule, scope: readonly TopologyRule[]): number | undefined {
    let level = rule.required;
    for (const r of scope)
      if (r.required !== undefined && (level === undefined || r.required > level)) level = r.required;
    return rule.slice && level !== undefined && level > rule.slice.level ? rule.required : level;
  }

  /** Whether nodes lie within one domain of each enclosing group's required level (its chosen one, if any). */
  holds(scope: readonly TopologyRule[], nodes: readonly number[]): boolean {
    return scope.every((r) => {
      if (r.required === undefined || nodes.length === 0) return true;
      const domainOf = domainIndex(r.levels[r.required]!, this.n);
      const d = this.chosen.get(r) ?? domainOf[nodes[0]!]!;
      return nodes.every((i) => domainOf[i] === d);
    });
  }

  /** Members placed on these nodes: each enclosing group with a required level keeps their domain. */
  placed(scope: readonly TopologyRule[], nodes: readonly number[]): void {
    for (const r of scope)
      if (r.required !== undefined && !this.chosen.has(r) && nodes.length > 0)
        this.chosen.set(r, domainIndex(r.levels[r.required]!, this.n)[nodes[0]!]!);
  }
}

/** The seed greedy over the rest, with Kueue's members kept first on their nodes; refused members left out. */
function completed(model: AssignmentModel, placedAt: Int32Array, refused: ReadonlySet<number>): Int32Array {
  const rules = model.rules!;
  const current = Int32Array.from(rules.current, (c, j) => (placedAt[j]! >= 0 ? placedAt[j]! : c));
  const plan = greedyPlan({ ...model, rules: { ...rules, current } });
  for (const j of refused) plan[j] = -1;
  return plan;
}

/** The node of each pending member (−1: none found), or Kueue's reason for not admitting the group. */
function admit(
  model: AssignmentModel,
  tree: TopologyTree,
  roots: readonly Domain[],
  rule: TopologyRule,
  pending: readonly number[],
  remaining: BigInt64Array[],
  within: { readonly mask: Uint8Array | undefined; readonly level: number | undefined } = {
    mask: undefined,
    level: rule.required,
  },
): number[] | string {
  const request = requestOf(tree, rule, pending.length, within.level);
  const hostLeaves = tree.labels.at(-1) === HOSTNAME_KEY;
  fillInCounts(model, roots, pending, request, remaining, hostLeaves, within.mask);
  const found = findLevel(roots, tree, request, request.level, hostLeaves);
  if (typeof found === 'string') return found;
  const leaves = descend(found, request, tree.labels.length, hostLeaves);
  return membersToNodes(model, leaves, pending, remaining);
}

/** The pod set's request; `required`: its required level (the rule's, or a deeper one of a group around it). */
function requestOf(tree: TopologyTree, rule: TopologyRule, count: number, required = rule.required): Request {
  const last = tree.labels.length - 1;
  const sliceOnly = required === undefined && rule.preferred === undefined;
  return {
    count,
    sliceSize: rule.slice?.size ?? 1,
    sliceLevel: rule.slice?.level ?? last,
    level: required ?? rule.preferred ?? 0,
    required: required !== undefined,
    unconstrained: sliceOnly,
  };
}

/** The domains of every level as a tree (only nodes with every level's label are in it, as in Kueue). */
function buildTree(tree: TopologyTree): Domain[] {
  const last = tree.labels.length - 1;
  const byName = tree.labels.map(() => new Map<string, Domain>());
  const roots: Domain[] = [];
  tree.domains[last]!.forEach((nodes, d) => {
    const values = tree.values[last]![d]!;
    let parent: Domain | undefined;
    for (let l = 0; l <= last; l++) {
      const key = JSON.stringify(values.slice(0, l + 1));
      let domain = byName[l]!.get(key);
      if (!domain) {
        domain = {
          level: l,
          values: values.slice(0, l + 1),
          parent,
          children: [],
          nodes: l === last ? nodes : [],
          podCount: 0,
          sliceCount: 0,
        };
        byName[l]!.set(key, domain);
        (parent ? parent.children : roots).push(domain);
      }
      parent = domain;
    }
  });
  return roots;
}

/** Kueue's fillInCounts: members that fit per leaf (its nodes' free capacity summed), slices at the slice level. */
function fillInCounts(
  model: AssignmentModel,
  roots: readonly Domain[],
  members: readonly number[],
  request: Request,
  remaining: readonly BigInt64Array[],
  hostLeaves: boolean,
  outside?: Uint8Array,
): void {
  const m = model.items.length;
  // Kueue's pod sets are alike; members that differ are counted at their largest request per resource.
  const largest = model.resources.map((r) =>
    members.reduce((x, p) => (demandUnits(r, 0, p, m) > x ? demandUnits(r, 0, p, m) : x), 0n),
  );
  const fits = (leaf: Domain): number => {
    let count = Infinity;
    model.resources.forEach((_, k) => {
      // Kueue sums the leaf's capacity, then takes the usage off.
      let free = 0n;
      for (const i of leaf.nodes) free += remaining[k]![i]!;
      const d = largest[k]!;
      if (d > 0n) count = Math.min(count, free > 0n ? Number(free / d) : 0);
    });
    // Kueue's CountIn: MaxInt32 when nothing is requested.
    return Math.min(count, 2147483647);
  };
  const visit = (d: Domain): void => {
    if (d.children.length === 0) {
      // Node filters (taints, selectors, affinity, cordons) apply only where leaves are single hosts.
      // Leaves outside the domain of a group around the members (`outside`, solver/kueue.ts Enclosing) hold none.
      const blocked =
        (hostLeaves && d.nodes.some((i) => blockOf(model, i, members[0]!) !== 0)) || d.nodes.some((i) => outside?.[i]);
      d.podCount = blocked ? 0 : fits(d);
      d.sliceCount = d.level === request.sliceLevel ? Math.floor(d.podCount / request.sliceSize) : 0;
      return;
    }
    d.children.forEach(visit);
    d.podCount = d.children.reduce((t, c) => t + c.podCount, 0);
    d.sliceCount = d.children.reduce((t, c) => t + c.sliceCount, 0);
    if (d.level === request.sliceLevel) d.sliceCount = Math.floor(d.podCount / request.sliceSize);
  };
  roots.forEach(visit);
}

/** compareDomainLevelValues: by the last value among siblings under host leaves, else by the values in order. */
function compareValues(a: Domain, b: Domain, hostLeaves: boolean): number {
  if (hostLeaves && a.parent === b.parent) return strcmp(a.values.at(-1)!, b.values.at(-1)!);
  for (let k = 0; k < Math.min(a.values.length, b.values.length); k++) {
    const c = strcmp(a.values[k]!, b.values[k]!);
    if (c !== 0) return c;
  }
  return a.values.length - b.values.length;
}

const strcmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** sortedDomains: slices descending (BestFit) or ascending (LeastFreeCapacity), then members ascending, then values. */
function sorted(ds: readonly Domain[], unconstrained: boolean, hostLeaves: boolean): Domain[] {
  const dir = unconstrained ? 1 : -1;
  return [...ds].sort(
    (a, b) => dir * (a.sliceCount - b.sliceCount) || a.podCount - b.podCount || compareValues(a, b, hostLeaves),
  );
}

/** findBestFit: the first domain with the fewest `count` that still holds `needed`, else the first domain. */
function bestFit(ds: readonly Domain[], needed: number, count: (d: Domain) => number): Domain {
  let best: Domain | undefined;
  for (const d of ds) if (count(d) >= needed && (!best || count(d) < count(best))) best = d;
  return best ?? ds[0]!;
}

const atLevel = (roots: readonly Domain[], level: number): Domain[] => {
  let ds = [...roots];
  for (let l = 0; l < level; l++) ds = ds.flatMap((d) => d.children);
  return ds;
};

/** findLevelWithFitDomains: the domains the group goes into, or Kueue's message when it does not fit. */
function findLevel(
  roots: readonly Domain[],
  tree: TopologyTree,
  request: Request,
  level: number,
  hostLeaves: boolean,
): Domain[] | string {
  const ds = atLevel(roots, level);
  if (ds.length === 0) return `no topology domains at level: ${tree.labels[level]}`;
  const need = Math.floor(request.count / request.sliceSize);
  let order = sorted(ds, request.unconstrained, hostLeaves);
  if (request.unconstrained) {
    const fit = order.find((d) => d.sliceCount >= need);
    if (fit) return [fit];
  } else if (order[0]!.sliceCount >= need) return [bestFit(order, need, (d) => d.sliceCount)];
  if (request.required) return notFit(order[0]!.sliceCount, need, request.sliceSize);
  if (level > 0 && !request.unconstrained) return findLevel(roots, tree, request, level - 1, hostLeaves);
  order = sorted(order, request.unconstrained, hostLeaves);
  const out: Domain[] = [];
  let left = need;
  for (let k = 0; k < order.length && left > 0; k++) {
    let d = order[k]!;
    if (!request.unconstrained && d.sliceCount >= left) d = bestFit(order.slice(k), left, (x) => x.sliceCount);
    out.push(d);
    left -= d.sliceCount;
  }
  return left > 0 ? notFit(need - left, need, request.sliceSize) : out;
}

/** Kueue's notFitMessage (the topology's name is the one of the input, "default" for a plain snapshot). */
function notFit(fit: number, need: number, sliceSize: number): string {
  const unit = sliceSize === 1 ? 'pod' : 'slice';
  return fit <= 0
    ? `topology "default" doesn't allow to fit any of ${need} ${unit}(s)`
    : `topology "default" allows to fit only ${fit} out of ${need} ${unit}(s)`;
}

/** updateCountsToMinimum: the domains, in order, that take `count` (in slices, or members), each's share set. */
function takeCounts(ds: readonly Domain[], count: number, sliceSize: number, slices: boolean, fit: boolean): Domain[] {
  let left = slices ? Math.floor(count / sliceSize) : count;
  const cap = (d: Domain): number => (slices ? d.sliceCount : d.podCount);
  const out: Domain[] = [];
  for (let k = 0; k < ds.length; k++) {
    let d = ds[k]!;
    if (fit && cap(d) >= left) d = bestFit(ds.slice(k), left, cap);
    if (cap(d) >= left) {
      d.podCount = slices ? left * sliceSize : left;
      if (slices) d.sliceCount = left;
      out.push(d);
      return out;
    }
    if (slices) d.podCount = d.sliceCount * sliceSize;
    left -= cap(d);
    out.push(d);
  }
  return out;
}

/** From the chosen domains down to the leaves: whole slices above the slice level, then members per parent. */
function descend(found: Domain[], request: Request, levels: number, hostLeaves: boolean): Domain[] {
  const fit = !request.unconstrained;
  const order = (ds: readonly Domain[]): Domain[] => sorted(ds, request.unconstrained, hostLeaves);
  let chosen = takeCounts(found, request.count, request.sliceSize, true, fit);
  let level = found[0]!.level;
  for (; level < Math.min(levels - 1, request.sliceLevel); level++)
    chosen = takeCounts(order(chosen.flatMap((d) => d.children)), request.count, request.sliceSize, true, fit);
  for (; level < levels - 1; level++)
    chosen = chosen.flatMap((p) => takeCounts(order(p.children), p.podCount, 1, false, fit));
  return chosen.filter((d) => d.podCount > 0).sort((a, b) => compareValues(a, b, hostLeaves));
}

/** The leaves' members onto their nodes, in member order: a host leaf is its node; other leaves, first fit. */
function membersToNodes(
  model: AssignmentModel,
  leaves: readonly Domain[],
  pending: readonly number[],
  remaining: readonly BigInt64Array[],
): number[] {
  const m = model.items.length;
  const free = remaining.map((r) => r.slice());
  const fits = (j: number, i: number): boolean =>
    model.resources.every((r, k) => demandUnits(r, i, j, m) <= free[k]![i]!);
  const out: number[] = [];
  let next = 0;
  for (const leaf of leaves)
    for (let c = 0; c < leaf.podCount && next < pending.length; c++) {
      const j = pending[next++]!;
      const i = leaf.nodes.find((i) => blockOf(model, i, j) === 0 && fits(j, i)) ?? -1;
      if (i >= 0) model.resources.forEach((r, k) => (free[k]![i]! -= demandUnits(r, i, j, m)));
      out.push(i);
    }
  while (out.length < pending.length) out.push(-1);
  return out;
}
