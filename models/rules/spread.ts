import { domainIndex, isPinned, type AssignmentModel, type Domains, type GroupRule } from '../model.js';
import { untoleratedTaints } from '../selectors.js';
import { own } from '../own.js';
import { HOSTNAME_KEY, type SpreadConstraint } from '../snapshot.js';
import { fixedPerDomain, fixedPerNode } from './atMost.js';
import { nsOf, selected, topology, type CompileContext, type Topology as NodeTopology } from './context.js';
import { DomainCounts, perDomain } from './counts.js';
import {
  withCoef,
  type AggregateRows,
  type AggregateView,
  type ProgramRows,
  type NodeLimit,
  type RuleKind,
  type ScaleRuleBase,
  type Topology,
} from './kind.js';

/**
 * spread (topology spread, whenUnsatisfiable: DoNotSchedule), as kube-scheduler's PodTopologySpread filter means
 * it. `items` are the containers the constraint counts (its selector, with matchLabelKeys, in the owners'
 * namespace, not terminating), `domains` the topology values of the eligible nodes (every hard constraint's key,
 * and the inclusion policies), `owners` the pending containers that carry it. kube-scheduler admits an owner to
 * domain d when count_d + self − min ≤ maxSkew, min the smallest count over the domains (0 while there are fewer
 * than minDomains). The final counts n that placing the owners one at a time can reach are exactly those where
 * every domain that receives an owner has n_d − L ≤ maxSkew, L = min_e n_e (0 below minDomains): the last owner
 * placed in d saw min ≤ L, so it is necessary; placing the emptiest domain first shows it is enough. Counted
 * containers that do not carry the constraint are taken as placed before the owners. Owners may only go on nodes
 * with the key (a block), as kube-scheduler rejects the others.
 */
export type SpreadRule = Extract<GroupRule, { kind: 'spread' }>;

export interface SpreadScale extends ScaleRuleBase {
  readonly kind: 'spread';
  readonly maxSkew: number;
  readonly topology: Topology;
  readonly minDomains: number;
  /** The classes of the owners, of the counted containers (those the selector matches), and the counted ones
   * running on each node that stay. */
  readonly owners: readonly number[];
  readonly items: readonly number[];
  readonly fixed: ReadonlyMap<number, number>;
  /** The running containers stay in every plan (none may be left out). */
  readonly stay: boolean;
  /**
   * Over single nodes (hostname): the most of `items` a node takes while packing, the least running count that
   * stays plus maxSkew. Stricter than the rule (the least count can only grow), so every packed plan keeps it; the
   * aggregate holds no row for it (dropping the rule there relaxes the program: its bounds stay valid).
   */
  readonly nodeCap?: number;
}

type Constraint = SpreadConstraint;

/** The constraint's selector with the owner's values of its matchLabelKeys added (absent keys are skipped). */
export function mergedSelector(t: Constraint, labels: Readonly<Record<string, string>>): Constraint['selector'] {
  if (!t.selector) return undefined;
  const extra = Object.fromEntries((t.matchLabelKeys ?? []).flatMap((k) => (k in labels ? [[k, labels[k]!]] : [])));
  if (Object.keys(extra).length === 0) return t.selector;
  return { ...t.selector, matchLabels: { ...(t.selector.matchLabels ?? {}), ...extra } };
}

/**
 * The nodes whose pods a constraint of container j counts: those with the topology key of every hard constraint of
 * j, that match j's node selector and affinity (nodeAffinityPolicy Honor, the default) and whose NoSchedule and
 * NoExecute taints j tolerates (nodeTaintsPolicy Honor; Ignore is the default).
 */
export function eligible(
  ctx: CompileContext,
  j: number,
  t: Constraint,
  hardKeys: readonly string[],
): (i: number) => boolean {
  const c = ctx.s.containers[j]!;
  return (i) => {
    const node = ctx.s.nodes[i]!;
    if (!hardKeys.every((k) => k === 'kubernetes.io/hostname' || Object.hasOwn(node.labels ?? {}, k))) return false;
    if ((t.nodeAffinityPolicy ?? 'Honor') === 'Honor' && !ctx.nodeMatches(j, i)) return false;
    if (t.nodeTaintsPolicy === 'Honor' && untoleratedTaints(node.taints ?? [], c.tolerations ?? []).length > 0)
      return false;
    return true;
  };
}

/** The containers a constraint counts: selected in the owner's namespace, not terminating. */
export function counted(ctx: CompileContext, j: number, t: Constraint): number[] {
  const selector = mergedSelector(t, ctx.s.containers[j]!.labels ?? {});
  if (!selector) return [];
  return selected(ctx, { selector, topologyKey: t.topologyKey, namespaces: [nsOf(ctx.s, j)] }, j).filter(
    (k) => !ctx.s.containers[k]!.terminating,
  );
}

interface Group {
  /** The first container with the constraint: its namespace, labels, selector and affinity stand for all. */
  readonly owner: number;
  readonly t: Constraint;
  /** The topology keys of all the hard constraints of the owners. */
  readonly keys: readonly string[];
  /** The owners that are pending (running ones that stay are not checked again). */
  readonly owners: number[];
}

/** One rule per distinct hard constraint; every container with one is kept off the nodes without its key. */
function compileSpread(ctx: CompileContext): GroupRule[] {
  const { s } = ctx;
  const groups = new Map<string, Group>();
  // A shape's containers carry the same constraints: the groups of each shape, found once per shape.
  const ofShape = ctx.shapes.first.map((j) => {
    const c = s.containers[j]!;
    const hard = (c.spread ?? []).filter((t) => (t.whenUnsatisfiable ?? 'DoNotSchedule') === 'DoNotSchedule');
    const keys = [...new Set(hard.map((t) => t.topologyKey))].sort();
    return hard.map((t) => {
      const taints = t.nodeTaintsPolicy === 'Honor' ? (c.tolerations ?? null) : null;
      const where = [nsOf(s, j), c.nodeSelector ?? {}, c.nodeAffinity ?? [], taints, keys];
      const key = JSON.stringify([mergedSelector(t, c.labels ?? {}), t, ...where]);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { owner: j, t, keys, owners: [] }));
      return g;
    });
  });
  for (let j = 0; j < s.containers.length; j++)
    for (const g of ofShape[ctx.shapes.shapeOf[j]!]!) {
      ctx.block(j, `spread:${g.t.topologyKey}`);
      if (!s.containers[j]!.pinned) g.owners.push(j);
    }
  return [...groups.values()].flatMap((g) => spreadRule(ctx, g));
}

function spreadRule(ctx: CompileContext, g: Group): GroupRule[] {
  const { s } = ctx;
  const policy = [g.t.topologyKey, g.keys, g.t.nodeAffinityPolicy, g.t.nodeTaintsPolicy];
  const c = s.containers[g.owner]!;
  const key = JSON.stringify(['spread', ...policy, c.nodeSelector ?? {}, c.nodeAffinity ?? [], c.tolerations ?? []]);
  let eligibleTopology = ctx.topologies.get(key);
  if (!eligibleTopology)
    ctx.topologies.set(key, (eligibleTopology = topology(s, g.t.topologyKey, eligible(ctx, g.owner, g.t, g.keys))));
  const { domains } = eligibleTopology;
  const items = counted(ctx, g.owner, g.t);
  const minDomains = g.t.minDomains ?? 1;
  if (g.owners.length === 0 || items.length === 0 || domains.length === 0) return [];
  const outside = outsideOf(ctx, g.t.topologyKey, eligibleTopology);
  // One domain at or above minDomains: its count is the minimum, nothing to hold.
  if (domains.length === 1 && minDomains <= 1) return [];
  const selector = JSON.stringify(mergedSelector(g.t, c.labels ?? {}));
  const name = `spread ${g.t.topologyKey} maxSkew ${g.t.maxSkew} ${selector}`;
  const rule = { kind: 'spread', name, items, owners: g.owners, domains, maxSkew: g.t.maxSkew, minDomains } as const;
  return [outside ? { ...rule, outside } : rule];
}

const outsides = new WeakMap<NodeTopology, Domains | undefined>();

/**
 * The nodes with the key that the inclusion policies leave out, by the eligible domain of the same value (absent
 * when there are none): kube-scheduler admits an owner there on that domain's count, which they do not add to.
 */
function outsideOf(ctx: CompileContext, key: string, t: NodeTopology): Domains | undefined {
  if (outsides.has(t)) return outsides.get(t);
  const valueOf = (i: number): string | undefined =>
    own(ctx.s.nodes[i]!.labels, key) ?? (key === HOSTNAME_KEY ? ctx.s.nodes[i]!.name : undefined);
  const index = new Map(t.domains.map((d, k) => [valueOf(d[0]!)!, k]));
  const out: number[][] = t.domains.map(() => []);
  let any = false;
  ctx.s.nodes.forEach((_, i) => {
    const k = t.hasKey[i] ? undefined : index.get(valueOf(i) ?? '\u0000');
    if (k === undefined) return;
    out[k]!.push(i);
    any = true;
  });
  outsides.set(t, any ? out : undefined);
  return any ? out : undefined;
}

/** The smallest count over the domains, as kube-scheduler takes it: 0 while there are fewer than minDomains. */
const floorOf = (rule: SpreadRule, counts: ArrayLike<number>): number => {
  if (rule.domains.length < rule.minDomains) return 0;
  let low = Infinity;
  for (let k = 0; k < counts.length; k++) low = Math.min(low, counts[k]!);
  return counts.length === 0 ? 0 : low;
};

/**
 * L ≤ N_D(items) for every domain (L = 0 below minDomains); N_D − L ≤ maxSkew for every domain an owner may enter,
 * and N_D + 1 − L ≤ maxSkew where a counted owner goes on a node outside the domains with D's value (taken as
 * placed last). Each is made conditional (a binary w: owners only where w = 1) where the counts that do not come
 * from those owners could break it on their own (running containers, or counted containers without the
 * constraint).
 */
interface Present {
  readonly items: readonly number[];
  readonly nodes: readonly number[];
}

function spreadRows(rule: SpreadRule, b: ProgramRows, g: number): void {
  const m = b.model;
  const fixed = fixedPerDomain(m, rule.items, rule.domains);
  // The least count is at least the least running count, unless a plan may leave running containers out.
  const floorFixed = m.rules?.unplacedPenalty ? 0 : floorOf(rule, fixed);
  const low =
    rule.domains.length < rule.minDomains
      ? undefined
      : b.newAux(rule.items.length, (v) => ({ v, kind: 'min', items: rule.items, domains: rule.domains }));
  const owners = new Set(rule.owners);
  const counted = new Set(rule.items);
  const moving = rule.items.filter((j) => !isPinned(m, j));
  const others = moving.filter((j) => !owners.has(j));
  const [self, plain] = [rule.owners.filter((j) => counted.has(j)), rule.owners.filter((j) => !counted.has(j))];
  const upper = (list: readonly number[]): number => list.reduce((t, v) => t + b.varUpper[v]!, 0);
  rule.domains.forEach((d, k) => {
    const vs = b.inDomain(rule.items, d);
    if (low !== undefined) b.row(`spread_low_${g}_${k}`, 'rule', 'le', 0, [[low, 1], ...vs.map(withCoef(-1))]);
    const out = rule.outside?.[k] ?? [];
    const cap = (tag: string, limit: number, own: readonly number[], loose: number, on: Present): void => {
      if (own.length === 0) return;
      const lowTerm: [number, number][] = low === undefined ? [] : [[low, -1]];
      if (fixed[k]! + loose - floorFixed - limit <= 0)
        return b.row(`spread_${tag}_${g}_${k}`, 'rule', 'le', limit, [...lowTerm, ...vs.map(withCoef(1))]);
      const big = fixed[k]! + upper(b.inDomain(moving, d)) - limit;
      const w = b.newAux(1, (v) => ({ v, kind: 'present', ...on }));
      b.row(`spread_${tag}Open_${g}_${k}`, 'rule', 'le', 0, [...own.map(withCoef(1)), [w, -upper(own)]]);
      b.row(`spread_${tag}_${g}_${k}`, 'rule', 'le', limit + big, [...lowTerm, ...vs.map(withCoef(1)), [w, big]]);
    };
    const inside = [...b.inDomain(rule.owners, d), ...b.inDomain(plain, out)];
    cap('skew', rule.maxSkew, inside, upper(b.inDomain(others, d)), { items: rule.owners, nodes: [...d, ...out] });
    cap('out', rule.maxSkew - 1, b.inDomain(self, out), upper(b.inDomain(moving, d)), { items: self, nodes: out });
  });
}

/**
 * Rounding can leave a zone spread's counts more than maxSkew apart: units move from the fullest zone to the
 * emptiest. A unit of a class in the group it runs on now moves last (that one would pay a move), and one goes to
 * its class's own group first.
 */
function repairCounts(rule: SpreadScale, agg: AggregateView, counts: Int32Array): void {
  const cs = new Set(rule.owners);
  const zones = rule.topology.zones;
  if (zones.length === 0) return;
  const inZone = (d: number): number[] =>
    zones[d]!.flatMap((g) => rule.items.map((c) => agg.pairAt(g, c))).filter((v) => v >= 0);
  const pairsOf = zones.map((_, d) => inZone(d));
  const home = (v: number): boolean => agg.classes[agg.pairs[v]!.c]!.current === agg.pairs[v]!.g;
  for (let moves = 0; moves < 10_000; moves++) {
    const totals = pairsOf.map((vs) => vs.reduce((t, v) => t + counts[v]!, 0));
    const hi = totals.indexOf(Math.max(...totals));
    const lo = totals.indexOf(Math.min(...totals));
    if (totals[hi]! - totals[lo]! <= rule.maxSkew) break;
    const movable = pairsOf[hi]!.filter((v) => counts[v]! > 0 && cs.has(agg.pairs[v]!.c));
    const from = movable.find((v) => !home(v)) ?? movable[0];
    const c = from === undefined ? -1 : agg.pairs[from]!.c;
    const into = pairsOf[lo]!.filter((v) => agg.pairs[v]!.c === c);
    const to = into.find(home) ?? into[0];
    if (from === undefined || to === undefined) break;
    counts[from]!--;
    counts[to]!++;
  }
}

/**
 * The check on single nodes while packing: a counted item only below the cap, an owner the selector does not
 * match only where the count is at most the cap (it adds nothing itself).
 */
function nodeCap(rule: SpreadScale): NodeLimit {
  const cap = rule.nodeCap ?? Infinity;
  const counted = new Set(rule.items);
  const owners = new Set(rule.owners);
  return {
    slots: 1,
    room: (state, at, c) => {
      if (counted.has(c)) return Math.max(0, cap - state[at]!);
      return owners.has(c) && state[at]! > cap ? 0 : Infinity;
    },
    add: (state, at, c, by) => {
      if (counted.has(c)) state[at] = state[at]! + by;
    },
  };
}

/** t, the smallest zone count (0 below minDomains): t ≤ count_D, and count_D ≤ t + maxSkew where owners may go. */
function spreadScaleRows(rule: SpreadScale, b: AggregateRows, r: number): void {
  if (rule.topology.zones.length === 0) return;
  const cs = new Set(rule.items);
  const owners = new Set(rule.owners);
  const zones = rule.topology.zones;
  const size = [...cs].reduce((n, c) => n + b.agg.classes[c]!.items.length, 0);
  const t = zones.length < rule.minDomains ? undefined : b.variable(0, size);
  const fixedIn = (z: readonly number[]): number =>
    z.reduce((n, g) => n + b.agg.groups[g]!.nodes.reduce((u, i) => u + (rule.fixed.get(i) ?? 0), 0), 0);
  const fixed = zones.map(fixedIn);
  // The least count is at least the least running count, unless a plan may leave running containers out.
  const floor = t === undefined || !rule.stay ? 0 : fixed.reduce((a, f) => Math.min(a, f), Infinity);
  zones.forEach((z, d) => {
    if (t !== undefined) b.row(`spreadLo${r}_${d}`, b.count(z, cs, new Map([[t, 1]]), -1), 'le', 0);
    const lowTerm = t === undefined ? new Map<number, number>() : new Map([[t, -1]]);
    const own = b.count(z, owners);
    if (own.size === 0) return;
    const others = [...cs].filter((c) => !owners.has(c) && !b.agg.classes[c]!.pinned);
    const otherSize = others.reduce((n, c) => n + b.agg.classes[c]!.items.length, 0);
    if (fixed[d]! + otherSize - floor - rule.maxSkew <= 0)
      return b.row(`spreadHi${r}_${d}`, b.count(z, cs, lowTerm), 'le', rule.maxSkew);
    const big = fixed[d]! + size - rule.maxSkew;
    const w = b.variable(0, 1);
    b.row(`spreadOpen${r}_${d}`, own.set(w, -size), 'le', 0);
    b.row(`spreadHi${r}_${d}`, b.count(z, cs, lowTerm).set(w, big), 'le', rule.maxSkew + big);
  });
}

export const spread: RuleKind<SpreadRule, SpreadScale> = {
  roles: (rule) => [
    ['s', rule.items],
    ['o', rule.owners],
  ],
  constrained: (rule) => rule.owners,
  counted: (rule) => rule.items,
  mapItems: (rule, map) => ({ ...rule, items: map(rule.items), owners: map(rule.owners) }),
  topologies: (rule) => (rule.outside ? [rule.domains, rule.outside] : [rule.domains]),
  compile: compileSpread,
  rows: spreadRows,
  scale: {
    of: (rule, ctx) => {
      const topology = ctx.topologyOf(rule.domains);
      if (topology.solo.length > 0 && topology.zones.length > 0)
        return { outOfReach: `topology spread over single nodes and zones at once (${rule.name})` };
      if (rule.outside)
        return { outOfReach: `topology spread with nodes its inclusion policies leave out (${rule.name})` };
      const classes = ctx.classesOf([...rule.items, ...rule.owners]);
      const [owners, items] = [ctx.classesOf(rule.owners), ctx.classesOf(rule.items)];
      const fixed = fixedPerNode(ctx.model, rule.items);
      const { maxSkew, minDomains } = rule;
      const stay = !ctx.penalties;
      const base = { kind: 'spread', classes, owners, items, maxSkew, topology, minDomains, fixed, stay } as const;
      if (topology.solo.length === 0) return base;
      // Running ones may be left out (allowUnplaced), and below minDomains the least count is 0.
      const running = fixedPerDomain(ctx.model, rule.items, rule.domains);
      const least = !stay || rule.domains.length < minDomains ? 0 : running.reduce((a, f) => Math.min(a, f), Infinity);
      const cap = least + maxSkew;
      // What the nodes take under the cap must hold every pending counted container, or no packing can.
      const pending = rule.items.reduce((t, j) => t + (isPinned(ctx.model, j) ? 0 : 1), 0);
      const room = running.reduce((t, f) => t + Math.max(0, cap - f), 0);
      if (pending > room)
        return { outOfReach: `topology spread over single nodes past maxSkew above the least count (${rule.name})` };
      return { ...base, nodeCap: cap };
    },
    rows: spreadScaleRows,
    inPatterns: true,
    stricter: (rule) => rule.nodeCap !== undefined,
    node: (rule) => nodeCap(rule),
    repair: repairCounts,
  },
  check: (rule, v) => {
    const domainOf = v.domainOf(rule.domains);
    const outOf = rule.outside ? v.domainOf(rule.outside) : undefined;
    const counts = new Int32Array(rule.domains.length);
    for (const j of rule.items) {
      const d = v.at(j, domainOf);
      if (d >= 0) counts[d]!++;
    }
    const low = floorOf(rule, counts);
    const items = new Set(rule.items);
    const out: string[] = [];
    const reported = new Set<number>();
    for (const j of rule.owners) {
      // A running owner that stays is counted, not checked (kube-scheduler checks a pod as it arrives).
      if (v.plan[j]! < 0 || v.pinned(j)) continue;
      const d = v.at(j, domainOf);
      const o = d < 0 && outOf ? v.at(j, outOf) : -1;
      if (d < 0 && o < 0) continue;
      const seen = d >= 0 ? counts[d]! : counts[o]! + (items.has(j) ? 1 : 0);
      if (seen - low <= rule.maxSkew || reported.has(j) || (d >= 0 && reported.has(-1 - d))) continue;
      reported.add(d >= 0 ? -1 - d : j);
      const where = d >= 0 ? 'in a domain of' : 'beside a domain of';
      out.push(`${rule.name}: ${v.name(j)} is ${where} ${seen}, more than ${rule.maxSkew} above the least (${low})`);
    }
    return out;
  },
  greedy: {
    // kube-scheduler's own check on each owner: count + self − min ≤ maxSkew.
    state: (rule, model) => greedyState(rule, model),
    // Takes the last owner out of the fullest domain that breaks it (the caller repeats until the rule holds).
    repair: (rule, model, plan) => {
      const v = skewView(rule, model, plan);
      let worst = -1;
      let most = -Infinity;
      for (const j of rule.owners) {
        const seen = plan[j]! < 0 ? undefined : v.seen(j, plan[j]!);
        if (seen !== undefined && seen - v.low > rule.maxSkew && seen >= most) [worst, most] = [j, seen];
      }
      if (worst >= 0) plan[worst] = -1;
    },
  },
  reason: {
    message: "node(s) didn't match pod topology spread constraints",
    breaks: (rule, model, plan) => {
      const v = skewView(rule, model, plan);
      return (j, i) => {
        const seen = v.seen(j, i);
        return seen !== undefined && seen - v.low > rule.maxSkew;
      };
    },
  },
};

/**
 * A plan's counts over the eligible domains, their least (0 below minDomains), and what kube-scheduler's check
 * sees for container j on node i: the count of i's domain (of its value's domain, plus j itself where j counts,
 * for a node the policies leave out); undefined where no domain applies.
 */
function skewView(rule: SpreadRule, model: AssignmentModel, plan: ArrayLike<number>) {
  const n = model.nodes.length;
  const domainOf = domainIndex(rule.domains, n);
  const outOf = rule.outside ? domainIndex(rule.outside, n) : undefined;
  const counts = perDomain(rule.items, plan, domainOf, rule.domains.length);
  const items = new Set(rule.items);
  const seen = (j: number, i: number): number | undefined => {
    if (domainOf[i]! >= 0) return counts[domainOf[i]!]! + (items.has(j) && plan[j] !== i ? 1 : 0);
    const o = outOf?.[i] ?? -1;
    return o < 0 ? undefined : counts[o]! + (items.has(j) ? 1 : 0);
  };
  return { low: floorOf(rule, counts), seen };
}

function greedyState(
  rule: SpreadRule,
  model: AssignmentModel,
): ReturnType<NonNullable<(typeof spread)['greedy']['state']>> {
  const n = model.nodes.length;
  const domainOf = domainIndex(rule.domains, n);
  const outOf = rule.outside ? domainIndex(rule.outside, n) : undefined;
  const c = new DomainCounts(domainOf, rule.domains.length);
  const items = new Set(rule.items);
  const below = rule.domains.length < rule.minDomains;
  return {
    allows: (j, i) => {
      const d = domainOf[i]! >= 0 ? domainOf[i]! : (outOf?.[i] ?? -1);
      return d < 0 || c.counts[d]! + (items.has(j) ? 1 : 0) - (below ? 0 : c.min) <= rule.maxSkew;
    },
    place: (_p, i) => c.add(i),
    domainOf,
  };
}

export type { Domains };
