import { domainIndex, senseSign, type AssignmentModel } from '../../models/model.js';
import { keepFreeAround, keepFreeRuleOf, type KeepFreeRule } from '../../models/rules/keepFree.js';
import { itemsOf } from '../../models/rules/registry.js';
import { topologyGroupsOf } from '../../models/rules/topologyGroup.js';
import { TIME } from '../strategy.js';
import { verifyPlan } from '../verify.js';
import { freedPlan, solveFreed, type AroundFixed } from './lns.js';
import { seededRandom, type SearchOptions } from './options.js';

/**
 * Large-neighbourhood search over topology-aware groups, for clusters where the per-node program over every
 * container does not fit a solver thread (docs/topology.md, "Solving"). Each step frees a few groups that share a
 * domain of the top level (a block), and every container their rules reach, and solves them exactly with the
 * capacity everything else leaves (the sub-program engine, over every node: a group may move to another block).
 * The freed set is closed under the rules (all but those over hundreds of containers), so the sub-program holds
 * every rule its containers are in, whole. A sub-plan is taken when the whole plan, checked by the verifier, is
 * worth no less. With keepFree, every other step frees instead the containers of one domain of its level, least
 * used first, so that the sub-program may leave it free. The search stops at the deadline, or after a round that
 * freed whole blocks (or domains), solved each to the optimum and found nothing better. On the `ai` suite at
 * 1 024 nodes, from the Kueue-style plan, it takes the gap to the cover bound from 0.77% to 0.48% in 20 s
 * (in-process).
 */
export function gangLns(
  model: AssignmentModel,
  start: Int32Array,
  options: SearchOptions & { readonly shouldStop?: () => boolean; readonly steps?: number; readonly stepMs?: number },
): Int32Array {
  const sign = senseSign(model.sense);
  const reach = reachOf(model);
  const groups = topologyGroupsOf(model).map((g) => g.items);
  const top = model.topology?.domains[0];
  const blockOf = top ? domainIndex(top, model.nodes.length) : new Int32Array(model.nodes.length).fill(0);
  const free = keepFreeRuleOf(model);
  const rand = seededRandom(options.seed ?? 12345);
  let plan: Int32Array = start.slice();
  let best = sign * verifyPlan(model, plan, true).objective;
  const going = (step: number): boolean =>
    step < (options.steps ?? Infinity) && Date.now() < options.deadline - 20 && !options.shouldStop?.();
  // A round: a turn per group (and, with keepFree, one emptying a domain between two). Where every step of a round
  // freed whole blocks (or one domain's containers), solved them to the optimum and found nothing better, no later
  // round can (its neighbourhoods are the same): the search stops.
  const round = free ? 2 * groups.length : groups.length;
  let settled = true;
  for (let step = 0; groups.length > 0 && going(step); step++) {
    if (step > 0 && step % round === 0) {
      if (settled) break;
      settled = true;
    }
    const hood =
      free && step % 2 === 1
        ? emptying(model, free, plan, { k: step >> 1, turns: groups.length }, reach)
        : neighbourhood(groups, (free ? step >> 1 : step) % groups.length, plan, blockOf, reach, rand);
    const timeLimitMs = Math.min(options.stepMs ?? TIME.lnsStepMs, options.deadline - Date.now() - 10);
    if (timeLimitMs <= 0) break;
    if (!hood.free || !hood.all) settled = false;
    if (!hood.free) continue;
    // Over a few blocks, one of them drawn at random, the next round's step differs: it does not settle the round.
    const within = model.nodes.length * hood.free.length > WITHIN_BLOCKS_FROM;
    const result = solveFreed(model, plan, hood.free, timeLimitMs, {
      around: aroundFixed(model.nodes.length, free, plan, hood.free),
      ...(within ? { within: blocksOf(plan, hood.free, blockOf, rand) } : {}),
    });
    if (result.status !== 'optimal' || within) settled = false;
    // Relative: the topology part reaches 1e11 and more, where sums in another order differ in the last bits.
    const tolerance = 1e-9 * Math.max(1, Math.abs(best));
    const taken = freedPlan(model, plan, hood.free, result.assignment, best + tolerance);
    if (!taken) continue;
    const better = taken.value < best - tolerance;
    ({ plan, value: best } = taken);
    if (!better) continue;
    settled = false;
    options.onImprove?.(plan.slice(), taken.objective);
  }
  return plan;
}

/** Most containers one step frees (a larger closure is passed over). */
const MOST_FREED = 400;

/**
 * Most node × container pairs of one step's sub-program (as many as the per-node program takes on before the
 * scale path): at 4 096 nodes a step frees at most 244 containers.
 */
const MOST_PAIRS = 1_000_000;

/** Groups freed together: the one whose turn it is and up to this many more in its block. */
const MORE_GROUPS = 2;

/**
 * The containers one step frees: group `turn` and up to MORE_GROUPS others with a member in the same block, and
 * every container their rules reach (`free`: undefined where a member is not placed, as the sub-program places
 * every container it holds, or the closure passes MOST_FREED); `all`: no other group of the block was left out.
 */
function neighbourhood(
  groups: readonly (readonly number[])[],
  turn: number,
  plan: Int32Array,
  blockOf: Int32Array,
  reach: (seed: readonly number[]) => number[] | undefined,
  rand: () => number,
): { free: number[] | undefined; all: boolean } {
  const first = groups[turn]!;
  if (first.some((j) => plan[j]! < 0)) return { free: undefined, all: false };
  const block = blockOf[plan[first[0]!]!]!;
  const others = groups.filter((g, x) => x !== turn && g.some((j) => plan[j]! >= 0 && blockOf[plan[j]!] === block));
  const all = others.length <= MORE_GROUPS;
  const picked = [first];
  while (picked.length <= MORE_GROUPS && others.length > 0)
    picked.push(others.splice(Math.floor(rand() * others.length), 1)[0]!);
  const free = reach(picked.flat());
  return { free: free && free.every((j) => plan[j]! >= 0) ? free : undefined, all };
}

/**
 * With keepFree: the containers of the `k`-th least used domain of its level (by containers, then index) that holds
 * no pinned container, and every container their rules reach; `all`: a round's `turns` steps try every domain. The
 * sub-program's keepFree leaves out the domains the others keep in use (aroundFixed), so it empties this one where
 * the rest of the plan takes its containers.
 */
function emptying(
  model: AssignmentModel,
  rule: KeepFreeRule,
  plan: Int32Array,
  { k, turns }: { k: number; turns: number },
  reach: (seed: readonly number[]) => number[] | undefined,
): { free: number[] | undefined; all: boolean } {
  const domainOf = domainIndex(rule.domains, model.nodes.length);
  const on: number[][] = rule.domains.map(() => []);
  const pinned = new Uint8Array(rule.domains.length);
  plan.forEach((i, j) => {
    const d = i < 0 ? -1 : domainOf[i]!;
    if (d < 0) return;
    on[d]!.push(j);
    if ((model.rules?.blocked.pinnedTo?.[j] ?? -1) >= 0) pinned[d] = 1;
  });
  const candidates = on.flatMap((items, d) => (items.length > 0 && !pinned[d] ? [d] : []));
  candidates.sort((a, b) => on[a]!.length - on[b]!.length || a - b);
  if (candidates.length === 0) return { free: undefined, all: true };
  // A round's `turns` emptying steps try every candidate only where there are no more of them.
  return { free: reach(on[candidates[k % candidates.length]!]!), all: candidates.length <= turns };
}

/**
 * The closure of a set of containers under the rules' members (ascending), or undefined past MOST_FREED (or
 * MOST_PAIRS over the nodes). Left out: keepFree's rule (over every container), which the sub-program holds around
 * the fixed ones (aroundFixed), and any rule with more members than MOST_FREED, which it does not hold: the
 * verifier, on the whole plan, does.
 */
function reachOf(model: AssignmentModel): (seed: readonly number[]) => number[] | undefined {
  const members = (model.rules?.groups ?? []).map((rule) => [...new Set(itemsOf(rule))]);
  const rulesOf: number[][] = model.items.map(() => []);
  const free = keepFreeRuleOf(model);
  const most = Math.min(MOST_FREED, Math.floor(MOST_PAIRS / Math.max(1, model.nodes.length)));
  members.forEach((items, g) => {
    if (items.length <= MOST_FREED && model.rules!.groups[g] !== free) items.forEach((j) => rulesOf[j]!.push(g));
  });
  return (seed) => {
    const set = new Set(seed);
    const queue = [...seed];
    while (queue.length > 0) {
      for (const g of rulesOf[queue.pop()!]!)
        for (const j of members[g]!) {
          if (set.has(j)) continue;
          set.add(j);
          queue.push(j);
        }
      if (set.size > most) return undefined;
    }
    return set.size > most ? undefined : [...set].sort((a, b) => a - b);
  };
}

/** keepFree over the freed containers, the domains that the others keep in use left out (keepFreeAround). */
function aroundFixed(
  n: number,
  rule: KeepFreeRule | undefined,
  plan: Int32Array,
  free: readonly number[],
): AroundFixed {
  const busy = new Uint8Array(n);
  const freed = new Set(free);
  plan.forEach((i, j) => i >= 0 && !freed.has(j) && (busy[i] = 1));
  return (r, mapped) => (r === rule ? keepFreeAround(mapped as KeepFreeRule, busy) : undefined);
}

/**
 * From this many node × container pairs a step's sub-program is over a few blocks (blocksOf), not every node: on
 * the ai suite at 4 096 nodes that took the compact plan from 1 125 128 215 to 1 124 997 143 in 25 s in-process;
 * at 1 024 nodes (below it) it lost ground, after the spans 0.27% -> 0.31%.
 */
const WITHIN_BLOCKS_FROM = 250_000;

/**
 * The nodes of the blocks the freed containers run on, and of one more block at random (where there is another):
 * a step's sub-program over those alone is a few blocks' nodes, not the cluster's, and a group may still change
 * block.
 */
function blocksOf(plan: Int32Array, free: readonly number[], blockOf: Int32Array, rand: () => number): Uint8Array {
  const blocks = new Set(free.map((j) => blockOf[plan[j]!]!));
  const count = blockOf.reduce((most, b) => Math.max(most, b + 1), 0);
  const others = Array.from({ length: count }, (_, b) => b).filter((b) => !blocks.has(b));
  if (others.length > 0) blocks.add(others[Math.floor(rand() * others.length)]!);
  return Uint8Array.from(blockOf, (b) => (blocks.has(b) ? 1 : 0));
}
