import { arr, rec, type Json } from './json.js';
import { topologyCheck, topologyWeight } from './topology.js';

/**
 * An independent oracle for the fuzzer: what a valid answer to a snapshot must satisfy, written from the
 * API's documented meaning and sharing no code with the service. It reads the request body as sent.
 *
 * Covered: quantities (the Kubernetes grammar, exact milli-units), capacities including the implicit
 * `pods` count, cordoned and not-Ready nodes, nodeSelector, NoSchedule/NoExecute taints and their
 * tolerations, hostname anti-affinity by matchLabels, current / pinned / moveCost, allowUnplaced, explicit
 * cost matrices or the default score, and the pack and balance objectives. PreferNoSchedule taints are the
 * preferences part every objective adds (3, TaintToleration's score weight, per untolerated one, at the default
 * preferences weight 1). A node that the pinned containers alone fill beyond a resource breaks no rule: only a
 * container that is not pinned and requests that resource is held to the capacity (kube-scheduler's check of the pod
 * that arrives). Topology-aware groups: bench/fuzz/topology.ts.
 */

const SUFFIX: Record<string, bigint> = {
  '': 1n,
  k: 10n ** 3n,
  M: 10n ** 6n,
  G: 10n ** 9n,
  T: 10n ** 12n,
  P: 10n ** 15n,
  E: 10n ** 18n,
  Ki: 2n ** 10n,
  Mi: 2n ** 20n,
  Gi: 2n ** 30n,
  Ti: 2n ** 40n,
  Pi: 2n ** 50n,
  Ei: 2n ** 60n,
};
const GRAMMAR = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;
const CAP = (2n ** 63n - 1n) * 1000n;

/** Milli-units of a quantity (string or JSON number), rounded up like Kubernetes; undefined when refused. */
export function quantityMilli(q: unknown): bigint | undefined {
  // A JSON number is the decimal JavaScript writes for it (its shortest round-trip form).
  const text =
    typeof q === 'number' ? (Number.isFinite(q) ? String(q) : '') : typeof q === 'string' && q.length <= 64 ? q : '';
  const m = GRAMMAR.exec(text);
  if (!m) return undefined;
  const [, sign, number, suffix, exponent] = m;
  const [whole = '', frac = ''] = number!.split('.');
  let num = BigInt(`${whole}${frac}` || '0');
  let den = 10n ** BigInt(frac.length);
  if (exponent !== undefined) {
    const e = Number(exponent);
    if (Math.abs(e) > 400) return undefined;
    if (Math.abs(e) > 60) return e > 0 && num !== 0n ? undefined : num === 0n ? 0n : 1n;
    if (e >= 0) num *= 10n ** BigInt(e);
    else den *= 10n ** BigInt(-e);
  } else if (suffix === 'm') den *= 1000n;
  else num *= SUFFIX[suffix ?? '']!;
  if (sign === '-' && num !== 0n) return undefined;
  const milli = (num * 1000n + den - 1n) / den;
  return milli > CAP ? undefined : milli;
}

const has = (o: object, k: string): boolean => Object.hasOwn(o, k);

interface Plan {
  readonly node: (string | null)[];
}

/** The node each container is on in the answer (null when unplaced), with the answer's own contradictions. */
function planOf(containers: Json[], answer: Json, problems: string[]): Plan {
  const at = new Map<string, string | null>();
  for (const a of arr(answer['assignments'])) {
    const c = String(a['container']);
    if (at.has(c)) problems.push(`${c} is placed twice`);
    at.set(c, String(a['node']));
  }
  for (const u of (answer['unplaced'] as unknown[] | undefined) ?? []) {
    if (at.has(String(u))) problems.push(`${String(u)} is both placed and unplaced`);
    at.set(String(u), null);
  }
  if (at.size !== containers.length) problems.push(`the plan names ${at.size} containers of ${containers.length}`);
  return { node: containers.map((c) => at.get(String(c['name'])) ?? null) };
}

/** Every resource name the snapshot mentions, and whether any node caps its pod count. */
function resourceNames(nodes: Json[], containers: Json[]): { names: Set<string>; podsCapped: boolean } {
  const names = new Set<string>();
  for (const n of nodes) for (const k of Object.keys(rec(n['capacity']))) names.add(k);
  for (const c of containers) for (const k of Object.keys(rec(c['requests']))) names.add(k);
  return { names, podsCapped: nodes.some((n) => has(rec(n['capacity']), 'pods')) };
}

function demandMilli(c: Json, r: string, podsCapped: boolean): bigint {
  if (has(rec(c['requests']), r)) return quantityMilli(rec(c['requests'])[r])!;
  return r === 'pods' && podsCapped ? 1000n : 0n;
}

function capacityMilli(n: Json, r: string, containers: number): bigint {
  if (has(rec(n['capacity']), r)) return quantityMilli(rec(n['capacity'])[r])!;
  return r === 'pods' ? BigInt(containers) * 1000n : 0n;
}

/** The move cost a container pays when it leaves its current node (none when it stays or is pinned). */
function moveCostOf(c: Json, node: string, options: Record<string, unknown>): number {
  const current = c['current'];
  if (typeof current !== 'string' || current === node || c['pinned'] === true) return 0;
  if (typeof c['moveCost'] === 'number') return c['moveCost'];
  return typeof options['moveCost'] === 'number' ? options['moveCost'] : 1;
}

/** Adds each placed container's demand to its node's usage, checks its rules, and sums the plan's cost. */
function usageAndCost(body: Json, plan: Plan, names: Set<string>, podsCapped: boolean, problems: string[]) {
  const nodes = arr(body['nodes']);
  const containers = arr(body['containers']);
  const byName = new Map(nodes.map((n, i) => [String(n['name']), i]));
  const matrix = rec(body['costs'])['matrix'] as number[][] | undefined;
  const used = new Map<string, bigint>();
  const asked = new Set<string>();
  let cost = 0;
  let preferences = 0;
  containers.forEach((c, j) => {
    const node = plan.node[j];
    if (node === null || node === undefined) return;
    const i = byName.get(node);
    if (i === undefined) {
      problems.push(`${String(c['name'])} is on unknown node ${node}`);
      return;
    }
    problems.push(...blockedBy(nodes[i]!, c, node));
    for (const r of names) {
      const d = demandMilli(c, r, podsCapped);
      used.set(`${i}/${r}`, (used.get(`${i}/${r}`) ?? 0n) + d);
      if (d > 0n && c['pinned'] !== true) asked.add(`${i}/${r}`);
    }
    cost += matrix ? matrix[i]![j]! : defaultScore(nodes[i]!, c, names);
    cost += moveCostOf(c, node, rec(body['options']));
    preferences +=
      3 * arr(nodes[i]!['taints']).filter((t) => t['effect'] === 'PreferNoSchedule' && !tolerated(c, t)).length;
  });
  return { used, asked, cost, preferences };
}

/** Checks every node's usage against its capacity; returns the highest utilisation of a capped resource. */
function capacityCheck(
  body: Json,
  { used, asked }: { used: Map<string, bigint>; asked: Set<string> },
  names: Set<string>,
  problems: string[],
): number {
  const containers = arr(body['containers']).length;
  let maxUtilisation = 0;
  arr(body['nodes']).forEach((n, i) => {
    for (const r of names) {
      const cap = capacityMilli(n, r, containers);
      const u = used.get(`${i}/${r}`) ?? 0n;
      if (u > cap && asked.has(`${i}/${r}`))
        problems.push(`node ${String(n['name'])} is over its ${r} capacity (${u} > ${cap} milli)`);
      if (r !== 'pods' && cap > 0n) maxUtilisation = Math.max(maxUtilisation, Number(u) / Number(cap));
    }
  });
  return maxUtilisation;
}

/** Why the answer's plan breaks the snapshot (empty when it holds), and the objective it recomputes. */
export function checkSnapshotPlan(
  body: Json,
  answer: Json,
  complete: boolean,
): {
  problems: string[];
  cost: number;
  nodesUsed: number;
  maxUtilisation: number;
  preferences: number;
  topology: number;
} {
  const containers = arr(body['containers']);
  const problems: string[] = [];
  const plan = planOf(containers, answer, problems);
  const unplaced = plan.node.filter((x) => x === null).length;
  if (complete && unplaced > 0 && rec(body['options'])['allowUnplaced'] !== true)
    problems.push(`${unplaced} containers are unplaced`);
  const { names, podsCapped } = resourceNames(arr(body['nodes']), containers);
  const usage = usageAndCost(body, plan, names, podsCapped, problems);
  const { cost, preferences } = usage;
  const maxUtilisation = capacityCheck(body, usage, names, problems);
  problems.push(...antiAffinity(containers, plan));
  problems.push(...changeProblems(body, answer, plan, names, podsCapped));
  const topology = topologyCheck(body, plan.node);
  problems.push(...topology.problems);
  const nodesUsed = new Set(plan.node.filter((x): x is string => x !== null)).size;
  return { problems, cost, nodesUsed, maxUtilisation, preferences, topology: topology.part };
}

/**
 * An independent replay of the answer's change plan (options.changes, docs/changes.md), in capacity: each wave's
 * evictions of running pods, its bindings of pods not running, surged pods where they ran until their replacements
 * are up; every node a wave binds to within capacity in the wave's middle and after it; the waves ending at the plan;
 * and no pod on a temporary node in the plan.
 */
function changeProblems(body: Json, answer: Json, plan: Plan, names: Set<string>, podsCapped: boolean): string[] {
  const containers = arr(body['containers']);
  const temporary = new Set((rec(body['options'])['temporaryNodes'] as string[] | undefined) ?? []);
  const problems = containers.flatMap((c, j) =>
    temporary.has(plan.node[j] ?? '') ? [`${String(c['name'])} is on temporary node ${plan.node[j]}`] : [],
  );
  const changes = rec(answer['changes']);
  if (changes['status'] !== 'optimal' && changes['status'] !== 'feasible') return problems;
  const state = new Map(
    containers.map((c) => [String(c['name']), typeof c['current'] === 'string' ? c['current'] : null]),
  );
  const full = (extra: readonly Json[], touched: ReadonlySet<string>, at: string): string[] =>
    overfull(body, state, extra, touched, { names, podsCapped }).map((x) => `${at}: ${x}`);
  arr(changes['waves']).forEach((w, t) => {
    const at = `wave ${t + 1}`;
    for (const e of arr(w['evict'])) {
      if (state.get(String(e['container'])) !== e['from'])
        problems.push(`${at} evicts ${String(e['container'])} from elsewhere`);
      state.set(String(e['container']), null);
    }
    const surged = new Map(arr(w['surge']).map((x) => [String(x['container']), x]));
    const touched = new Set(arr(w['bind']).map((b) => String(b['node'])));
    for (const b of arr(w['bind'])) {
      if (surged.has(String(b['container']))) continue;
      if (state.get(String(b['container'])) !== null)
        problems.push(`${at} binds ${String(b['container'])}, which runs`);
      state.set(String(b['container']), String(b['node']));
    }
    problems.push(...full([...surged.values()], touched, `${at}, before the surged pods leave`));
    for (const [name, x] of surged) {
      if (state.get(name) !== x['from']) problems.push(`${at} surges ${name} from elsewhere`);
      state.set(name, String(x['node']));
    }
    problems.push(...full([], touched, `after ${at}`));
  });
  containers.forEach((c, j) => {
    const name = String(c['name']);
    if ((state.get(name) ?? null) !== plan.node[j]) problems.push(`the waves leave ${name} elsewhere than the plan`);
  });
  return problems;
}

/** The nodes of `touched` over a capacity, with the containers where `state` puts them and `extra` replacements. */
function overfull(
  body: Json,
  state: ReadonlyMap<string, string | null>,
  extra: readonly Json[],
  touched: ReadonlySet<string>,
  r: { names: Set<string>; podsCapped: boolean },
): string[] {
  const containers = arr(body['containers']);
  const byName = new Map(containers.map((c) => [String(c['name']), c]));
  const on = [...state].flatMap(([c, n]) => (n !== null ? [[c, n] as const] : []));
  const all = [...on, ...extra.map((x) => [String(x['container']), String(x['node'])] as const)];
  return arr(body['nodes']).flatMap((n) => {
    const name = String(n['name']);
    if (!touched.has(name)) return [];
    return [...r.names].flatMap((res) => {
      let used = 0n;
      for (const [c, at] of all) if (at === name) used += demandMilli(byName.get(c)!, res, r.podsCapped);
      const cap = capacityMilli(n, res, containers.length);
      return used > cap ? [`node ${name} is over its ${res} capacity (${used} > ${cap} milli)`] : [];
    });
  });
}

/** max over requested resources of r / R against the empty node (0 when it requests nothing). */
function defaultScore(n: Json, c: Json, names: ReadonlySet<string>): number {
  let score = 0;
  for (const r of names) {
    if (!has(rec(c['requests']), r)) continue;
    const d = quantityMilli(rec(c['requests'])[r])!;
    const cap = has(rec(n['capacity']), r) ? quantityMilli(rec(n['capacity'])[r])! : 0n;
    if (d > 0n && cap > 0n) score = Math.max(score, Number(d) / Number(cap));
  }
  return score;
}

function blockedBy(n: Json, c: Json, node: string): string[] {
  const who = String(c['name']);
  if (c['pinned'] === true)
    return c['current'] === node ? [] : [`${who} is pinned to ${String(c['current'])} but placed on ${node}`];
  if (n['unschedulable'] === true) return [`${who} is on cordoned ${node}`];
  if (n['ready'] === false) return [`${who} is on not-Ready ${node}`];
  const labels = rec(n['labels']);
  for (const [k, v] of Object.entries(rec(c['nodeSelector'])))
    if (!has(labels, k) || labels[k] !== v) return [`${who} does not match ${node}'s labels`];
  for (const t of arr(n['taints'])) {
    if (t['effect'] === 'PreferNoSchedule') continue;
    if (!tolerated(c, t)) return [`${who} is on ${node} with an untolerated taint ${String(t['key'])}`];
  }
  return [];
}

/** Whether one of the container's tolerations tolerates the taint (Gt and Lt, alpha and off, tolerate nothing). */
function tolerated(c: Json, t: Json): boolean {
  return arr(c['tolerations']).some(
    (o) =>
      (!o['effect'] || o['effect'] === t['effect']) &&
      (!o['key'] || o['key'] === t['key']) &&
      ((o['operator'] ?? 'Equal') === 'Exists' ||
        ((o['operator'] ?? 'Equal') === 'Equal' && (o['value'] ?? '') === (t['value'] ?? ''))),
  );
}

/** Hostname anti-affinity with matchLabels selectors (the form the fuzzer writes), in the owners' namespace. */
function antiAffinity(containers: readonly Json[], plan: Plan): string[] {
  const out: string[] = [];
  containers.forEach((c, j) => {
    for (const term of arr(c['antiAffinity'])) {
      if (term['topologyKey'] !== 'kubernetes.io/hostname') continue;
      const want = rec(rec(term['selector'])['matchLabels']);
      containers.forEach((o, p) => {
        if (p === j || plan.node[j] === null || plan.node[p] !== plan.node[j]) return;
        if ((o['namespace'] ?? '') !== (c['namespace'] ?? '')) return;
        const labels = rec(o['labels']);
        if (Object.entries(want).every(([k, v]) => has(labels, k) && labels[k] === v))
          out.push(
            `${String(c['name'])} shares ${String(plan.node[j])} with ${String(o['name'])} against its anti-affinity`,
          );
      });
    }
  });
  return out;
}

/** Every complete assignment of a tiny snapshot, best first by the oracle's cost: the optimum, or null. */
export function bruteForceSnapshot(body: Json): number | null {
  const nodes = arr(body['nodes']).map((n) => String(n['name']));
  const containers = arr(body['containers']);
  let best: number | null = null;
  const choice = new Array<string>(containers.length);
  const visit = (j: number): void => {
    if (j === containers.length) {
      const answer = {
        assignments: containers.map((c, k) => ({ container: c['name'], node: choice[k] })),
        unplaced: [],
      };
      const r = checkSnapshotPlan(body, answer, true);
      const z = r.cost + r.preferences + topologyWeight(body) * r.topology;
      if (r.problems.length === 0 && (best === null || z < best)) best = z;
      return;
    }
    for (const n of nodes) {
      choice[j] = n;
      visit(j + 1);
    }
  };
  visit(0);
  return best;
}
