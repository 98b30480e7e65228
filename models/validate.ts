import type { z } from 'zod';
import { expectedAnyOf } from './messages.js';
import { BLOCK_REASONS, type AssignmentModel } from './model.js';
import { openPairs } from './pairs.js';
import { resolveOptions, type SolveOptions } from './options.js';
import { ProgramSchema, programRangeIssues, programToModel } from './program.js';
import type { Snapshot } from './snapshot.js';
import { quantityRangeIssues, snapshotToModel } from './build.js';
import { parseSnapshot } from './replicas.js';
import { maxOf } from './own.js';
import { formatPath } from './path.js';
import { KubeInputSchema, isKubeInput, kubeToSnapshot, normaliseKubeBody } from './kube.js';
import { SwarmInputSchema, isSwarmInput, swarmToSnapshot, taskFromPsRow, type SwarmCluster } from './swarm.js';

/** One problem with the input: where (a readable path such as `containers[2].requests.cpu`) and what. */
export interface InputIssue {
  readonly path: string;
  readonly message: string;
}

export type Validated =
  | {
      readonly ok: true;
      readonly model: AssignmentModel;
      readonly options: SolveOptions;
      readonly notes?: readonly string[];
      /** Docker Swarm input: the cluster as Swarm's own greedy reads it (solver/swarm.ts). */
      readonly swarm?: SwarmCluster;
      /** options.temporaryNodes: the model the change is ordered in (see `compiled`). */
      readonly changeModel?: AssignmentModel;
    }
  | { readonly ok: false; readonly issues: readonly InputIssue[] };

export { formatPath };

/** A zod error's issues with readable paths (unknown fields at their own path), under `prefix`. */
export function issuesOf(error: z.ZodError, prefix: readonly PropertyKey[] = []): InputIssue[] {
  return flatten(error.issues, prefix);
}

function flatten(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[]): InputIssue[] {
  return issues.flatMap((i): InputIssue[] => {
    const path = [...prefix, ...i.path];
    switch (i.code) {
      // An unknown field is reported at its own path (a typo such as "request" is then easy to spot).
      case 'unrecognized_keys':
        return i.keys.map((key) => ({ path: formatPath([...path, key]), message: 'unknown field' }));
      // A value that matches no alternative: report the alternative that got past the type check, if any.
      case 'invalid_union': {
        // The branch that got furthest: deepest issue path, then past the type check.
        const score = (branch: readonly z.core.$ZodIssue[]): number =>
          maxOf(branch.map((b) => 2 * b.path.length + (b.code === 'invalid_type' ? 0 : 1)));
        const deeper = [...i.errors].sort((a, b) => score(b) - score(a))[0];
        if (deeper && score(deeper) > 0) return flatten(deeper, path);
        const expected = i.errors.flatMap((branch) =>
          branch.map((b) => (b.code === 'invalid_type' ? b.expected : '')).filter(Boolean),
        );
        return [{ path: formatPath(path), message: `must be ${expectedAnyOf(expected)}` }];
      }
      default:
        return [{ path: formatPath(path), message: i.message }];
    }
  });
}

/** The snapshot's issues beyond its schema: amounts that exact 64-bit integers cannot hold together. */
function snapshotIssues(s: Snapshot, prefix = ''): InputIssue[] {
  return quantityRangeIssues(s).map((i) => ({ path: `${prefix}${formatPath(i.path)}`, message: i.message }));
}

/** Validates a snapshot body and compiles it to the assignment model. */
export function validateSnapshot(body: unknown): Validated {
  const parsed = parseSnapshot(body);
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error) };
  const range = snapshotIssues(parsed.data);
  if (range.length > 0) return { ok: false, issues: range };
  const { model, changeModel } = compiled(parsed.data);
  return {
    ok: true,
    model,
    options: resolveOptions(parsed.data.options),
    notes: model.notes ?? [],
    ...(changeModel ? { changeModel } : {}),
  };
}

/**
 * The snapshot's model. Where options.temporaryNodes names nodes, the plan's model has them cordoned (the plan leaves
 * them empty), and the change is ordered in a second model where they are open (its waves may park pods there). Node
 * and container indices are the same in both.
 */
function compiled(data: Snapshot): { model: AssignmentModel; changeModel?: AssignmentModel } {
  const changes = data.options?.changes ? data.options : undefined;
  const own = (c: Snapshot['containers'][number]): boolean =>
    (c.affinity?.length ?? 0) + (c.antiAffinity?.length ?? 0) + (c.spread?.length ?? 0) > 0;
  const ownTerms = data.containers.flatMap((c, j) => (own(c) ? [j] : []));
  const surge = changes?.surge !== undefined ? { surge: changes.surge, ownTerms } : {};
  const temporary = new Set(changes?.temporaryNodes ?? []);
  if (temporary.size === 0) return { model: { ...snapshotToModel(data), ...surge } };
  const nodes = data.nodes.map((n) => (temporary.has(n.name) ? { ...n, unschedulable: true } : n));
  const open = snapshotToModel(data);
  const indices = data.nodes.flatMap((n, i) => (temporary.has(n.name) ? [i] : []));
  return {
    model: { ...closedTo(snapshotToModel({ ...data, nodes }), indices), ...surge },
    changeModel: { ...open, temporary: indices, ...surge },
  };
}

/**
 * The model with every container kept off `nodes`, whatever it tolerates: cordoning alone leaves a node open to pods
 * that tolerate node.kubernetes.io/unschedulable. Their rows of the block table become one row of 'unschedulable'.
 */
function closedTo(model: AssignmentModel, nodes: readonly number[]): AssignmentModel {
  const rules = model.rules;
  if (!rules) return model;
  const { blocked } = rules;
  const rows = blocked.values.length / Math.max(1, blocked.cols);
  const values = new Uint8Array(blocked.values.length + blocked.cols);
  values.set(blocked.values);
  values.fill(BLOCK_REASONS.indexOf('unschedulable'), blocked.values.length);
  const rowKey = Int32Array.from(blocked.rowKey);
  for (const i of nodes) rowKey[i] = rows;
  const table = { ...blocked, rowKey, values };
  return { ...model, rules: { ...rules, blocked: { ...table, open: openPairs(table, blocked.pinnedTo) } } };
}

/**
 * Validates Kubernetes input ({nodeList, podList, options} or a kind: List) or Docker Swarm input ({nodes,
 * services, tasks?, options}) and compiles it, through the plain snapshot, to the assignment model. Paths in
 * issues point into the Kubernetes or Swarm documents.
 */
export function validateConverted(body: unknown): Validated {
  const plain = plainSnapshotBody(body);
  if (!plain.ok) return plain;
  const snapshot = parseSnapshot(plain.snapshot);
  if (!snapshot.success)
    return {
      ok: false,
      issues: issuesOf(snapshot.error).map((i) => ({ path: `(as snapshot) ${i.path}`, message: i.message })),
    };
  const range = snapshotIssues(snapshot.data, '(as snapshot) ');
  if (range.length > 0) return { ok: false, issues: range };
  const { model, changeModel } = compiled(snapshot.data);
  return {
    ok: true,
    model,
    options: resolveOptions(snapshot.data.options),
    notes: [...plain.notes, ...(model.notes ?? [])],
    ...(plain.swarm ? { swarm: plain.swarm } : {}),
    ...(changeModel ? { changeModel } : {}),
  };
}

/**
 * Any snapshot body as the plain snapshot object (not validated yet): Kubernetes documents are
 * converted, a plain body is returned as it is. Capacity questions transform this form.
 */
export function plainSnapshotBody(
  body: unknown,
): { ok: true; snapshot: unknown; notes: string[]; swarm?: SwarmCluster } | { ok: false; issues: InputIssue[] } {
  if (isSwarmInput(body)) return plainSwarmBody(body);
  if (!isKubeInput(body)) {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return { ok: false, issues: [{ path: '(body)', message: 'must be a JSON object' }] };
    return { ok: true, snapshot: body, notes: [] };
  }
  const parsed = KubeInputSchema.safeParse(normaliseKubeBody(body));
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error) };
  const converted = kubeToSnapshot(parsed.data);
  if (converted.issues.length > 0)
    return { ok: false, issues: converted.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) };
  return { ok: true, snapshot: converted.snapshot, notes: converted.notes };
}

/** Rows of `docker service ps --format json` among the tasks, as task objects (models/swarm-schema.ts). */
function withPsRows(body: Record<string, unknown>): Record<string, unknown> {
  const { tasks, services, nodes } = body;
  if (!Array.isArray(tasks)) return body;
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  return { ...body, tasks: tasks.map((t) => taskFromPsRow(t, list(services), list(nodes))) };
}

/** Swarm's inspect documents as the plain snapshot object (not validated yet), with the cluster its greedy reads. */
function plainSwarmBody(
  body: unknown,
): { ok: true; snapshot: unknown; notes: string[]; swarm: SwarmCluster } | { ok: false; issues: InputIssue[] } {
  const parsed = SwarmInputSchema.safeParse(withPsRows(body as Record<string, unknown>));
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error) };
  const converted = swarmToSnapshot(parsed.data);
  if (converted.issues.length > 0)
    return { ok: false, issues: converted.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) };
  return { ok: true, snapshot: converted.snapshot, notes: converted.notes, swarm: converted.cluster };
}

/** A snapshot body: Kubernetes or Docker Swarm documents, or the plain form. */
export function validatePlanBody(body: unknown): Validated {
  return isKubeInput(body) || isSwarmInput(body) ? validateConverted(body) : validateSnapshot(body);
}

/** Validates a program body and compiles it to the assignment model. */
export function validateProgram(body: unknown): Validated {
  const parsed = ProgramSchema.safeParse(body);
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error) };
  const range = programRangeIssues(parsed.data).map((i) => ({ path: formatPath(i.path), message: i.message }));
  if (range.length > 0) return { ok: false, issues: range };
  return { ok: true, model: programToModel(parsed.data), options: resolveOptions(parsed.data.options) };
}

/**
 * About a second of selector evaluations at worst (selectors without matchLabels; with them, an index
 * leaves only the label sets that share a pair). 5 000 × 150 000 clusters have some 10 000 000.
 */
export const DEFAULT_MAX_RULE_WORK = 20_000_000;
/** Steps to tabulate what is keyed by distinct node and container keys (some 4 s, at most 800 MB of doubles). */
export const DEFAULT_MAX_TABLE_WORK = 100_000_000;

/** Problem-size limits (a request over any of them is refused before solving). */
export interface ProblemLimits {
  readonly maxNodes: number;
  readonly maxContainers: number;
  /** Entries of an explicit per-pair matrix (costs.matrix, a program's matrices): nodes × containers. */
  readonly maxPairs: number;
  readonly maxResources: number;
  /** Largest options.timeLimitMs accepted (ms). */
  readonly maxTimeLimitMs: number;
  /**
   * Distinct (anti-)affinity and spread terms × distinct container label sets: the selector evaluations (default
   * DEFAULT_MAX_RULE_WORK).
   */
  readonly maxRuleWork?: number;
  /** Steps to tabulate what is keyed by distinct node and container keys (default DEFAULT_MAX_TABLE_WORK). */
  readonly maxTableWork?: number;
}

/** Size issues (→ 422) for a model that passed its schema. */
export function sizeIssues(model: AssignmentModel, limits: ProblemLimits): InputIssue[] {
  const issues: InputIssue[] = [];
  const n = model.nodes.length;
  const m = model.items.length;
  const [nodes, containers] = model.kind === 'snapshot' ? ['nodes', 'containers'] : ['cost', 'cost[0]'];
  if (n > limits.maxNodes) issues.push({ path: nodes, message: `${n} nodes exceed the limit of ${limits.maxNodes}` });
  if (m > limits.maxContainers)
    issues.push({ path: containers, message: `${m} containers exceed the limit of ${limits.maxContainers}` });
  if (model.kind === 'program' && n * m > limits.maxPairs)
    issues.push({
      path: nodes,
      message: `${n} nodes × ${m} containers = ${n * m} matrix entries exceed the limit of ${limits.maxPairs}`,
    });
  const penalties = model.rules?.unplacedPenalty;
  if (penalties && maxOf(penalties) > 2 ** 50) {
    // Lexicographic priorities multiply: past 2^50 the objective would no longer be exact in doubles.
    issues.push({
      path: 'containers',
      message:
        'the priorities span too many levels for exact lexicographic weighting ' +
        'with this many containers; use fewer distinct priorities',
    });
  }
  if (model.resources.length > limits.maxResources) {
    issues.push({
      path: model.kind === 'snapshot' ? 'nodes' : 'capacity',
      message: `${model.resources.length} resources exceed the limit of ${limits.maxResources}`,
    });
  }
  return issues;
}

/** An option over a server limit (→ 400, it names a field). */
export function optionIssues(options: SolveOptions, limits: ProblemLimits): InputIssue[] {
  return options.timeLimitMs > limits.maxTimeLimitMs
    ? [{ path: 'options.timeLimitMs', message: `must be at most ${limits.maxTimeLimitMs} (this server's maximum)` }]
    : [];
}
