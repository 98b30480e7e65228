import type { AssignmentModel } from '../models/model.js';
import { allowedNow } from '../solver/changes/greedy-waves.js';
import { healthyToday } from '../solver/changes/units.js';
import type { ChangePlan } from '../solver/changes/order.js';
import type { Wave } from '../solver/changes/replay.js';
import type { ChangesAnswer } from './schemas.js';

/**
 * The change plan as the answer gives it (docs/changes.md): each wave with its cordons, evictions and bindings by
 * name, the nodes it leaves empty, the objects kubectl sends, and one runbook line. `plan` undefined: no thread
 * ordered the change in time (status unknown).
 */
export function changesJson(model: AssignmentModel, start: Int32Array, plan: ChangePlan | undefined): ChangesAnswer {
  if (!plan)
    return {
      status: 'unknown',
      waves: [],
      fewestWaves: 0,
      moves: 0,
      blocked: ['no solver thread ordered the change within the time limit'],
      proven: false,
      runbook: [],
    };
  const waves = wavesJson(model, start, plan);
  return {
    status: plan.status,
    waves: waves.map((w) => w.json),
    fewestWaves: plan.bound,
    moves: plan.waves.reduce(
      (t, w) => t + w.evict.length + (w.surge?.length ?? 0) + w.bind.filter(([j]) => start[j]! < 0).length,
      0,
    ),
    blocked: [...plan.blocked],
    proven: plan.proven,
    runbook: waves.map((w) => w.line),
    ...(plan.temporary.length > 0 ? { temporaryNodes: plan.temporary.map((i) => model.nodes[i]!) } : {}),
  };
}

function wavesJson(model: AssignmentModel, start: Int32Array, plan: ChangePlan) {
  const state = start.slice();
  const budgets = model.budgets ?? [];
  const healthy = healthyToday(budgets, start.length);
  const emptied = new Set(plan.emptied);
  const temporary = new Set(plan.temporary);
  return plan.waves.map((w, t) => {
    const allows = budgets.map((b) => allowedNow(b, healthy));
    // A pod parked on a temporary node is evicted from there later.
    const from = w.evict.map((j) => model.nodes[state[j]!]!);
    const surged = (w.surge ?? []).map((j) => ({ j, from: state[j]! }));
    for (const j of w.evict) [state[j], healthy[j]] = [-1, 0];
    for (const [j, i] of w.bind) [state[j], healthy[j]] = [i, 1];
    // A temporary node is watched from the wave that parks a pod there.
    for (const [, i] of w.bind) if (temporary.has(i)) emptied.add(i);
    const empty = [...emptied].filter((i) => !state.includes(i));
    for (const i of empty) emptied.delete(i);
    const cordon = t === 0 ? plan.emptied.map((i) => model.nodes[i]!) : [];
    const json = {
      wave: t + 1,
      cordon,
      evict: w.evict.map((j, k) => ({ container: model.items[j]!, from: from[k]! })),
      bind: w.bind.map(([j, i]) => ({ container: model.items[j]!, node: model.nodes[i]! })),
      ...(surged.length > 0
        ? {
            surge: surged.map(({ j, from }) => ({
              container: model.items[j]!,
              from: model.nodes[from]!,
              node: model.nodes[state[j]!]!,
            })),
          }
        : {}),
      emptied: empty.map((i) => model.nodes[i]!),
      kubectl: kubectlObjects(model, w, cordon),
    };
    const up = t === 0 ? plan.temporary.map((i) => model.nodes[i]!) : [];
    return { json, line: runbookLine(model, w, t, { allows, cordon, empty, up, temporary }) };
  });
}

/** A container's namespace and pod name: "ns/name" as the Kubernetes input names pods, else the default namespace. */
function podOf(model: AssignmentModel, j: number): { namespace: string; name: string } {
  const full = model.items[j]!;
  const ns = model.namespaces?.[j];
  if (ns !== undefined && full.startsWith(`${ns}/`)) return { namespace: ns, name: full.slice(ns.length + 1) };
  return { namespace: ns ?? 'default', name: full };
}

function kubectlObjects(model: AssignmentModel, w: Wave, cordon: readonly string[]): Record<string, unknown>[] {
  return [
    ...cordon.map((name) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { unschedulable: true } })),
    ...w.evict.map((j) => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: podOf(model, j) })),
    ...w.bind.map(([j, i]) => ({
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: podOf(model, j),
      target: { apiVersion: 'v1', kind: 'Node', name: model.nodes[i]! },
    })),
  ];
}

/** "wave 2: evict web-7 (web-pdb allows 1), bind to node-12; node-3 is now empty". */
function runbookLine(
  model: AssignmentModel,
  w: Wave,
  t: number,
  at: {
    allows: readonly number[];
    cordon: readonly string[];
    empty: readonly number[];
    /** Temporary nodes to bring up before this wave, and every temporary node. */
    up: readonly string[];
    temporary: ReadonlySet<number>;
  },
): string {
  const budgets = model.budgets ?? [];
  const to = new Map(w.bind);
  const guards = (j: number): string => {
    const list = budgets.flatMap((b, k) => (b.items.includes(j) ? [`${b.name} allows ${at.allows[k]}`] : []));
    return list.length > 0 ? ` (${list.join(', ')})` : '';
  };
  const moves = w.evict.map((j) => {
    const node = to.get(j);
    return (
      `evict ${model.items[j]}${guards(j)}, ` +
      (node === undefined ? 'not placed again' : `bind to ${model.nodes[node]}`)
    );
  });
  const surged = new Set(w.surge ?? []);
  const binds = w.bind
    .filter(([j]) => !w.evict.includes(j))
    .map(([j, i]) =>
      surged.has(j)
        ? `surge ${model.items[j]}: bind its replacement to ${model.nodes[i]}, delete it once that is Ready`
        : `bind ${model.items[j]} to ${model.nodes[i]}`,
    );
  const parts = [
    ...(at.up.length > 0 ? [`bring up temporary node ${at.up.join(', ')}`] : []),
    ...(at.cordon.length > 0 ? [`cordon ${at.cordon.join(', ')}`] : []),
    [...moves, ...binds].join('; '),
    ...at.empty.map((i) => `${model.nodes[i]} is now empty${at.temporary.has(i) ? ': remove it (temporary)' : ''}`),
  ];
  return `wave ${t + 1}: ${parts.join('; ')}`;
}
