import { z } from 'zod';
import { SOLVER_NAMES } from '../models/options.js';

/**
 * The answers of the use cases as zod schemas: the one source of the answer types (planning/answer.ts,
 * capacity.ts) and of the OpenAPI document's response schemas (server/openapi.ts). JSON has no Infinity or
 * NaN: a number that is not finite is written as null, so numbers that can be are nullable here.
 */
/** The answers are built from the solver's readonly arrays: the types say readonly all the way down. */
export type Answer<T extends z.ZodType> = DeepReadonly<z.infer<T>>;
type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

const Count = z.number().int().min(0);
const MaybeNumber = z.number().nullable();
const Names = z.array(z.string());

export const StatusSchema = z
  .enum(['optimal', 'feasible', 'infeasible', 'unknown'])
  .describe('optimal only when proven; feasible: a verified plan with its gap to the proven bound');
const BACKENDS = SOLVER_NAMES.filter((s) => s !== 'auto');
export const SourceSchema = z
  .enum([...BACKENDS, 'heuristic', 'rounding', 'chains', 'lns', 'subsets', 'aggregate'])
  .describe('where the returned plan came from');

const MoveSchema = z.object({ container: z.string(), from: z.string(), to: z.string().nullable() });

export const PlanJsonSchema = z.object({
  assignments: z
    .array(z.object({ container: z.string(), node: z.string() }))
    .optional()
    .describe('a snapshot: {container, node} per placed container (options.assignments "list", the default)'),
  placements: z
    .record(z.string(), Names)
    .optional()
    .describe('a snapshot with options.assignments "byNode": the containers on each node that runs any'),
  moves: z
    .array(MoveSchema)
    .optional()
    .describe('containers that run somewhere now and that the plan puts elsewhere (to: null when left out)'),
  assignment: z
    .array(z.number().int().min(0).nullable())
    .optional()
    .describe('a program: the node index per container'),
  unplaced: z.union([Names, z.array(z.number().int().min(0))]),
});
export type PlanJson = Answer<typeof PlanJsonSchema>;

export const PartsSchema = z
  .object({
    cost: MaybeNumber,
    balance: MaybeNumber,
    pack: MaybeNumber,
    preferences: MaybeNumber,
    topology: MaybeNumber.optional().describe("the groups' spans over the topology levels (docs/topology.md)"),
    weighted: MaybeNumber,
  })
  .describe("the objective's parts, each unweighted");

/** The preferences a plan leaves unmet: each soft term with its violations, what one costs, and their cost. */
export const PreferencesSchema = z
  .array(
    z.object({
      name: z.string(),
      violations: z.number().int().min(0),
      weight: z.number(),
      penalty: z.number(),
    }),
  )
  .describe(
    'the soft terms the plan does not meet in full, each with its violations and their part of parts.preferences',
  );

export const ReasonSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fits-nowhere'), container: z.string(), message: z.string() }),
  z.object({ kind: z.literal('unplaced'), container: z.string(), message: z.string() }),
  z.object({
    kind: z.literal('total-demand'),
    resource: z.string(),
    demand: z.number(),
    capacity: z.number(),
    message: z.string(),
  }),
  z.object({ kind: z.literal('solver-proof'), solver: z.string(), message: z.string() }),
]);

const BackendReportSchema = z.object({
  name: z.enum(BACKENDS),
  status: z.enum(['optimal', 'feasible', 'infeasible', 'unknown', 'stopped', 'failed']),
  solverMs: MaybeNumber,
  note: z.string().optional(),
});

const ModelSizeSchema = z.object({
  nodes: Count,
  containers: Count,
  variables: Count.optional(),
  constraints: Count.optional(),
  classes: Count.optional(),
  nodeGroups: Count.optional(),
  plain: z.object({ variables: Count, constraints: Count }).optional(),
});

export const ExplanationSchema = z.object({
  containers: Names,
  nodes: Names,
  causes: Names,
  minimal: z.boolean(),
  message: z.string(),
});

const TimingsSchema = z.object({
  totalMs: z.number(),
  prepareMs: z.number(),
  queuedMs: z.number(),
  solveMs: z.number(),
  timedOut: z.boolean(),
  firstBoundMs: z
    .number()
    .nullable()
    .describe("when the first proven bound reached the service, in ms from the request's arrival (null: none)"),
  firstPlanMs: z
    .number()
    .nullable()
    .describe(
      "when the first verified plan placing every container was known, in ms from the request's arrival (null: none)",
    ),
});

const UtilizationSchema = z
  .record(z.string(), z.record(z.string(), z.number()))
  .describe('used / capacity per node and resource (resources a node has none of are left out)');

/** One side of a comparison: its objective and parts, the containers it places, and the nodes it uses. */
const SideSchema = z.object({
  objective: MaybeNumber,
  parts: PartsSchema.optional(),
  placed: Count,
  nodesUsed: Names,
});
const OtherSideSchema = SideSchema.extend({ gapToBest: MaybeNumber, gapToBound: MaybeNumber });
const Differences = z.array(z.record(z.string(), z.string().nullable()));

export const PlanComparisonSchema = z.object({
  plan: SideSchema,
  greedy: OtherSideSchema,
  placedDifferently: Differences.describe('{container, plan, greedy} for each container placed differently'),
});
export const EvaluationComparisonSchema = z.object({
  best: SideSchema,
  given: OtherSideSchema,
  placedDifferently: Differences.describe('{container, best, given} for each container placed differently'),
});

/** One plan's view of a group: members placed, and the domains spanned at each level (by level label). */
const GroupSpanSchema = z.object({ placed: Count, spans: z.record(z.string(), Count) });

/** One plan's fragmentation at each level. */
const FragmentationSchema = z.array(
  z.object({
    level: z.string(),
    domains: Count,
    free: Count.describe('domains on which no container runs'),
    largestFree: z.record(z.string(), z.number()).describe('the most of each resource free within one domain'),
  }),
);

const KueueSideSchema = z.union([
  PlanJsonSchema.extend({
    objective: MaybeNumber,
    parts: PartsSchema,
    placed: Count,
    gapToBest: MaybeNumber,
    gapToBound: MaybeNumber,
    notAdmitted: z.array(z.object({ group: z.string(), reason: z.string() })).describe("Kueue's words"),
  }),
  z.object({ invalid: Names.describe('how its plan broke the rules (never expected)') }),
]);

/** Where options.topology names levels (docs/topology.md). */
export const TopologyAnswerSchema = z
  .object({
    levels: Names,
    groups: z.array(
      z.object({
        group: z.string(),
        members: Count,
        plan: GroupSpanSchema,
        greedy: GroupSpanSchema,
        kueue: GroupSpanSchema.optional(),
      }),
    ),
    fragmentation: z.object({
      plan: FragmentationSchema,
      greedy: FragmentationSchema,
      kueue: FragmentationSchema.optional(),
    }),
    kueue: KueueSideSchema.optional().describe(
      "the Kueue-style baseline: Kueue's TAS placement for the groups, the seed greedy for the rest",
    ),
  })
  .describe('spans per group and fragmentation per level, for the plan, the greedy and the Kueue-style baseline');
export type TopologyAnswer = Answer<typeof TopologyAnswerSchema>;

/** One wave of a change plan, as names, with the objects kubectl sends for it. */
const WaveSchema = z.object({
  wave: Count,
  cordon: Names.describe('nodes marked unschedulable before the wave: the target leaves them empty'),
  evict: z.array(z.object({ container: z.string(), from: z.string() })),
  bind: z.array(z.object({ container: z.string(), node: z.string() })),
  surge: z
    .array(z.object({ container: z.string(), from: z.string(), node: z.string() }))
    .optional()
    .describe('moved with surge (options.surge): the replacement bound and Ready first, then the pod deleted'),
  emptied: Names.describe('nodes with no container after the wave, that the target leaves empty'),
  kubectl: z
    .array(z.record(z.string(), z.unknown()))
    .describe(
      'Node cordons, then Eviction and Binding objects (POSTed to the pods/eviction and pods/binding subresources)',
    ),
});

/** Where options.changes asks for the order (docs/changes.md). */
export const ChangesAnswerSchema = z
  .object({
    status: z
      .enum(['optimal', 'feasible', 'blocked', 'unknown'])
      .describe('optimal: no safe order has fewer waves; blocked: no safe order found (`proven`: none exists)'),
    waves: z.array(WaveSchema),
    fewestWaves: Count.describe('the fewest waves any safe order needs, proven'),
    moves: Count,
    blocked: Names.describe('what stops the change: a budget, a node without room, a rule'),
    proven: z.boolean(),
    runbook: Names.describe('the waves in words, one line each'),
    temporaryNodes: Names.optional().describe(
      'the temporary nodes (options.temporaryNodes) the waves park pods on: up before wave 1, removable after',
    ),
  })
  .describe("the ordered waves from today's placement to the plan, each checked by the replay verifier");
export type ChangesAnswer = Answer<typeof ChangesAnswerSchema>;

/** Docker Swarm input (docs/swarm.md): Swarm's own plan, checked, with its gaps. */
export const SwarmSideSchema = PlanJsonSchema.extend({
  objective: MaybeNumber.describe('null while it leaves tasks pending (unless options.allowUnplaced)'),
  parts: PartsSchema,
  valid: z.boolean(),
  violations: Names.optional().describe('how its plan breaks the rules (never expected)'),
  placed: Count,
  pending: Names.describe('the tasks swarmkit leaves pending: no node passes its filters'),
  gapToBest: MaybeNumber,
  gapToBound: MaybeNumber,
}).describe("Swarm's own placement (swarmkit's scheduler), beside the seed greedy and the optimum");
export type SwarmSide = Answer<typeof SwarmSideSchema>;

/** POST /v1/plan and /v1/solve: the best verified plan, its bound and gap, and the greedy beside it. */
export const PlanAnswerSchema = PlanJsonSchema.extend({
  status: StatusSchema,
  source: SourceSchema,
  objective: MaybeNumber,
  bound: MaybeNumber,
  gap: MaybeNumber.describe('|objective − bound| / |objective|: 0 when optimal, null without a plan or bound'),
  unplacedPenalty: z.number().optional(),
  parts: PartsSchema.nullable().optional(),
  preferences: PreferencesSchema.optional(),
  greedy: PlanJsonSchema.extend({
    objective: MaybeNumber,
    parts: PartsSchema.optional(),
    preferences: PreferencesSchema.optional(),
    utilization: UtilizationSchema,
  }),
  comparison: PlanComparisonSchema.optional(),
  reasons: z.array(ReasonSchema).optional(),
  topology: TopologyAnswerSchema.optional(),
  swarm: SwarmSideSchema.optional(),
  changes: ChangesAnswerSchema.optional(),
  utilization: UtilizationSchema,
  backends: z.array(BackendReportSchema),
  model: ModelSizeSchema,
  notes: Names,
  explanation: ExplanationSchema.nullable().optional().describe('a minimal conflict, when infeasible'),
  timings: TimingsSchema,
});
export type PlanAnswer = Answer<typeof PlanAnswerSchema>;

/** POST /v1/evaluate: the given plan checked against every rule, and the optimum beside it. */
export const EvaluateAnswerSchema = z.object({
  given: PlanJsonSchema.extend({
    valid: z.boolean(),
    violations: Names,
    objective: MaybeNumber,
    parts: PartsSchema.optional(),
    preferences: PreferencesSchema.optional(),
    gapToOptimum: MaybeNumber,
    gapToBound: MaybeNumber,
    utilization: UtilizationSchema,
  }),
  optimal: PlanAnswerSchema.omit({ explanation: true }),
  comparison: EvaluationComparisonSchema.optional(),
  swarm: SwarmSideSchema.optional(),
  explanation: ExplanationSchema.nullable().optional(),
  changes: ChangesAnswerSchema.optional().describe("the waves from today's placement to the given plan"),
});
export type EvaluateAnswer = Answer<typeof EvaluateAnswerSchema>;

const CapacityTimings = z.object({ totalMs: z.number(), prepareMs: z.number() });
const Counts = z.record(z.string(), z.number().int().min(0));
const capacityCommon = { notes: Names, timings: CapacityTimings };

const FitAnswer = z.object({
  question: z.literal('fit'),
  status: StatusSchema,
  fits: z.boolean().describe('the current containers themselves all fit'),
  note: z.string().optional(),
  extra: Counts.nullable().describe('copies of each shape that fit at most (with the plan that shows it)'),
  weighted: MaybeNumber,
  upperBound: MaybeNumber.describe('proven: no plan fits more weight'),
  considered: Counts,
  greedy: z.object({ aloneEach: Counts, together: Counts, weighted: z.number() }),
  repack: z.boolean(),
  plan: PlanJsonSchema,
  moves: z.array(MoveSchema),
  ...capacityCommon,
});
const BuyAnswer = z.object({
  question: z.literal('buy'),
  status: StatusSchema,
  buy: Counts.nullable().describe('how many nodes of each catalogue type to buy'),
  nodes: Names.nullable(),
  price: MaybeNumber,
  bound: MaybeNumber,
  gap: MaybeNumber,
  plan: PlanJsonSchema,
  reasons: z.array(ReasonSchema).optional(),
  ...capacityCommon,
});
const WhatIfAnswer = z.object({
  question: z.literal('whatIf'),
  status: StatusSchema,
  fits: z.boolean(),
  moves: z.array(MoveSchema),
  moveCount: Count,
  objective: MaybeNumber,
  bound: MaybeNumber,
  unplaced: Names,
  reasons: z.array(ReasonSchema).optional(),
  plan: PlanJsonSchema,
  ...capacityCommon,
});
const MoveBudgetAnswer = z.object({
  question: z.literal('moveBudget'),
  curve: z.array(
    z.object({
      maxMoves: Count,
      status: StatusSchema,
      objective: MaybeNumber,
      bound: MaybeNumber,
      moves: Count.nullable(),
      moved: Names.nullable(),
    }),
  ),
  plan: PlanJsonSchema.nullable(),
  ...capacityCommon,
});

const ConsolidateAnswer = z.object({
  question: z.literal('consolidate'),
  frontier: z.array(
    z.object({
      removed: Count,
      nodes: Names.describe('the nodes removed: the candidates with the fewest running containers'),
      status: z
        .enum(['optimal', 'infeasible', 'unplaced', 'unknown'])
        .describe(
          'optimal: the fewest moves for this many nodes removed (with minimise price: the most saved, then the ' +
            'fewest moves), proven; infeasible: no plan removes this many, ' +
            'proven; unplaced: the re-placement left containers out; unknown: out of time',
        ),
      saved: z.number().describe('the price of the nodes removed (1 each without prices)'),
      price: z.number().describe('the price of the nodes left'),
      moves: Count.nullable(),
      waves: Count.nullable(),
      unplaced: Names.optional(),
      changes: ChangesAnswerSchema.optional(),
    }),
  ),
  ...capacityCommon,
});

/** POST /v1/capacity: the answer to the snapshot's question. */
export const CapacityAnswerSchema = z.discriminatedUnion('question', [
  FitAnswer,
  BuyAnswer,
  WhatIfAnswer,
  MoveBudgetAnswer,
  ConsolidateAnswer,
]);
export type CapacityAnswer = Answer<typeof CapacityAnswerSchema>;

/** GET /v1/version. */
export const VersionSchema = z.object({
  name: z.string(),
  version: z.string(),
  commit: z.string().nullable(),
  node: z.string(),
  solvers: z.record(z.string(), z.string()),
});
