import type { AssignmentModel, Domains, GroupRule } from '../model.js';
import type { CompileContext } from './context.js';

/**
 * A rule kind is one module (models/rules/<kind>.ts) that holds everything about it, as kube-scheduler keeps a
 * plugin in one package: how the snapshot compiles into it, its rows in the per-node program and in the aggregate
 * program over node groups, its effect on packing, its check in the verifier, its check in the greedy, and its
 * reason in the scheduler's words. The registry (registry.ts) lists every kind, typed so that the compiler refuses
 * a kind that lacks a part. The stages reach a rule only through these parts, and the parts reach the stages only
 * through the small interfaces below (the stages implement them), so nothing here imports a solver.
 */
export interface RuleKind<R extends GroupRule, S extends ScaleRuleBase = ScaleRuleBase> {
  /** Its sets of containers, each with a role name: two containers share a class only when they share every role. */
  roles(rule: R): readonly (readonly [role: string, items: readonly number[]])[];
  /** The containers whose placement the rule may forbid: checked when one of them is placed. */
  constrained(rule: R): readonly number[];
  /** The containers whose placement changes what the rule allows the others. */
  counted(rule: R): readonly number[];
  /** The same rule over other container indices (a model restricted to some containers; `map` keeps order). */
  mapItems(rule: R, map: (items: readonly number[]) => number[]): R;
  /** The topologies it is written over (none for a gang; one per term for affinity with several terms). */
  topologies(rule: R): readonly Domains[];
  /** The rules of this kind (or of kinds it builds) that a snapshot asks for; absent when none comes from input. */
  compile?(ctx: CompileContext): GroupRule[];
  /** Its rows in the per-node program (solver/formulate.ts), over the class variables y_ic. */
  rows(rule: R, b: ProgramRows, g: number): void;
  /** A binary that joins the assignment rows of its classes (Σ_i y_ic = |c| g), or undefined: added before the rows. */
  assignmentLink?(rule: R, b: ProgramRows): number | undefined;
  readonly scale: ScalePart<R, S>;
  /** How a plan breaks it, in words (empty when it holds); unplaced containers count nowhere (solver/verify.ts). */
  check(rule: R, view: PlanView): string[];
  /** For a preference: its weight and its violations in a plan (the preferences part is their product's sum). */
  readonly preference?: PreferencePart<R>;
  /** A kind with a preference that has hard parts too (its check reports how they break): a change keeps those. */
  readonly hardToo?: boolean;
  /** It counts the moves of running containers: a plan that moves one changes more than room. */
  readonly countsMoves?: boolean;
  readonly greedy: GreedyPart<R>;
  readonly reason: ReasonPart<R>;
}

/** A row's terms as (variable, coefficient) pairs. */
export type Terms = readonly (readonly [number, number])[];

/** Each term with coefficient `coef`. */
export const withCoef =
  (coef: number) =>
  (v: number): [number, number] => [v, coef];

/**
 * An auxiliary variable a rule adds to the per-node program, and how its value follows from a plan (to hand a plan
 * to a solver as a start): `present`, 1 when any of `items` sits on one of `nodes`; `min`, the smallest count of
 * `items` over the `domains`; `placed`, 1 when every one of `items` is placed; `rule`, a variable whose value the
 * rule computes itself (`what` says what it is, for the LP export's comments).
 */
export type RuleAux =
  | {
      readonly v: number;
      readonly kind: 'present';
      readonly items: readonly number[];
      readonly nodes: readonly number[];
    }
  | { readonly v: number; readonly kind: 'min'; readonly items: readonly number[]; readonly domains: Domains }
  | { readonly v: number; readonly kind: 'placed'; readonly items: readonly number[] }
  | { readonly v: number; readonly kind: 'rule'; readonly what: string; value(plan: ArrayLike<number>): number };

/** The per-node program as a rule sees it while it is built (solver/formulation/builder.ts implements it). */
export interface ProgramRows {
  readonly model: AssignmentModel;
  /** classes[c]: the containers of class c. */
  readonly classes: readonly (readonly number[])[];
  readonly varsOfClass: readonly (readonly number[])[];
  /** The node of each placement variable (−1 for auxiliary ones), and each variable's upper bound. */
  readonly varNode: readonly number[];
  readonly varUpper: readonly number[];
  /** The classes whose members are in `items`. */
  classesOf(items: readonly number[]): number[];
  /** The placement variables of the classes of `items` on the nodes of `domain`. */
  inDomain(items: readonly number[], domain: readonly number[]): number[];
  /** Adds a row when it has terms. */
  row(name: string, kind: 'rule', op: 'le' | 'eq', rhs: number, terms: Terms): void;
  /** An auxiliary integer variable in [0, upper] costing `cost` in the objective (continuous if asked); its index. */
  newAux(upper: number, make: (v: number) => RuleAux, cost?: number, isContinuous?: boolean): number;
  /** Adds `cost` to what variable v costs in the objective (a preference linear in the placement). */
  addCost(v: number, cost: number): void;
  /** The objective's weight of the preferences part (0: preferences are not optimised). */
  readonly preferenceWeight: number;
}

/** A rule's topology as the aggregate sees it. */
export interface Topology {
  /** The domain of each node (−1: none). */
  readonly domainOf: Int32Array;
  /** The groups of each domain of several nodes (groups lie wholly inside one domain or outside all). */
  readonly zones: readonly (readonly number[])[];
  /** Groups whose nodes are each a domain of their own (hostname). */
  readonly solo: readonly number[];
}

/**
 * The parts of a topology that the aggregate's preference rows are written over, each named for its row: a zone
 * (`z<d>`: its groups, counted together) or a group whose nodes are each a domain (`g<g>`: counted per node, `nodes`
 * of them alike).
 */
export function topologyParts(
  topology: Topology,
  agg: AggregateView,
): { readonly name: string; readonly groups: readonly number[]; readonly nodes: number }[] {
  return [
    ...topology.zones.map((groups, d) => ({ name: `z${d}`, groups, nodes: 1 })),
    ...topology.solo.map((g) => ({ name: `g${g}`, groups: [g], nodes: agg.groups[g]!.nodes.length })),
  ];
}

/** What every rule held by the aggregate has: its kind, its classes, and its topology where it has one. */
export interface ScaleRuleBase {
  readonly kind: GroupRule['kind'];
  /** The classes of its containers, ascending. */
  readonly classes: readonly number[];
  readonly topology?: Topology;
}

/** The aggregate over node groups and container classes, as a rule reads it (solver/scale/aggregate.ts). */
export interface AggregateView {
  readonly groups: readonly { readonly nodes: readonly number[] }[];
  /** Each class's containers, the group they run on now (−1: none), and whether they stay there (pinned). */
  readonly classes: readonly {
    readonly items: readonly number[];
    readonly current: number;
    readonly pinned: boolean;
  }[];
  /** The usable (group, class) pairs: variable p of the aggregate program counts class c on group g. */
  readonly pairs: readonly { readonly g: number; readonly c: number }[];
  /** The index in `pairs` of (group g, class c), −1 where that pair may not be used. */
  pairAt(g: number, c: number): number;
}

/** What a rule needs to be held by the aggregate. */
export interface ScaleContext {
  readonly model: AssignmentModel;
  /** Whether containers may stay unplaced (options.allowUnplaced). */
  readonly penalties: boolean;
  /** The classes of containers, ascending. */
  classesOf(items: readonly number[]): number[];
  /** A topology in terms of groups (computed once per domain list). */
  topologyOf(domains: Domains): Topology;
}

/** The aggregate program as a rule sees it while it is built (solver/scale/program.ts implements it). */
export interface AggregateRows {
  readonly agg: AggregateView;
  /** A new variable in [0, upper] costing `cost` (integer unless `integer` is false); its index. */
  variable(cost: number, upper: number, integer?: boolean): number;
  /** The objective's weight of the preferences part (0: preferences are not optimised). */
  readonly preferenceWeight: number;
  /** The variable counting the nodes of group g in use (the pack objective's), if the program has one. */
  used(g: number): number | undefined;
  /** Adds a rule row when it has terms. */
  row(name: string, terms: Map<number, number>, op: 'le' | 'eq', rhs: number): void;
  /** Σ of the pair variables of `classes` on `groups` as terms (into `into`, each with `coef`). */
  count(
    groups: readonly number[],
    classes: ReadonlySet<number>,
    into?: Map<number, number>,
    coef?: number,
  ): Map<number, number>;
}

/**
 * A rule's hold on one node of a single-node domain while containers are packed onto nodes: per node it keeps
 * `slots` counters, and admits `room` more containers of class c beside them (Infinity: no limit).
 */
export interface NodeLimit {
  readonly slots: number;
  room(state: Int32Array, at: number, c: number): number;
  add(state: Int32Array, at: number, c: number, by: number): void;
}

export interface ScalePart<R extends GroupRule, S extends ScaleRuleBase> {
  /** The rule as the aggregate holds it; undefined when it need not hold it; outOfReach when it cannot. */
  of(rule: R, ctx: ScaleContext): S | undefined | { readonly outOfReach: string };
  /** Its rows in the aggregate program (`r` numbers the rule). */
  rows(rule: S, b: AggregateRows, r: number): void;
  /** Whether the pattern master (solver/scale/patterns.ts) holds it through its rows over pattern columns. */
  readonly inPatterns: boolean;
  /** Its check on single nodes while packing, for the groups of `topology.solo` (absent: none). */
  node?(rule: S): NodeLimit;
  /**
   * Whether its check on single nodes is stricter than the rule (absent: exact). The aggregate then holds the rule
   * with rows that relax it, and the pattern master, whose columns obey the node checks, cannot give bounds.
   */
  stricter?(rule: S): boolean;
  /** Mends counts per (group, class) that rounding left breaking it (absent: rounding cannot break it). */
  repair?(rule: S, agg: AggregateView, counts: Int32Array): void;
}

/** What a verifier check sees: the plan, the domains of a topology, and a container's name. */
export interface PlanView {
  readonly model: AssignmentModel;
  readonly plan: ArrayLike<number>;
  /** The domain of each node in a topology (−1: none), built once per topology. */
  domainOf(domains: Domains): Int32Array;
  /** The domain of container j's node (−1 when it is unplaced or its node is in no domain). */
  at(j: number, domainOf: Int32Array): number;
  /** Whether container j is running and stays (pinned): rules are checked where pending containers are placed. */
  pinned(j: number): boolean;
  name(j: number): string;
}

export interface PreferencePart<R extends GroupRule> {
  /** The objective's part it counts in: the preferences part (absent), or the topology part. */
  readonly part?: 'topology';
  /** What one violation costs in its part (for a preference, kube-scheduler's plugin weight × the term's weight). */
  weight(rule: R): number;
  /** Its violations in a plan (docs/kubernetes.md gives each kind's definition). */
  violations(rule: R, view: PlanView): number;
  /** The most violations any plan can have (for the objective's range). */
  most(rule: R): number;
}

/** The state of one rule while the greedy places containers, checked as the scheduler checks each placement. */
export interface GreedyState {
  /** Whether j may go on node i beside what is placed (j itself is not placed yet). */
  allows(j: number, i: number): boolean;
  /** Records that p was placed on node i (p is one of the rule's counted containers). */
  place(p: number, i: number): void;
  /** The rule's domain of each node: `allows` depends on the node only through it (absent: no topology). */
  readonly domainOf?: Int32Array;
  /** The one node j may still go on, when the rule leaves one (a spent move budget: its current node, −1 none). */
  only?(j: number): number | undefined;
  /** For a preference: what placing j on node i adds to its weighted violations (the greedy's tie-break). */
  cost?(j: number, i: number): number;
}

export interface GreedyPart<R extends GroupRule> {
  /** Its state for the greedy (absent: it is held only at the end, by `repair`). `rules`: every rule of the model. */
  state?(rule: R, model: AssignmentModel, rules: readonly GroupRule[]): GreedyState;
  /** Takes containers out of a greedy plan until the rule holds (absent: the greedy never breaks it). */
  repair?(rule: R, model: AssignmentModel, plan: Int32Array): void;
}

export interface ReasonPart<R extends GroupRule> {
  /** Why a node was not available, in the scheduler's words. */
  readonly message: string;
  /**
   * Given a plan, whether placing unplaced container j on node i breaks the rule. Absent: no single placement
   * breaks it, but it holds its containers back as a whole (then `message` is said when no other rule breaks).
   */
  breaks?(rule: R, model: AssignmentModel, plan: Int32Array): (j: number, i: number) => boolean;
}
