import assert from 'node:assert/strict';
import { postJson, startServer, type RunningServer } from '../../bench/server.js';
import { scaleSnapshot } from '../../bench/scale.js';
import { vbpInstances, vbpSnapshot } from '../../bench/vbp.js';
import { validatePlanBody } from '../../models/validate.js';
import { greedyPlan } from '../../solver/greedy.js';
import { verifyPlan } from '../../solver/verify.js';
import { ROOT, snapshot } from '../helpers.js';

describe('the 16 vector bin packing instances (fixtures/vbp) through the service', function () {
  this.timeout(600_000);
  let server: RunningServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.stop();
  });

  for (const { file, text, optimum } of vbpInstances(ROOT))
    it(`${file}: proven optimal at its published optimum ${optimum} within 30 s, the plan verified`, async () => {
      const body = vbpSnapshot(text, 30_000);
      const r = await postJson(`${server.url}/v1/plan`, JSON.stringify(body));
      assert.equal(r.status, 200);
      const { status, objective, bound, assignments } = r.json as Record<string, unknown>;
      assert.deepEqual([status, objective, bound], ['optimal', optimum, optimum]);
      // The plan checked again here, by the verifier on the snapshot as the test reads it.
      const { model } = snapshot(body);
      const node = new Map((assignments as { container: string; node: string }[]).map((a) => [a.container, a.node]));
      const plan = Int32Array.from(model.items, (name) => model.nodes.indexOf(node.get(name)!));
      const check = verifyPlan(model, plan, true);
      assert.deepEqual([check.valid, check.objective], [true, optimum]);
    });
});

describe('the service at cluster scale', function () {
  this.timeout(120_000);
  let server: RunningServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.stop();
  });

  it('with GLPK pinned, names the engine that ran the scale path (HiGHS) and says why, and the plan verifies', async () => {
    const body = { ...scaleSnapshot(1000, 10_000, 2), options: { timeLimitMs: 10_000, solver: 'glpk' } };
    const r = await postJson(`${server.url}/v1/plan`, JSON.stringify(body));
    assert.equal(r.status, 200);
    const backends = r.json['backends'] as { name: string; note?: string }[];
    assert.deepEqual(
      backends.map((b) => b.name),
      ['highs'],
    );
    assert.match(
      backends[0]!.note ?? '',
      /^GLPK cannot change a program in place, stop on time, report plans and bounds while it searches or prove a bound when stopped, which the scale path needs: it ran on HiGHS; the scale path: /,
    );
    const v = validatePlanBody(JSON.parse(JSON.stringify(body)));
    assert.ok(v.ok);
    const node = new Map(
      (r.json['assignments'] as { container: string; node: string }[]).map((a) => [a.container, a.node]),
    );
    const plan = Int32Array.from(v.model.items, (name) => v.model.nodes.indexOf(node.get(name)!));
    assert.ok(verifyPlan(v.model, plan, true).valid);
  });

  it('solver "greedy" at scale: the exact seed plan, verified where it was computed, answered as the plan', async () => {
    const body = { ...scaleSnapshot(1000, 20_000, 3), options: { solver: 'greedy' } };
    const r = await postJson(`${server.url}/v1/plan`, JSON.stringify(body));
    assert.equal(r.status, 200);
    const v = validatePlanBody(JSON.parse(JSON.stringify(body)));
    assert.ok(v.ok);
    const seed = greedyPlan(v.model);
    const check = verifyPlan(v.model, seed, true);
    const { status, source, objective, bound, backends, assignments, greedy } = r.json as Record<string, unknown>;
    assert.deepEqual(
      [status, source, objective, bound, backends],
      ['feasible', 'greedy', check.objective, null, [{ name: 'greedy', status: 'feasible', solverMs: 0 }]],
    );
    const expected = v.model.items.map((c, j) => ({ container: c, node: v.model.nodes[seed[j]!] }));
    assert.deepEqual(assignments, expected);
    assert.deepEqual((greedy as { assignments: unknown }).assignments, expected);
    // Answered in the input thread that read it: the solve is still counted, as every solve is.
    const metrics = await fetch(`${server.url}/metrics`).then((m) => m.text());
    assert.match(metrics, /optiplace_solve_duration_seconds_count\{status="feasible",source="greedy"\} 1\n/);
  });

  it('solver "greedy" at scale, answered by node: the same seed plan, as the containers on each node', async () => {
    const body = { ...scaleSnapshot(1000, 20_000, 3), options: { solver: 'greedy', assignments: 'byNode' } };
    const r = await postJson(`${server.url}/v1/plan`, JSON.stringify(body));
    assert.equal(r.status, 200);
    const v = validatePlanBody(JSON.parse(JSON.stringify(body)));
    assert.ok(v.ok);
    const seed = greedyPlan(v.model);
    const expected: Record<string, string[]> = {};
    for (const [i, node] of v.model.nodes.entries()) {
      const on = v.model.items.filter((_, j) => seed[j] === i);
      if (on.length > 0) expected[node] = on;
    }
    const { placements, assignments, greedy } = r.json as Record<string, unknown>;
    assert.equal(assignments, undefined);
    assert.deepEqual(placements, expected);
    assert.deepEqual((greedy as { placements: unknown }).placements, expected);
    assert.deepEqual(Object.keys(placements as object), Object.keys(expected), 'nodes in node order');
  });

  it('solver "greedy" at scale with a container too large for every node: proven infeasible, as on any path', async () => {
    const s = scaleSnapshot(1000, 20_000, 3);
    const huge = { name: 'huge', requests: { cpu: '100000' } };
    const body = { ...s, containers: [...s.containers, huge], options: { solver: 'greedy' } };
    const r = await postJson(`${server.url}/v1/plan`, JSON.stringify(body));
    assert.equal(r.status, 200);
    assert.deepEqual([r.json['status'], r.json['unplaced']], ['infeasible', ['huge']]);
  });

  it('1 000 × 10 000 with the default cost and the default limits: a verified plan within 0.5% of its bound', async () => {
    const body = { ...scaleSnapshot(1000, 10_000, 1), options: { timeLimitMs: 30_000 } };
    const r = await postJson(`${server.url}/v1/plan`, JSON.stringify(body));
    assert.equal(r.status, 200);
    const { status, gap, objective, bound, unplaced } = r.json as Record<string, number | string | unknown[]>;
    assert.ok(status === 'feasible' || status === 'optimal', String(status));
    assert.deepEqual(unplaced, []);
    assert.ok(
      typeof gap === 'number' && gap <= 0.005,
      `gap ${String(gap)} (plan ${String(objective)}, bound ${String(bound)})`,
    );
    assert.ok(((r.json['greedy'] as { objective: number }).objective as number) > (objective as number));
    // The solver thread computed the greedy after the first bound: it is still the exact seed plan.
    const v = validatePlanBody(JSON.parse(JSON.stringify(body)));
    assert.ok(v.ok);
    const seed = greedyPlan(v.model);
    const given = (r.json['greedy'] as { assignments: { container: string; node: string }[] }).assignments;
    const nodeOf = new Map(given.map((a) => [a.container, a.node]));
    v.model.items.forEach((c, j) => assert.equal(nodeOf.get(c), v.model.nodes[seed[j]!], c));
    // The bound's arrival is reported, after the request's and before the answer.
    const { firstBoundMs, totalMs } = r.json['timings'] as { firstBoundMs: number | null; totalMs: number };
    assert.ok(firstBoundMs !== null && firstBoundMs > 0 && firstBoundMs <= totalMs, JSON.stringify(r.json['timings']));
  });
});
