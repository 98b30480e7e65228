import fc from 'fast-check';
import { fuzzCaseArb, type FuzzCase } from './cases.js';
import { bruteForceSnapshot, checkSnapshotPlan, quantityMilli } from './oracle.js';
import { topologyWeight } from './topology.js';
import { swarmProblems } from './swarm.js';

/**
 * Runs fuzz cases against a running service and checks every answer:
 * - never a 5xx; the server stays healthy (/healthz is checked every 50 cases);
 * - every error is the documented JSON {error: {code, message, issues[{path, message}]}} with a code of
 *   the catalogue whose status is the HTTP status, and the path the case expects;
 * - every 200 plan passes the oracle (each container once, capacities in exact milli-units, the rules,
 *   the objective recomputed), and its status is honest against brute force where the case is tiny.
 */
const CATALOGUE: Record<string, number> = {
  invalid_json: 400,
  invalid_input: 400,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  problem_too_large: 422,
  queue_full: 503,
  shutting_down: 503,
};

export interface FuzzReport {
  readonly cases: number;
  readonly byStatus: Record<string, number>;
  readonly byKind: Record<string, number>;
  readonly plansChecked: number;
  readonly bruteForced: number;
  readonly failures: number;
}

async function send(url: string, c: FuzzCase): Promise<{ status: number; text: string }> {
  const res = await fetch(`${url}${c.route}`, {
    method: 'POST',
    body: c.payload,
    headers: c.contentType ? { 'content-type': c.contentType } : {},
  });
  return { status: res.status, text: await res.text() };
}

const near = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));

/** Why the answer is wrong for the case (empty when right). */
function judge(
  c: FuzzCase,
  status: number,
  text: string,
): { problems: string[]; checkedPlan: boolean; bruteForced: boolean } {
  const problems: string[] = [];
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { problems: [`answer ${status} is not JSON: ${text.slice(0, 80)}`], checkedPlan: false, bruteForced: false };
  }
  if (status >= 500 && status !== 503) problems.push(`${status}: ${text.slice(0, 300)}`);
  if (status >= 400) {
    const e = json['error'] as
      { code?: string; message?: string; issues?: { path?: unknown; message?: unknown }[] } | undefined;
    if (!e || typeof e.code !== 'string' || typeof e.message !== 'string' || !Array.isArray(e.issues))
      problems.push(`error answer not in the documented shape: ${text.slice(0, 200)}`);
    else {
      if (CATALOGUE[e.code] !== status) problems.push(`code ${e.code} with HTTP ${status}`);
      if (e.issues.some((i) => typeof i.path !== 'string' || typeof i.message !== 'string'))
        problems.push('an issue without path or message');
      if (e.code === 'invalid_input' && e.issues.length === 0) problems.push('invalid_input without issues');
    }
  }
  const x = c.expect;
  if (x.kind === 'error') {
    if (status !== x.status) problems.push(`expected ${x.status}, got ${status}: ${text.slice(0, 200)}`);
    const issues = (json['error'] as { issues?: { path: string }[] } | undefined)?.issues ?? [];
    if (x.path !== undefined && !issues.some((i) => i.path === x.path))
      problems.push(`expected an issue at ${x.path}: ${JSON.stringify(issues)}`);
  }
  if (x.kind === 'quantity') {
    const milli = quantityMilli(x.text);
    // Amounts past 2^63−1 milli-units are held in whole units: a fraction of a unit among them cannot be exact.
    const inexact = milli !== undefined && !exactlyHeld(x.body, x.path.split('.').pop()!);
    if (milli === undefined && status === 200)
      problems.push(`quantity ${JSON.stringify(x.text)} is outside the grammar (or range) but was accepted`);
    if (milli !== undefined && !inexact && status !== 200 && status !== 503)
      problems.push(`quantity ${JSON.stringify(x.text)} (${milli}m) was refused: ${text.slice(0, 200)}`);
    if (inexact && status !== 400)
      problems.push(`quantity ${JSON.stringify(x.text)} (${milli}m) cannot be held exactly, but got ${status}`);
    const issues = (json['error'] as { issues?: { path: string }[] } | undefined)?.issues ?? [];
    if (milli === undefined && status === 400 && !issues.some((i) => i.path === x.path))
      problems.push(`the refusal does not name ${x.path}: ${JSON.stringify(issues)}`);
  }
  let checkedPlan = false;
  let bruteForced = false;
  if (status === 200 && (x.kind === 'plan' || x.kind === 'quantity')) {
    const r = planProblems(x.body, json, x.kind === 'plan' ? x.optimum : undefined);
    problems.push(...r.problems);
    checkedPlan = true;
    bruteForced = r.bruteForced;
  }
  if (status === 200 && x.kind === 'program') problems.push(...programProblems(x.body, json));
  if (x.kind === 'swarm') {
    problems.push(...swarmVerdict(x.body, status, text, json));
    checkedPlan = status === 200;
  }
  return { problems, checkedPlan, bruteForced };
}

/** A Swarm body's answer: a plan checked by the Swarm oracle, or a refusal that says why. */
function swarmVerdict(body: Record<string, unknown>, status: number, text: string, json: Record<string, unknown>) {
  // Amounts up to 2^53: sums past exact integers are refused (400 or 422, saying so), never mis-solved.
  const exactness = status === 400 && text.includes('exact');
  if (status === 200) return swarmProblems(body, json);
  return status === 422 || status === 503 || exactness ? [] : [`swarm body got ${status}: ${text.slice(0, 300)}`];
}

/**
 * Whether every amount of the resource in the body is an exact 64-bit integer at one scale: milli-units, or whole
 * units when one is past 2^63−1 milli-units and none has a fraction of a unit.
 */
function exactlyHeld(body: Record<string, unknown>, resource: string): boolean {
  const amounts: bigint[] = [];
  const see = (list: unknown, field: string): void => {
    if (!Array.isArray(list)) return;
    for (const o of list as Record<string, unknown>[]) {
      const q = (o?.[field] as Record<string, unknown> | undefined)?.[resource];
      const milli = q === undefined ? undefined : quantityMilli(q);
      if (milli !== undefined) amounts.push(milli);
    }
  };
  see(body['nodes'], 'capacity');
  see(body['containers'], 'requests');
  const huge = amounts.some((a) => a > 2n ** 63n - 1n);
  const whole = !huge || amounts.every((a) => a % 1000n === 0n);
  // The containers pinned on one node together: an overfilled node's capacity is raised to their load.
  const load = new Map<string, bigint>();
  for (const c of Array.isArray(body['containers']) ? (body['containers'] as Record<string, unknown>[]) : []) {
    const q = (c?.['requests'] as Record<string, unknown> | undefined)?.[resource];
    const milli = c?.['pinned'] === true && q !== undefined ? quantityMilli(q) : undefined;
    if (milli !== undefined) load.set(String(c['current']), (load.get(String(c['current'])) ?? 0n) + milli);
  }
  const limit = huge ? (2n ** 63n - 1n) * 1000n : 2n ** 63n - 1n;
  return whole && [...load.values()].every((l) => l <= limit);
}

function planProblems(
  body: Record<string, unknown>,
  json: Record<string, unknown>,
  optimum: number | 'brute-force' | undefined,
): { problems: string[]; bruteForced: boolean } {
  const status = json['status'];
  const complete = status === 'optimal' || status === 'feasible';
  const r = checkSnapshotPlan(body, json, complete);
  const problems = r.problems.map((p) => `${String(status)} plan: ${p}`);
  const objective = (body['options'] as Record<string, unknown> | undefined)?.['objective'] ?? 'cost';
  const allowUnplaced = (body['options'] as Record<string, unknown> | undefined)?.['allowUnplaced'] === true;
  if (complete && !allowUnplaced) {
    const part = objective === 'pack' ? r.nodesUsed : objective === 'balance' ? r.maxUtilisation : r.cost;
    const recomputed = part + r.preferences + topologyWeight(body) * r.topology;
    if (!near(recomputed, json['objective'] as number))
      problems.push(`objective ${String(json['objective'])} but the oracle computes ${recomputed}`);
  }
  if (status === 'optimal' && json['gap'] !== 0) problems.push(`optimal with gap ${String(json['gap'])}`);
  let bruteForced = false;
  if (optimum === 'brute-force' && (complete || status === 'infeasible')) {
    const best = bruteForceSnapshot(body);
    bruteForced = true;
    if (best === null && complete) problems.push('brute force finds no plan, yet one was returned');
    if (best !== null && status === 'infeasible')
      problems.push(`infeasible, yet brute force finds a plan of cost ${best}`);
    if (best !== null && status === 'optimal' && !near(best, json['objective'] as number))
      problems.push(`optimal at ${String(json['objective'])}, brute force ${best}`);
    if (best !== null && complete && typeof json['bound'] === 'number' && json['bound'] > best + 1e-6)
      problems.push(`bound ${json['bound']} is above the optimum ${best}`);
  }
  return { problems, bruteForced };
}

/**
 * A program's answer: each container once on a real node, capacity held, objective recomputed, statuses honest against
 * brute force.
 */
function programProblems(body: Record<string, unknown>, json: Record<string, unknown>): string[] {
  const cost = body['cost'] as number[][];
  const demand = (body['demand'] as { load: number[] }).load;
  const capacity = (body['capacity'] as { load: number[] }).load;
  const sense = body['sense'] === 'max' ? -1 : 1;
  const n = cost.length;
  const m = cost[0]!.length;
  const problems: string[] = [];
  let best: number | null = null;
  const at = new Array<number>(m).fill(0);
  const visit = (j: number): void => {
    if (j === m) {
      const used = new Array<number>(n).fill(0);
      at.forEach((i, k) => (used[i]! += demand[k]!));
      if (used.every((u, i) => u <= capacity[i]!)) {
        const z = at.reduce((t, i, k) => t + cost[i]![k]!, 0);
        if (best === null || sense * z < sense * best) best = z;
      }
      return;
    }
    for (let i = 0; i < n; i++) {
      at[j] = i;
      visit(j + 1);
    }
  };
  visit(0);
  const status = json['status'];
  if (status === 'optimal' || status === 'feasible') {
    const plan = json['assignment'] as (number | null)[];
    if (plan.length !== m || plan.some((i) => i === null || i < 0 || i >= n))
      problems.push(`program plan ${JSON.stringify(plan)} is not complete`);
    else {
      const used = new Array<number>(n).fill(0);
      plan.forEach((i, k) => (used[i!]! += demand[k]!));
      if (used.some((u, i) => u > capacity[i]!)) problems.push('program plan over capacity');
      const z = plan.reduce<number>((t, i, k) => t + cost[i!]![k]!, 0);
      if (!near(z, json['objective'] as number))
        problems.push(`program objective ${String(json['objective'])} but ${z}`);
    }
    if (best === null) problems.push('a program plan was returned where brute force finds none');
    if (status === 'optimal' && best !== null && !near(best, json['objective'] as number))
      problems.push(`program optimal at ${String(json['objective'])}, brute force ${best}`);
  }
  if (status === 'infeasible' && best !== null) problems.push(`program infeasible, yet brute force finds ${best}`);
  return problems;
}

/** Runs `cases` fuzz cases (seeded) against the service at `url`; throws with the first failing case (shrunk). */
export async function fuzzService(
  url: string,
  cases: number,
  seed: number,
  onProgress?: (done: number) => void,
): Promise<FuzzReport> {
  const byStatus: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  let plansChecked = 0;
  let bruteForced = 0;
  let done = 0;
  let failures = 0;
  await fc.assert(
    fc.asyncProperty(fuzzCaseArb, async (c) => {
      const { status, text } = await send(url, c);
      const verdict = judge(c, status, text);
      done++;
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      byKind[c.name] = (byKind[c.name] ?? 0) + 1;
      if (verdict.checkedPlan) plansChecked++;
      if (verdict.bruteForced) bruteForced++;
      if (done % 50 === 0) {
        const health = await fetch(`${url}/healthz`);
        if (health.status !== 200) throw new Error(`/healthz answered ${health.status} after ${done} cases`);
        onProgress?.(done);
      }
      if (verdict.problems.length > 0) {
        failures++;
        throw new Error(`${c.name} ${c.route}: ${verdict.problems.join('; ')}\npayload: ${c.payload.slice(0, 2000)}`);
      }
    }),
    { numRuns: cases, seed, endOnFailure: false },
  );
  return { cases: done, byStatus, byKind, plansChecked, bruteForced, failures };
}
