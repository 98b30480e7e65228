import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SHARE_ABOVE } from '../../models/columns.js';
import { snapshotCounts } from '../../models/counts.js';
import { resourceNameAt } from '../../models/model.js';
import { utilization } from '../../planning/answer.js';
import { fitsNowhereReasons } from '../../solver/reasons.js';
import { solveModel } from '../../solver/solve.js';
import { verifyPlan } from '../../solver/verify.js';
import { bruteForce, snapshot } from '../helpers.js';
import { sharedPool } from '../setup.js';

/**
 * Shared resource columns (models/columns.ts): past 64 resource names, resources no node gives together share a
 * column, and the model must mean exactly what it means with a column each.
 */

/** Node i gives its own device `foo.com/bar-i` (kube-scheduler's SchedulingWithExtendedResource), pod i asks for it. */
function perNodeDevices(n: number): unknown {
  return {
    nodes: Array.from({ length: n }, (_, i) => ({
      name: `node-${i}`,
      capacity: { cpu: '4', memory: '32Gi', pods: '110', [`foo.com/bar-${i}`]: '1' },
    })),
    containers: Array.from({ length: n }, (_, j) => ({
      name: `pod-${j}`,
      requests: { [`foo.com/bar-${(j * 7) % n}`]: '1' },
    })),
  };
}

describe('shared resource columns: many resources that no node gives together', function () {
  this.timeout(120_000);

  it('takes a column for all the per-node devices, and places each pod on the one node that has its device', async () => {
    const n = 100;
    const v = snapshot(perNodeDevices(n));
    assert.deepEqual(
      v.model.resources.map((r) => r.members?.names.length ?? r.name),
      ['cpu', n, 'memory', 'pods'],
    );
    assert.equal(snapshotCounts(perNodeDevices(n)).resources, 4);
    const o = await solveModel(v.model, { ...v.options, timeLimitMs: 20_000 }, sharedPool());
    assert.equal(o.status, 'optimal');
    assert.ok(verifyPlan(v.model, o.plan.assignment, true).valid);
    o.plan.assignment.forEach((i, j) => assert.equal(i, (j * 7) % n, `pod-${j} on node-${i}`));
    const use = utilization(v.model, o.plan);
    assert.deepEqual(use['node-3'], { cpu: 0, 'foo.com/bar-3': 1, memory: 0, pods: 1 / 110 });
    assert.equal(resourceNameAt(v.model.resources[1]!, 5), 'foo.com/bar-5');
  });

  it("names the device a pod asks for and no node gives, as kube-scheduler's Insufficient does", () => {
    const body = perNodeDevices(SHARE_ABOVE + 1) as { containers: { name: string; requests: object }[] };
    body.containers.push({ name: 'lost', requests: { 'foo.com/bar-x': '1' } });
    const v = snapshot(body);
    assert.ok(v.model.resources[1]!.members, 'the devices share a column');
    const [reason] = fitsNowhereReasons(v.model, [body.containers.length - 1]);
    assert.match(reason!.message, /Insufficient foo\.com\/bar-x/);
  });

  it('means what a column per resource means: the same optimum by brute force, every plan valid for both (fast-check)', async () => {
    // A tiny cluster of up to 4 extended resources (and cpu) under a column each; the same cluster with padding
    // resources that no container asks for, past SHARE_ABOVE names, so that its resources share columns.
    const names = ['cpu', 'x/a', 'x/b', 'x/c', 'x/d'];
    const amount = fc.integer({ min: 1, max: 4 }).map(String);
    const give = fc.dictionary(fc.constantFrom(...names), amount, { minKeys: 1, maxKeys: 3 });
    const ask = fc.dictionary(fc.constantFrom(...names), amount, { maxKeys: 2 });
    const arb = fc.record({
      nodes: fc.array(give, { minLength: 2, maxLength: 3 }),
      containers: fc.array(ask, { minLength: 1, maxLength: 5 }),
    });
    let shared = 0;
    await fc.assert(
      fc.asyncProperty(arb, async ({ nodes, containers }) => {
        const plain = {
          nodes: nodes.map((capacity, i) => ({ name: `n${i}`, capacity })),
          containers: containers.map((requests, j) => ({ name: `c${j}`, requests })),
        };
        const pad = Math.ceil((SHARE_ABOVE + 1) / nodes.length);
        const padded = {
          ...plain,
          nodes: plain.nodes.map((node, i) => ({
            ...node,
            capacity: {
              ...node.capacity,
              ...Object.fromEntries(Array.from({ length: pad }, (_, k) => [`pad/${i}-${k}`, '1'])),
            },
          })),
        };
        const a = snapshot(plain).model;
        const b = snapshot(padded).model;
        if (b.resources.some((r) => r.members && r.members.names.some((name) => !name.startsWith('pad/')))) shared++;
        const optimum = bruteForce(a);
        assert.equal(bruteForce(b), optimum);
        const o = await solveModel(
          b,
          { timeLimitMs: 20_000, mipGap: 0, solver: 'highs', symmetry: true },
          sharedPool(),
        );
        if (optimum === null) return assert.equal(o.status, 'infeasible');
        assert.equal(o.status, 'optimal');
        const check = verifyPlan(a, o.plan.assignment, true);
        assert.ok(
          check.valid && Math.abs(check.objective - optimum) < 1e-9,
          `objective ${check.objective}, ${optimum}`,
        );
      }),
      { numRuns: 120, seed: 6401 },
    );
    assert.ok(shared >= 30, `only ${shared} cases share a column between asked resources`);
  });
});
