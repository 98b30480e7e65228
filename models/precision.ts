import { preferenceWeightOf, topologyWeightOf, type AssignmentModel } from './model.js';
import { forEachCost } from './pairs.js';
import { preferenceRange } from './preferences.js';
import { kindOf } from './rules/registry.js';
import { keepFreeRuleOf } from './rules/keepFree.js';

/**
 * How exactly objectives can be told apart. Costs are doubles and the solvers work in doubles, so an
 * objective is only as exact as its scale allows:
 * - the scale S: the largest |objective| the weighted costs can reach (Σ_j max_i |w c_ij|, the balance
 *   weight, the pack weight × every price); the unplaced penalties are powers of two, exact on their own,
 *   and only need the whole sum to stay on the grid below 2^53 steps;
 * - the resolution r: when every cost is a decimal with at most MAX_DECIMALS places, the power of ten
 *   all of them are multiples of (every objective is then a multiple of r); none otherwise (the default
 *   score, computed as a ratio, or a balance term).
 * A problem with S / r above MAX_SCALE_OVER_RESOLUTION is refused (422): two plans r apart would be within
 * the solvers' relative precision of each other, so "optimal" could not be proven.
 */
export interface ObjectivePrecision {
  /** The largest |objective| of the weighted costs (unplaced penalties aside). */
  readonly scale: number;
  readonly resolution?: number;
  /** Σ of the unplaced penalties (powers of two, exact on their own). */
  readonly penalties: number;
  /** The most the topology part can be, in its steps of 1 (its level weights are integers). */
  readonly topologySteps?: number;
  /** options.topology.keepFreeWeight and the domains of keepFree's level, where the weight was given. */
  readonly keepFreeGiven?: { readonly weight: number; readonly domains: number };
}

export const MAX_DECIMALS = 9;
export const MAX_SCALE_OVER_RESOLUTION = 1e9;

/**
 * The decimal places of the shortest decimal that reads back as `v` (JavaScript's own rendering of a
 * number), e.g. 0.1 → 1, 2.5e-7 → 8, 1/3 → 16: a cost written as a decimal keeps its places; a computed
 * ratio has many.
 */
export function decimalsOf(v: number): number {
  const [digits = '', exponent = '0'] = String(Math.abs(v)).split('e');
  const point = digits.indexOf('.');
  const fraction = point < 0 ? 0 : digits.length - point - 1;
  return Math.max(0, fraction - Number(exponent));
}

export function objectivePrecision(model: AssignmentModel): ObjectivePrecision {
  const n = model.nodes.length;
  const m = model.items.length;
  const w = model.objective;
  const costWeight = w ? w.cost : 1;
  let scale = 0;
  // Computed costs (ratios) and the balance term have no decimal grid: "optimal" is then within a tolerance.
  // (Derived costs count only where they are weighted: pack alone is a sum of prices.)
  let decimals: number | undefined = (w && w.balance > 0) || (model.derivedCosts && costWeight !== 0) ? undefined : 0;
  const see = (v: number): void => {
    if (decimals === undefined || Number.isInteger(v)) return;
    const d = decimalsOf(v);
    decimals = d > MAX_DECIMALS ? undefined : Math.max(decimals, d);
  };
  const most = new Float64Array(m);
  forEachCost(model.cost, n, m, (j, cost) => {
    const c = costWeight * cost;
    if (Math.abs(c) > most[j]!) most[j] = Math.abs(c);
    see(c);
  });
  for (let j = 0; j < m; j++) scale += most[j]!;
  // The preferences part: integer violations times integer weights, times its objective weight.
  const soft = preferenceWeightOf(model);
  const groups = model.rules?.groups ?? [];
  const prefs = model.rules?.nodePreferences ?? [];
  const range = preferenceRange(m, prefs, groups);
  if (soft > 0 && (prefs.length > 0 || groups.some((g) => kindOf(g).preference))) {
    scale += soft * range.preferences;
    see(soft);
  }
  // The topology part: integer spans times integer level weights, times its objective weight.
  const spread = topologyWeightOf(model);
  if (spread > 0 && range.topology > 0) {
    scale += spread * range.topology;
    see(spread);
  }
  let penalties = 0;
  for (const p of model.rules?.unplacedPenalty ?? []) penalties += p;
  if (w) {
    scale += w.balance;
    for (const price of w.price) {
      scale += w.pack * price;
      see(w.pack * price);
    }
  }
  const free = keepFreeRuleOf(model);
  const steps = {
    ...(range.topology > 0 ? { topologySteps: range.topology } : {}),
    ...(free?.given ? { keepFreeGiven: { weight: free.weight, domains: free.domains.length } } : {}),
  };
  return decimals === undefined
    ? { scale, penalties, ...steps }
    : { scale, penalties, resolution: 10 ** -decimals, ...steps };
}

/** Why the objective cannot be exact enough (→ 422), or nothing. */
export function precisionIssues(p: ObjectivePrecision): { path: string; message: string }[] {
  if (!Number.isFinite(p.scale))
    return [
      {
        path: 'costs',
        message: 'the objective can reach a value beyond the range of doubles: use smaller costs, prices or weights',
      },
    ];
  if (p.resolution !== undefined && (p.scale + p.penalties) / p.resolution > 2 ** 53) {
    return [
      {
        path: 'containers',
        message:
          "the priorities and costs together span more than 2^53 steps of the costs' resolution: the objective " +
          'would not be exact; use fewer distinct priorities or fewer decimals',
      },
    ];
  }
  const given = p.keepFreeGiven;
  if (given && given.weight * given.domains > MAX_SCALE_OVER_RESOLUTION)
    return [
      {
        path: 'options.topology.keepFreeWeight',
        message:
          `each of the ${given.domains} domains of keepFree's level in use costs ${given.weight}: past ` +
          `${MAX_SCALE_OVER_RESOLUTION.toExponential(0)} steps, solvers in double precision cannot prove which plan ` +
          `is best; use a keepFreeWeight of at most ${Math.floor(MAX_SCALE_OVER_RESOLUTION / given.domains)}`,
      },
    ];
  if ((p.topologySteps ?? 0) > MAX_SCALE_OVER_RESOLUTION)
    return [
      {
        path: 'options.topology.levels',
        message:
          `the topology part can reach ${p.topologySteps!.toPrecision(6)} steps ` +
          "(each level's weight, and keepFree's, exceeds all below it): " +
          `past ${MAX_SCALE_OVER_RESOLUTION.toExponential(0)} steps, solvers in double precision cannot prove which ` +
          'plan spans fewest; use fewer levels or groups, or no keepFree',
      },
    ];
  if (p.resolution !== undefined && p.scale / p.resolution > MAX_SCALE_OVER_RESOLUTION) {
    return [
      {
        path: 'costs',
        message:
          `the objective can reach ${p.scale.toPrecision(6)} while costs differ in steps of ${p.resolution}: ` +
          `past ${MAX_SCALE_OVER_RESOLUTION.toExponential(0)} steps, solvers in double precision cannot prove ` +
          'which plan is optimal; use fewer decimals or smaller costs (with priorities: fewer priority levels)',
      },
    ];
  }
  return [];
}
