import { demandUnits, type AssignmentModel, type DisruptionBudget } from '../../models/model.js';
import { blockAt } from '../../models/pairs.js';
import { replayWaves, type Wave } from './replay.js';
import { addDemand, hardRules, hardViolations, stillRunning, usageOf, type ChangeSet } from './units.js';

/** A change ordered from one placement to another, or undefined where no safe order was found. */
export type Order = (start: Int32Array, target: Int32Array) => readonly Wave[] | undefined;

/**
 * Waves through the model's temporary nodes (options.temporaryNodes, docs/changes.md), where the change is stuck for
 * room. The stuck units that run today are parked on temporary nodes (the first where each container fits, is
 * allowed, and keeps every hard rule), and the change is ordered in two stages, today → parked and parked → target,
 * by `order`. They are one plan only if the replay verifier passes them as one, from today to the target. Returns
 * the waves and the temporary nodes they use, or undefined.
 */
export function throughTemporary(
  model: AssignmentModel,
  set: ChangeSet,
  budgets: readonly DisruptionBudget[],
  stuck: readonly number[],
  order: Order,
): { waves: readonly Wave[]; used: readonly number[] } | undefined {
  const mid = parked(model, set, stuck);
  if (!mid) return undefined;
  const first = order(set.start, mid);
  const second = first && order(mid, set.target);
  if (!first || !second) return undefined;
  const waves = [...first, ...second];
  if (replayWaves(model, set.start, set.target, waves, budgets).length > 0) return undefined;
  const used = (model.temporary ?? []).filter((i) => mid.includes(i));
  return { waves, used };
}

/** Today's placement with as many stuck running units as fit moved to temporary nodes; undefined if none fits. */
function parked(model: AssignmentModel, set: ChangeSet, stuck: readonly number[]): Int32Array | undefined {
  const temporary = model.temporary ?? [];
  const mid = set.start.slice();
  const used = usageOf(model, mid);
  const rules = hardRules(model);
  const m = model.items.length;
  const fits = (j: number, i: number): boolean =>
    (!model.rules || blockAt(model.rules.blocked, i, j) === 0) &&
    model.resources.every((r, k) => used[k]![i]! + demandUnits(r, i, j, m) <= r.capacity[i]!);
  let any = false;
  for (const u of stuck) {
    const items = set.units[u]!.items;
    if (!items.every((j) => set.start[j]! >= 0)) continue;
    const moved: number[] = [];
    for (const j of items) {
      const to = temporary.find((i) => fits(j, i));
      if (to === undefined) break;
      addDemand(model, used, j, to, 1n);
      mid[j] = to;
      moved.push(j);
    }
    const keeps =
      moved.length === items.length && hardViolations(model, rules, mid, stillRunning(set.start, mid)).length === 0;
    if (keeps) {
      any = true;
      continue;
    }
    for (const j of moved) {
      addDemand(model, used, j, mid[j]!, -1n);
      mid[j] = set.start[j]!;
    }
  }
  return any ? mid : undefined;
}
