import type { AssignmentModel, DisruptionBudget, GroupRule } from '../../models/model.js';
import { gangsOf } from '../../models/rules/gang.js';
import { verifyPlan } from '../verify.js';
import { addDemand, hardRules, hardViolations, healthyToday, stillRunning, surgeBar, usageOf } from './units.js';

/**
 * One wave of a change plan: containers evicted first, then containers bound (node indices). The containers in
 * `surge` (options.surge) are bound without an eviction: their replacements start on the new node while they run
 * on, and they are deleted once the replacements are Ready, at the wave's end.
 */
export interface Wave {
  readonly evict: readonly number[];
  readonly bind: readonly (readonly [number, number])[];
  readonly surge?: readonly number[];
}

/**
 * The independent replay verifier of a change plan (docs/changes.md). It applies each wave to today's placement
 * and checks, reading only the model, the budgets and the waves:
 * - each eviction is of a running container, each binding of one not running, no container twice in a wave;
 * - the members of a gang that change do so in one wave;
 * - every budget: each wave evicts at most the disruptions it allows when the wave starts (its healthy pods less
 *   desiredHealthy; none where it expects no pods); an unhealthy pod counts unless the Eviction API lets it go
 *   without the budget (AlwaysAllow, or IfHealthyBudget with the budget healthy);
 * - after each wave, every node within capacity and every hard rule holding where a container arrived (the plan
 *   verifier, with the containers still where they ran today counted but not checked, as kube-scheduler never
 *   evicts a running pod for a rule); between evictions and bindings the running containers are a subset of the
 *   state before;
 * - surge: each surged container runs, has no pod terms of its own and does not move within one domain of a rule
 *   that counts it (solver/changes/units.ts surgeBar), and each budget surges at most options.surge of its pods in a
 *   wave; in the wave's middle (the surged containers still where they ran, their replacements on their new nodes
 *   beside them) every node is within capacity and every arrived container keeps the hard rules;
 * - the last state is the target.
 * Containers bound in a wave are healthy from the next one: the start-up allowance is the wave's wait.
 * Returns the violations, empty when the plan is safe.
 */
export function replayWaves(
  model: AssignmentModel,
  start: Int32Array,
  target: Int32Array,
  waves: readonly Wave[],
  budgets: readonly DisruptionBudget[],
): string[] {
  // Today every container runs where it runs: only capacity can be broken before the first wave.
  const first = verifyPlan(model, start, false, stillRunning(start, start));
  if (!first.valid) return [`today's placement breaks: ${first.violations.slice(0, 3).join('; ')}`];
  const state = start.slice();
  const healthy = healthyToday(budgets, start.length);
  const out: string[] = [];
  // What surge checks read of the model, once for every wave.
  const surging = waves.some((w) => (w.surge?.length ?? 0) > 0)
    ? { barred: surgeBar(model), rules: hardRules(model) }
    : undefined;
  waves.forEach((w, t) => {
    const at = `wave ${t + 1}`;
    out.push(...budgetViolations(model, budgets, healthy, w, at), ...gangViolations(model, start, target, w, at));
    if (surging) out.push(...surgeViolations(model, budgets, state, w, at, surging.barred));
    for (const j of w.evict) {
      if (state[j]! < 0) out.push(`${at}: evicts "${model.items[j]}", which is not running`);
      state[j] = -1;
      healthy[j] = 0;
    }
    const surged = new Set(w.surge ?? []);
    for (const [j, i] of w.bind) {
      if (surged.has(j)) continue;
      if (state[j]! >= 0) out.push(`${at}: binds "${model.items[j]}", which is running`);
      state[j] = i;
    }
    if (surged.size > 0) {
      out.push(...middleViolations(model, start, state, w, at, surging!.rules));
      for (const [j, i] of w.bind) if (surged.has(j)) state[j] = i;
    }
    // The containers still where they ran are running: only those that moved are checked where they arrived.
    const v = verifyPlan(model, state, false, stillRunning(start, state));
    if (!v.valid) out.push(...v.violations.map((x) => `after ${at}: ${x}`));
    for (const [j] of w.bind) healthy[j] = 1;
  });
  const off = state.findIndex((x, j) => x !== target[j]);
  if (off >= 0) out.push(`the waves end with "${model.items[off]}" elsewhere than the target puts it`);
  return out;
}

function budgetViolations(
  model: AssignmentModel,
  budgets: readonly DisruptionBudget[],
  healthy: Uint8Array,
  w: Wave,
  at: string,
): string[] {
  const evicted = new Set(w.evict);
  const selecting = new Map<number, number>();
  for (const b of budgets) for (const j of b.items) if (evicted.has(j)) selecting.set(j, (selecting.get(j) ?? 0) + 1);
  // The Eviction API refuses a pod that more than one budget selects.
  const refused = [...selecting].flatMap(([j, k]) =>
    k > 1 ? [`${at}: evicts "${model.items[j]}", which ${k} budgets select: the Eviction API refuses it`] : [],
  );
  return refused.concat(
    budgets.flatMap((b) => {
      const now = b.items.filter((j) => healthy[j]).length;
      const allowed = b.expected <= 0 ? 0 : Math.max(0, now - b.desiredHealthy);
      // An unhealthy pod is evicted without the budget where the policy allows it (eviction.go).
      const bypass = b.alwaysAllowUnhealthy || (now >= b.desiredHealthy && b.desiredHealthy > 0);
      const down = b.items.filter((j) => evicted.has(j) && (healthy[j] || !bypass)).length;
      if (down <= allowed) return [];
      return [`${at}: evicts ${down} pods of budget ${b.name}, which allows ${allowed} (${now} healthy)`];
    }),
  );
}

/** Surged containers that do not run or are evicted too, and budgets that surge more than options.surge. */
function surgeViolations(
  model: AssignmentModel,
  budgets: readonly DisruptionBudget[],
  state: Int32Array,
  w: Wave,
  at: string,
  barred: ReturnType<typeof surgeBar>,
): string[] {
  const surged = new Set(w.surge ?? []);
  if (surged.size === 0) return [];
  const out: string[] = [];
  const to = new Map(w.bind);
  for (const j of surged) {
    const name = model.items[j];
    if (state[j]! < 0 || w.evict.includes(j) || !to.has(j))
      out.push(`${at}: surges "${name}", which is not running, or is evicted, or is not bound anew`);
    else if (barred(j, state[j]!, to.get(j)!))
      out.push(
        `${at}: surges "${name}", whose replacement beside it one copy per container cannot check (its own pod ` +
          'terms, or a domain of a rule that counts it)',
      );
  }
  const most = model.surge ?? 0;
  for (const b of budgets) {
    const n = b.items.filter((j) => surged.has(j)).length;
    if (n > most) out.push(`${at}: surges ${n} pods of budget ${b.name}, where options.surge allows ${most}`);
  }
  return out;
}

/**
 * The wave's middle: the surged containers still on their nodes in `state`, their replacements on their new nodes
 * beside them. Every node within capacity, and every container that arrived keeps the hard rules.
 */
function middleViolations(
  model: AssignmentModel,
  start: Int32Array,
  state: Int32Array,
  w: Wave,
  at: string,
  rules: readonly GroupRule[],
) {
  const surged = new Set(w.surge ?? []);
  const used = usageOf(model, state);
  for (const [j, i] of w.bind) if (surged.has(j)) addDemand(model, used, j, i, 1n);
  const out: string[] = [];
  model.resources.forEach((r, k) =>
    used[k]!.forEach((u, i) => {
      if (u > r.capacity[i]!)
        out.push(`${at}, before the surged pods leave: node "${model.nodes[i]}" is over its ${r.name} capacity`);
    }),
  );
  const where = `${at}, before the surged pods leave`;
  const v = verifyPlan(model, state, false, stillRunning(start, state));
  if (!v.valid) out.push(...v.violations.map((x) => `${where}: ${x}`));
  // Each replacement against every surged container still where it ran, in the rules between containers (against
  // the others that arrived, and in capacity, the checks above and after the wave hold it).
  for (const [j, i] of w.bind) {
    if (!surged.has(j)) continue;
    const beside = state.slice();
    beside[j] = i;
    const broken = hardViolations(model, rules, beside, stillRunning(start, beside));
    out.push(...broken.map((x) => `${where}, ${model.items[j]}'s replacement: ${x}`));
  }
  return out;
}

function gangViolations(model: AssignmentModel, start: Int32Array, target: Int32Array, w: Wave, at: string) {
  const inWave = new Set([...w.evict, ...w.bind.map(([j]) => j)]);
  return gangsOf(model).flatMap((g) => {
    const changing = g.items.filter((j) => start[j] !== target[j]);
    const here = changing.filter((j) => inWave.has(j)).length;
    return here === 0 || here === changing.length
      ? []
      : [`${at}: moves ${here} of the ${changing.length} changing members of gang ${g.name}, not all`];
  });
}
