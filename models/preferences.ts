import type { GroupRule, NodePreference } from './model.js';
import { own } from './own.js';
import { fillKeyed, keysOf, keysOfShapes } from './pairs.js';
import { kindOf } from './rules/registry.js';
import { SCORE_WEIGHTS } from './rules/weights.js';
import { nodeAffinityMatches, tolerates } from './selectors.js';
import { sharedFloat64 } from './shared.js';
import type { ContainerShapes } from './shapes.js';
import type { Snapshot } from './snapshot.js';

/**
 * The preferences between a container and a node, each a keyed table of weighted violations (models/pairs.ts):
 * - preferred node affinity: the weight of each term the node does not match, times NodeAffinity's score weight;
 * - PreferNoSchedule taints: each such taint of the node the container does not tolerate, times
 *   TaintToleration's score weight.
 * A table is built only where some pair violates it.
 */
export function nodePreferences(s: Snapshot, shapes: ContainerShapes): NodePreference[] {
  const out: NodePreference[] = [];
  if (s.containers.some((c) => (c.preferredNodeAffinity?.length ?? 0) > 0)) out.push(nodeAffinityTable(s, shapes));
  if (s.nodes.some((node) => (node.taints ?? []).some((t) => t.effect === 'PreferNoSchedule')))
    out.push(preferNoScheduleTable(s, shapes));
  return out.filter((p) => p.table.values.some((v) => v > 0));
}

function nodeAffinityTable(s: Snapshot, shapes: ContainerShapes): NodePreference {
  const keys = new Set<string>();
  let names = false;
  for (const j of shapes.first)
    for (const w of s.containers[j]!.preferredNodeAffinity ?? []) {
      for (const e of w.preference.matchExpressions ?? []) keys.add(e.key);
      if ((w.preference.matchFields?.length ?? 0) > 0) names = true;
    }
  const sorted = [...keys].sort();
  const rows = keysOf(s.nodes.length, (i) => {
    const node = s.nodes[i]!;
    return JSON.stringify([sorted.map((k) => own(node.labels, k) ?? null), names ? node.name : null]);
  });
  const cols = keysOfShapes(shapes, (j) => JSON.stringify(s.containers[j]!.preferredNodeAffinity ?? []));
  const table = fillKeyed(rows, cols, sharedFloat64, (i, j) => {
    const node = s.nodes[i]!;
    let missed = 0;
    for (const w of s.containers[j]!.preferredNodeAffinity ?? [])
      if (!nodeAffinityMatches([w.preference], node.labels ?? {}, node.name)) missed += w.weight;
    return SCORE_WEIGHTS.nodeAffinity * missed;
  });
  return { name: 'preferred node affinity', table };
}

function preferNoScheduleTable(s: Snapshot, shapes: ContainerShapes): NodePreference {
  const rows = keysOf(s.nodes.length, (i) =>
    JSON.stringify((s.nodes[i]!.taints ?? []).filter((t) => t.effect === 'PreferNoSchedule')),
  );
  const cols = keysOfShapes(shapes, (j) => JSON.stringify(s.containers[j]!.tolerations ?? []));
  const table = fillKeyed(rows, cols, sharedFloat64, (i, j) => {
    const tolerations = s.containers[j]!.tolerations ?? [];
    const prefer = (s.nodes[i]!.taints ?? []).filter((t) => t.effect === 'PreferNoSchedule');
    return SCORE_WEIGHTS.taintToleration * prefer.filter((t) => !tolerations.some((tol) => tolerates(tol, t))).length;
  });
  return { name: 'PreferNoSchedule taints', table };
}

/**
 * Upper bounds of the preferences part over every plan (each container's worst node preferences, and each
 * preference rule's most violations times its weight) and of the topology part (its rules' alike).
 */
export function preferenceRange(
  m: number,
  prefs: readonly NodePreference[],
  rules: readonly GroupRule[],
): { preferences: number; topology: number } {
  let range = 0;
  let topology = 0;
  for (const { table } of prefs) {
    // The worst entry of each column key, over the row keys (what is distinct, not nodes × containers).
    const worst = new Float64Array(table.cols);
    for (let k = 0; k < table.values.length; k++)
      worst[k % table.cols] = Math.max(worst[k % table.cols]!, table.values[k]!);
    for (let j = 0; j < m; j++) range += worst[table.colKey[j]!]!;
  }
  for (const rule of rules) {
    const part = kindOf(rule).preference;
    if (part?.part === 'topology') topology += part.weight(rule) * part.most(rule);
    else if (part) range += part.weight(rule) * part.most(rule);
  }
  return { preferences: range, topology };
}
