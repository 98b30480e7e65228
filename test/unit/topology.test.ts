import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { domainIndex, topologyWeightOf, type AssignmentModel } from '../../models/model.js';
import { keepFreeRuleOf } from '../../models/rules/keepFree.js';
import { validateConverted, validateSnapshot } from '../../models/validate.js';
import { outcomeJson } from '../../planning/answer.js';
import type { PlanAnswer } from '../../planning/schemas.js';
import { kueuePlan } from '../../solver/kueue.js';
import { solveModel } from '../../solver/solve.js';
import { verifyPlan } from '../../solver/verify.js';
import { answerCapacity, bruteForcePlan, loadCases, ROOT, snapshot } from '../helpers.js';
import { whatIfSnapshot, type WhatIfQuestion } from '../../models/capacity.js';
import { sharedPool } from '../setup.js';
import { SolverPool } from '../../solver/pool.js';
import { topologyBound } from '../../solver/topology-bound.js';
import { gangLns } from '../../solver/search/gang-lns.js';
import { loadEngines } from '../../solver/backends/index.js';
import { objectivePrecision, precisionIssues } from '../../models/precision.js';
import { countIssues, snapshotCounts } from '../../models/counts.js';
import { AI_LEVELS, aiSnapshot } from '../../bench/ai.js';

/** Kueue's own TAS test cases (fixtures/kueue-tas), with Kueue's expected assignment. */
interface KueueCase {
  name: string;
  source: string;
  snapshot: unknown;
  kueue: { levels?: 'hostname' | 'all'; counts?: Record<string, number>; reason?: string };
}

/** How many members a plan puts in each leaf: by hostname label, or by lowest-level domain name. */
function leafCounts(model: AssignmentModel, plan: ArrayLike<number>, input: KueueCase): Record<string, number> {
  const tree = model.topology!;
  const last = tree.labels.length - 1;
  const nodes = (input.snapshot as { nodes: { labels: Record<string, string> }[] }).nodes;
  const out: Record<string, number> = {};
  for (let j = 0; j < plan.length; j++) {
    const i = plan[j]!;
    if (i < 0) continue;
    const key =
      input.kueue.levels === 'hostname'
        ? nodes[i]!.labels['kubernetes.io/hostname']!
        : tree.names[last]![tree.domains[last]!.findIndex((d) => d.includes(i))]!;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

const sortedEntries = (o: Record<string, number>): [string, number][] =>
  Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1));

/** a before b lexicographically, or equal: level by level from the top. */
function notWorse(a: Record<string, number>, b: Record<string, number>, levels: readonly string[]): boolean {
  for (const l of levels) if (a[l]! !== b[l]!) return a[l]! < b[l]!;
  return true;
}

describe('topology: Kueue TAS examples (fixtures/kueue-tas)', function () {
  this.timeout(60_000);
  for (const c of loadCases<KueueCase>('kueue-tas')) {
    it(`${c.name}: Kueue's assignment from the baseline, and an optimum no worse (${c.file})`, async () => {
      const v = snapshot(c.snapshot);
      const k = kueuePlan(v.model)!;
      if (c.kueue.reason) assert.equal(k.groups[0]!.reason, c.kueue.reason);
      else assert.deepEqual(sortedEntries(leafCounts(v.model, k.plan, c)), sortedEntries(c.kueue.counts!));
      assert.ok(verifyPlan(v.model, k.plan, false).valid);
      const o = await solveModel(v.model, v.options, sharedPool());
      console.log('DBG', o.status, o.bound, o.objective, o.gap, JSON.stringify(o.backends), o.notes);
      assert.equal(o.status, 'optimal');
      assert.ok(verifyPlan(v.model, o.plan.assignment, false).valid);
      const a = outcomeJson(v.model, o) as PlanAnswer;
      const t = a.topology!;
      const g = t.groups[0]!;
      assert.ok(g.plan.placed >= g.kueue!.placed);
      assert.ok(notWorse(g.plan.spans, g.kueue!.spans, t.levels.slice(0, -1)), JSON.stringify(g));
      assert.ok(o.objective! <= (t.kueue as { objective: number }).objective + 1e-9);
    });
  }
});

const LEVELS = ['block', 'rack', 'kubernetes.io/hostname'];

/** 2 blocks × 2 racks × `hosts` nodes of `gpu` GPUs each. */
function cluster(hosts: number, gpu: (i: number) => number) {
  const nodes: { name: string; capacity: { gpu: number }; labels: Record<string, string> }[] = [];
  for (let b = 0; b < 2; b++)
    for (let r = 0; r < 2; r++)
      for (let h = 0; h < hosts; h++) {
        const i = nodes.length;
        nodes.push({ name: `n${b}${r}${h}`, capacity: { gpu: gpu(i) }, labels: { block: `b${b}`, rack: `r${r}` } });
      }
  return nodes;
}

describe('topology: domains', () => {
  it('tells domains apart by their label values, even where a value holds "/"', () => {
    const v = snapshot({
      nodes: [
        { name: 'n1', capacity: { gpu: 1 }, labels: { block: 'x', rack: 'a/b' } },
        { name: 'n2', capacity: { gpu: 1 }, labels: { block: 'x/a', rack: 'b' } },
      ],
      containers: [],
      options: { topology: { levels: ['block', 'rack'] } },
    });
    assert.deepEqual(v.model.topology!.domains[1], [[0], [1]]);
    assert.deepEqual(v.model.topology!.values[1], [
      ['x', 'a/b'],
      ['x/a', 'b'],
    ]);
  });
});

describe('topology: validation', () => {
  const node = { name: 'n', capacity: { gpu: 8 }, labels: { block: 'b', rack: 'r' } };
  const issues = (containers: unknown[], levels: unknown = ['block', 'rack']) => {
    const v = validateSnapshot({ nodes: [node], containers, options: { topology: { levels } } });
    return v.ok ? [] : v.issues;
  };
  const pod = (name: string, topology: unknown, gang = 'g') => ({ name, gang, requests: { gpu: 1 }, topology });

  it('names the field of an enclosing group (topology.within) and says what is wrong', () => {
    const inner = (within: unknown, group = 'g/a') => ({ required: 'rack', group, within });
    assert.deepEqual(issues([pod('a', inner([{ group: 'g' }]))]), [
      { path: 'containers[0].topology.within[0]', message: 'names no level: give required or preferred' },
    ]);
    assert.deepEqual(issues([pod('a', inner([{ group: 'g', required: 'zone' }]))]), [
      {
        path: 'containers[0].topology.within[0].required',
        message: '"zone" is not one of options.topology.levels (block, rack)',
      },
    ]);
    assert.deepEqual(issues([pod('a', inner([{ group: 'g/a', required: 'block' }]))]), [
      {
        path: 'containers[0].topology.within[0].group',
        message: `"g/a" is this container's own group or named before: name each group once`,
      },
    ]);
    assert.deepEqual(
      issues([
        pod('a', inner([{ group: 'g', required: 'block' }])),
        pod('b', inner([{ group: 'g', preferred: 'rack' }], 'g/b')),
      ]),
      [
        {
          path: 'containers[1].topology.within[0]',
          message: 'differs from containers[0].topology.within[0], in the same group "g"',
        },
      ],
    );
    // The enclosing group's own members (a PodGroup's pods of no sub-group) ask it alike, and give no slices.
    assert.deepEqual(issues([pod('a', inner([{ group: 'g', required: 'block' }])), pod('b', { required: 'rack' })]), [
      {
        path: 'containers[0].topology.within[0]',
        message: 'differs from containers[1].topology, in the same group "g"',
      },
    ]);
    assert.deepEqual(
      issues([pod('a', inner([{ group: 'g', required: 'block' }])), pod('b', { sliceSize: 1, sliceLevel: 'rack' })]),
      [
        {
          path: 'containers[0].topology.within[0].group',
          message: 'group "g" has slices (containers[1].topology), so it cannot enclose others',
        },
      ],
    );
    assert.deepEqual(
      issues([pod('a', inner([{ group: 'g', required: 'block' }])), pod('b', { required: 'block' })]),
      [],
    );
    // Groups nest: a group has the same groups around it wherever it is named (no cycles).
    const A = { group: 'A', required: 'rack' };
    const B = { group: 'B', required: 'block' };
    assert.deepEqual(
      issues([
        pod('a', { group: 'A', required: 'rack', within: [B] }),
        pod('b', { group: 'B', required: 'block', within: [A] }),
      ]),
      [
        {
          path: 'containers[0].topology.within[0].group',
          message:
            '"B" is within no group here, within "A" in containers[1].topology: a group has the same groups ' +
            'around it wherever it is named',
        },
        {
          path: 'containers[1].topology.within[0].group',
          message:
            '"A" is within no group here, within "B" in containers[0].topology: a group has the same groups ' +
            'around it wherever it is named',
        },
      ],
    );
  });

  it('names the field and says what is wrong', () => {
    assert.deepEqual(issues([pod('a', { required: 'zone' })]), [
      {
        path: 'containers[0].topology.required',
        message: '"zone" is not one of options.topology.levels (block, rack)',
      },
    ]);
    assert.deepEqual(issues([pod('a', { required: 'rack', preferred: 'block' })]), [
      { path: 'containers[0].topology.preferred', message: 'level "block" is above the required level "rack"' },
    ]);
    assert.deepEqual(issues([pod('a', { required: 'rack', sliceLevel: 'block', sliceSize: 2 })]), [
      { path: 'containers[0].topology.sliceLevel', message: 'level "block" is above the required level "rack"' },
    ]);
    assert.deepEqual(issues([pod('a', { sliceSize: 2 })]), [
      { path: 'containers[0].topology.sliceLevel', message: 'required with sliceSize' },
    ]);
    assert.deepEqual(issues([pod('a', {})]), [
      {
        path: 'containers[0].topology',
        message: 'names no level: give required, preferred, or sliceSize with sliceLevel',
      },
    ]);
    assert.deepEqual(issues([{ name: 'a', topology: { required: 'rack' } }]), [
      { path: 'containers[0].topology', message: 'needs a group: topology.group or gang' },
    ]);
    assert.deepEqual(issues([pod('a', { required: 'rack' }), pod('b', { required: 'block' })]), [
      { path: 'containers[1].topology', message: 'differs from containers[0].topology, in the same group "g"' },
    ]);
    assert.deepEqual(issues([pod('a', { required: 'rack' })], ['rack', 'rack']), [
      { path: 'options.topology.levels[1]', message: 'level "rack" appears twice (also at levels[0])' },
    ]);
    const free = validateSnapshot({
      nodes: [node],
      containers: [],
      options: { topology: { levels: ['rack'], keepFree: 'row' } },
    });
    assert.deepEqual(!free.ok && free.issues, [
      { path: 'options.topology.keepFree', message: '"row" is not one of options.topology.levels (rack)' },
    ]);
    const order = validateSnapshot({
      nodes: [node],
      containers: [],
      options: { topology: { levels: ['rack'], keepFreeOrder: 'afterSpans' } },
    });
    assert.deepEqual(!order.ok && order.issues, [
      {
        path: 'options.topology.keepFreeOrder',
        message: 'orders keepFree, which is not given: name the level to keep free in options.topology.keepFree',
      },
    ]);
    const weight = (topology: Record<string, unknown>) =>
      validateSnapshot({ nodes: [node], containers: [], options: { topology: { levels: ['rack'], ...topology } } });
    const unweighed = weight({ keepFreeWeight: 4 });
    assert.deepEqual(!unweighed.ok && unweighed.issues, [
      {
        path: 'options.topology.keepFreeWeight',
        message: 'weighs keepFree, which is not given: name the level to keep free in options.topology.keepFree',
      },
    ]);
    const both = weight({ keepFree: 'rack', keepFreeOrder: 'first', keepFreeWeight: 4 });
    assert.deepEqual(!both.ok && both.issues, [
      {
        path: 'options.topology.keepFreeWeight',
        message: 'says where keepFree comes, as options.topology.keepFreeOrder does: give one of the two',
      },
    ]);
    const half = weight({ keepFree: 'rack', keepFreeWeight: 0.5 });
    assert.deepEqual(!half.ok && half.issues, [
      { path: 'options.topology.keepFreeWeight', message: 'must be a whole number' },
    ]);
    const v = validateSnapshot({ nodes: [node], containers: [pod('a', { required: 'rack' })] });
    assert.deepEqual(!v.ok && v.issues, [
      { path: 'containers[0].topology', message: 'needs options.topology.levels, the levels it names' },
    ]);
  });
});

/** A random small cluster with one or two groups, every topology option in play. */
const smallCase = fc.record({
  hosts: fc.integer({ min: 1, max: 2 }),
  // A number: keepFreeWeight, traded against the spans.
  keepFree: fc.oneof(fc.constantFrom('none', 'first', 'afterSpans'), fc.integer({ min: 1, max: 6 })),
  outer: fc.constantFrom(undefined, 'block', 'rack'),
  allowUnplaced: fc.boolean(),
  running: fc.option(
    fc.record({
      gpu: fc.integer({ min: 1, max: 2 }),
      at: fc.integer({ min: 0, max: 3 }),
      pinned: fc.boolean(),
      member: fc.boolean(),
    }),
  ),
  gpus: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 8, maxLength: 8 }),
  groups: fc.array(
    fc.record({
      members: fc.integer({ min: 1, max: 3 }),
      gpu: fc.integer({ min: 1, max: 2 }),
      required: fc.constantFrom(undefined, 'block', 'rack'),
      preferred: fc.constantFrom(undefined, 'rack', 'kubernetes.io/hostname'),
      slice: fc.constantFrom(undefined, 'rack', 'kubernetes.io/hostname'),
    }),
    { minLength: 1, maxLength: 2 },
  ),
});

interface SmallCase {
  hosts: number;
  keepFree: 'none' | 'first' | 'afterSpans' | number;
  /** Every group within one enclosing group `job`, required within this level. */
  outer?: string;
  allowUnplaced: boolean;
  running: { gpu: number; at: number; pinned: boolean; member: boolean } | null;
  gpus: number[];
  groups: { members: number; gpu: number; required?: string; preferred?: string; slice?: string }[];
}

function smallSnapshot(c: SmallCase) {
  // Without a required level, a slice level above the preferred one is refused (as Kueue refuses it).
  const sliceAbove = (g: SmallCase['groups'][number]): boolean =>
    !g.required && !!g.slice && LEVELS.indexOf(g.slice) < LEVELS.indexOf(g.preferred ?? '');
  const topologyOf = (g: SmallCase['groups'][number]) => ({
    ...(g.required ? { required: g.required } : {}),
    ...(g.preferred && !(g.required === 'rack' && g.preferred === 'rack') && !sliceAbove(g)
      ? { preferred: g.preferred }
      : {}),
    ...(g.slice ? { sliceLevel: g.slice, sliceSize: 2 } : {}),
    ...(!g.required && !g.preferred && !g.slice ? { preferred: 'rack' } : {}),
    ...(c.outer ? { within: [{ group: 'job', required: c.outer }] } : {}),
  });
  // A sliced group has whole slices of 2 (the schema refuses others).
  const size = (g: SmallCase['groups'][number]): number => (g.slice ? 2 * Math.ceil(g.members / 2) : g.members);
  const containers = c.groups.flatMap((g, k) =>
    Array.from({ length: size(g) }, (_, j) => ({
      name: `g${k}-${j}`,
      gang: `g${k}`,
      requests: { gpu: g.gpu },
      topology: topologyOf(g),
    })),
  );
  const nodes = cluster(c.hosts, (i) => c.gpus[i]!);
  // A running container (pinned, or free to move at a cost of 1), on a node with room; maybe a member of g0.
  const g0 = c.groups[0]!;
  const r = c.running && (!c.running.member || !g0.slice) ? c.running : null;
  const gpu = r?.member ? g0.gpu : (r?.gpu ?? 0);
  const at = r ? nodes.findIndex((n, i) => i >= r.at && n.capacity.gpu >= gpu) : -1;
  const running =
    r && at >= 0
      ? [
          {
            name: 'run',
            requests: { gpu },
            current: nodes[at]!.name,
            ...(r.pinned ? { pinned: true } : {}),
            ...(r.member ? { gang: 'g0', topology: topologyOf(g0) } : {}),
          },
        ]
      : [];
  return {
    nodes,
    containers: [...running, ...containers],
    options: {
      topology: {
        levels: LEVELS,
        ...(c.keepFree !== 'none' ? { keepFree: 'rack' } : {}),
        ...(c.keepFree === 'afterSpans' ? { keepFreeOrder: 'afterSpans' } : {}),
        ...(typeof c.keepFree === 'number' ? { keepFreeWeight: c.keepFree } : {}),
      },
      allowUnplaced: c.allowUnplaced,
      timeLimitMs: 20_000,
    },
  };
}

describe('topology: optimum against brute force (fast-check)', function () {
  this.timeout(300_000);
  it('every optimum equals the best of all plans, and every plan verifies', async () => {
    await fc.assert(
      fc.asyncProperty(smallCase, async (c) => {
        const v = snapshot(smallSnapshot(c as SmallCase));
        const o = await solveModel(v.model, v.options, sharedPool());
        assert.ok(verifyPlan(v.model, o.plan.assignment, false).valid);
        const brute = bruteForcePlan(v.model);
        if (!brute) return assert.equal(o.status, 'infeasible');
        const bound = topologyBound(v.model);
        assert.ok(bound === undefined || bound <= brute.objective + 1e-9, `cover bound ${bound} > ${brute.objective}`);
        console.log('DBG', o.status, o.bound, o.objective, o.gap, JSON.stringify(o.backends), o.notes);
        assert.equal(o.status, 'optimal');
        assert.ok(
          Math.abs(o.objective! - brute.objective) <= 1e-9 * Math.max(1, Math.abs(brute.objective)),
          `${o.objective} vs brute force ${brute.objective}`,
        );
        const k = kueuePlan(v.model)!;
        const kv = verifyPlan(v.model, k.plan, false);
        assert.ok(kv.valid, kv.violations.join('; '));
        if (kv.complete || c.allowUnplaced) assert.ok(o.objective! <= kv.objective + 1e-9);
      }),
      { numRuns: 25, seed: 27 },
    );
  });
});

describe('topology: the search over groups where the per-node program is too large (gang-lns.ts)', function () {
  this.timeout(300_000);
  before(loadEngines);
  it('from the Kueue-style plan: every plan verifies and is no worse; one group freed whole is the optimum (fast-check)', () => {
    let whole = 0;
    let better = 0;
    fc.assert(
      fc.property(smallCase, (drawn) => {
        const { outer: _outer, ...rest } = drawn as SmallCase;
        const c: SmallCase = { ...rest, running: null, allowUnplaced: false };
        const { model } = snapshot(smallSnapshot(c));
        const k = kueuePlan(model);
        const start = k && verifyPlan(model, k.plan, true);
        if (!k || !start?.valid || !start.complete) return;
        // A round (a turn per group, and with keepFree one emptying a rack after each), each sub-program solved to
        // the end (no step or overall limit cuts it short).
        const far = { deadline: Date.now() + 600_000, stepMs: 600_000, steps: 2 * c.groups.length };
        const plan = gangLns(model, k.plan, far);
        const v = verifyPlan(model, plan, true);
        assert.ok(v.valid && v.complete, v.violations.join('; '));
        assert.ok(v.objective <= start.objective + 1e-9, `${v.objective} above the start's ${start.objective}`);
        if (v.objective < start.objective - 1e-9) better++;
        if (c.groups.length > 1) return;
        whole++;
        const brute = bruteForcePlan(model)!;
        assert.ok(Math.abs(v.objective - brute.objective) <= 1e-9 * Math.max(1, brute.objective), 'not the optimum');
      }),
      { numRuns: 60, seed: 2727 },
    );
    assert.ok(whole >= 10 && better >= 3, `one group in ${whole} cases; better than the start in ${better}`);
  });

  it('with keepFree, empties a rack of containers no group turn frees (a plain one, where the group cannot go)', () => {
    // Rack r0: two 4-GPU hosts, the gang on n0; rack r1: two 1-GPU hosts, the plain container on n2.
    const nodes = [4, 4, 1, 1].map((gpu, i) => ({
      name: `n${i}`,
      capacity: { gpu },
      labels: { block: 'b0', rack: `r${i >> 1}` },
    }));
    const gang = [0, 1].map((j) => ({
      name: `g-${j}`,
      gang: 'g',
      requests: { gpu: 1 },
      topology: { preferred: 'rack' },
    }));
    const containers = [...gang, { name: 'plain', requests: { gpu: 1 } }];
    const body = { nodes, containers, options: { topology: { levels: LEVELS, keepFree: 'rack' } } };
    const { model } = snapshot(body);
    const start = Int32Array.from([0, 0, 2]);
    const far = { deadline: Date.now() + 600_000, stepMs: 600_000 };
    // The gang's turn alone: it cannot leave r0 whole, and the plain container is none of its rules'.
    assert.deepEqual([...gangLns(model, start, { ...far, steps: 1 })], [0, 0, 2]);
    const plan = gangLns(model, start, { ...far, steps: 2 });
    assert.ok(plan[2]! < 2, `the plain container stays on rack r1 (node ${plan[2]})`);
    assert.ok(verifyPlan(model, plan, true).objective < verifyPlan(model, start, true).objective);
  });

  it('answers with its plan where the exact model does not fit the memory budget: the optimum, beyond the starts', async () => {
    const gpus = [3, 1, 4, 1, 1, 3, 4, 3];
    const nodes = gpus.map((gpu, i) => ({
      name: `n${i}`,
      capacity: { gpu },
      labels: { block: `b${i >> 2}`, rack: `r${(i >> 1) & 1}` },
    }));
    // Found by a search over random small clusters for one where neither the starts nor the heuristics are optimal.
    const member = (gang: string, j: number, gpu: number, preferred: string) => ({
      name: `${gang}-${j}`,
      gang,
      requests: { gpu },
      topology: { preferred },
    });
    const containers = [member('g0', 0, 2, 'rack'), ...[0, 1, 2].map((j) => member('g1', j, 1, LEVELS[2]!))];
    const v = snapshot({ nodes, containers, options: { topology: { levels: LEVELS }, timeLimitMs: 20_000 } });
    const kueue = verifyPlan(v.model, kueuePlan(v.model)!.plan, true).objective;
    const brute = bruteForcePlan(v.model)!.objective;
    assert.ok(brute < kueue, `the Kueue-style plan ${kueue} is the optimum ${brute}`);
    const pool = new SolverPool({ threads: 2, maxQueue: 2, memoryBudgetBytes: 1 });
    try {
      const o = await solveModel(v.model, v.options, pool);
      assert.equal(o.source, 'lns');
      assert.equal(o.objective, brute);
      assert.ok(o.bound !== null && o.bound <= brute + 1e-9, `bound ${o.bound}`);
      assert.ok(verifyPlan(v.model, o.plan.assignment, true).valid);
      // Known too large before the program is built (its placement variables alone pass 1 byte): no Lagrangian
      // bound, the cover bound certifies.
      for (const b of o.backends)
        assert.match(
          b.note ?? '',
          /needs at least \d+ MiB.*the search over topology-aware groups \(\d+ better plans?\) and the cover bound$/,
        );
    } finally {
      await pool.close();
    }
  });
});

describe('topology: the Kueue-style baseline with groups within groups', () => {
  const levels = ['block', 'rack'];
  const node = (name: string, block: string, rack: string, cpu: number) => ({
    name,
    capacity: { cpu },
    labels: { block, rack },
  });
  const at = (body: { nodes: { name: string }[]; containers: unknown[] }) => {
    const { model } = snapshot({ ...body, options: { topology: { levels } } });
    const k = kueuePlan(model)!;
    const v = verifyPlan(model, k.plan, false);
    assert.ok(v.valid, v.violations.join('; '));
    return { plan: [...k.plan].map((i) => (i < 0 ? null : body.nodes[i]!.name)), groups: k.groups };
  };

  it('admits a group within the deepest required level around it', () => {
    const nodes = [node('n1', 'b1', 'r1', 2), node('n2', 'b1', 'r2', 2), node('n3', 'b2', 'r3', 4)];
    const topology = { group: 'A', required: 'block', within: [{ group: 'B', required: 'rack' }] };
    const containers = ['c1', 'c2'].map((name) => ({ name, requests: { cpu: 2 }, topology }));
    assert.deepEqual(at({ nodes, containers }).plan, ['n3', 'n3']);
  });

  it('keeps a member that requests nothing within the domain of the group around it', () => {
    const nodes = [node('n1', 'b2', 'r1', 1), node('n2', 'b1', 'r2', 4)];
    const within = [{ group: 'B', required: 'block' }];
    const containers = [
      { name: 'c1', requests: { cpu: 2 }, topology: { group: 'A1', required: 'block', within } },
      { name: 'c2', topology: { group: 'A2', required: 'block', within } },
    ];
    assert.deepEqual(at({ nodes, containers }).plan, ['n2', 'n2']);
  });

  it('admits each member once where groups nest three deep, and keeps a running member’s domain', () => {
    const nodes = [node('n1', 'b1', 'r1', 2), node('n2', 'b1', 'r2', 2), node('n3', 'b2', 'r3', 2)];
    const C = { group: 'C', required: 'block' };
    const nested = [
      {
        name: 'c1',
        requests: { cpu: 2 },
        topology: { group: 'A', required: 'rack', within: [{ group: 'B', required: 'block' }, C] },
      },
      { name: 'c2', requests: { cpu: 2 }, topology: { group: 'B', required: 'block', within: [C] } },
    ];
    const three = at({ nodes, containers: nested });
    assert.deepEqual(three.plan, ['n1', 'n2']);
    assert.deepEqual(
      three.groups.map((g) => g.admitted),
      [true, true, true],
    );
    // Kueue's BestFit alone would take n1 (no room to spare); B's block is where its running member is.
    const spare = [node('n1', 'b1', 'r1', 1), node('n2', 'b1', 'r2', 2), node('n3', 'b2', 'r3', 4)];
    const within = [{ group: 'B', required: 'block' }];
    const running = [
      {
        name: 'r',
        requests: { cpu: 2 },
        current: 'n3',
        pinned: true,
        topology: { group: 'A', required: 'rack', within },
      },
      { name: 'p', requests: { cpu: 1 }, topology: { group: 'A2', required: 'rack', within } },
    ];
    assert.deepEqual(at({ nodes: spare, containers: running }).plan, ['n3', 'n3']);
    const apart = running.map((c) => ({ ...c, topology: { group: c.topology.group, required: 'rack' } }));
    assert.deepEqual(at({ nodes: spare, containers: apart }).plan, ['n3', 'n1']);
  });
});

describe('topology: the range of the topology part (fast-check, every plan)', function () {
  this.timeout(120_000);
  it("no plan's spans reach keepFree's weight, nor its topology part the range the precision check counts", () => {
    fc.assert(
      fc.property(smallCase, (c) => {
        const { model } = snapshot(smallSnapshot(c as SmallCase));
        const steps = objectivePrecision(model).topologySteps ?? 0;
        const free = keepFreeRuleOf(model);
        const inUse = (plan: Int32Array): number => {
          const domainOf = domainIndex(free!.domains, model.nodes.length);
          return new Set([...plan].filter((i) => i >= 0 && domainOf[i]! >= 0).map((i) => domainOf[i]!)).size;
        };
        bruteForcePlan(model, undefined, (plan, v) => {
          const part = v.parts.topology ?? 0;
          assert.ok(part <= steps * topologyWeightOf(model) + 1e-9, `topology part ${part} > range ${steps}`);
          // keepFree first: the groups' spans alone stay below one domain's weight.
          if (free && c.keepFree === 'first') assert.ok(part - free.weight * inUse(plan) < free.weight);
        });
      }),
      { numRuns: 60, seed: 2712 },
    );
  });

  it("the docs' container within groups (docs/topology.md, Groups within groups) is two groups", () => {
    const doc = readFileSync(join(ROOT, 'docs', 'topology.md'), 'utf8');
    const at = doc.indexOf('### Groups within groups');
    const container = JSON.parse(/```json\n([\s\S]*?)\n```/.exec(doc.slice(at))![1]!) as { name: string };
    const levels = ['example.com/block', 'example.com/rack', 'kubernetes.io/hostname'];
    const nodes = [0, 1].map((i) => ({
      name: `n${i}`,
      capacity: { 'nvidia.com/gpu': 8 },
      labels: { 'example.com/block': 'b0', 'example.com/rack': `r${i}` },
    }));
    const { model } = snapshot({ nodes, containers: [container], options: { topology: { levels } } });
    const rules = model.rules!.groups.flatMap((r) => (r.kind === 'topologyGroup' ? [r] : []));
    assert.deepEqual(
      rules.map((r) => [r.name, r.items, r.required, r.encloses ?? false]),
      [
        ['topology job/a', [0], 1, false],
        ['topology job', [0], 0, true],
      ],
    );
  });

  it('a group required within a block counts one block and the racks of one block (docs/topology.md)', () => {
    const levels = ['block', 'rack', 'kubernetes.io/hostname'];
    const nodes = Array.from({ length: 64 }, (_, i) => ({
      name: `n${i}`,
      capacity: { gpu: 8 },
      labels: { block: `b${i >> 4}`, rack: `r${i >> 2}` },
    }));
    const containers = Array.from({ length: 32 }, (_, j) => ({
      name: `c${j}`,
      gang: `g${j >> 3}`,
      requests: { gpu: 8 },
      topology: { required: 'block' },
    }));
    const { model } = snapshot({ nodes, containers, options: { topology: { levels, keepFree: 'rack' } } });
    const rule = model.rules!.groups.find((r) => r.kind === 'topologyGroup');
    assert.deepEqual(rule && rule.kind === 'topologyGroup' && rule.mostSpans, [1, 4, 8]);
  });
});

/** A kind: List solved by the service's solve, with its answer. */
async function plan(items: unknown[]) {
  const v = validateConverted({ kind: 'List', items });
  assert.ok(v.ok, JSON.stringify(!v.ok && v.issues));
  const o = await solveModel(v.model, v.options, sharedPool());
  return { v, o, a: outcomeJson(v.model, o, v.notes) as PlanAnswer };
}

const [B, R, H] = ['cloud.com/block', 'cloud.com/rack', 'kubernetes.io/hostname'];

/** Eight 8-GPU nodes in two blocks of two racks of two; `rack` names each node's rack. */
const gpuNodes = (rack: (k: number) => string) =>
  [0, 1, 2, 3, 4, 5, 6, 7].map((k) => ({
    kind: 'Node',
    metadata: { name: `gpu-${k}`, labels: { [B]: `b${k >> 2}`, [R]: rack(k), [H]: `gpu-${k}` } },
    status: { allocatable: { cpu: '64', 'nvidia.com/gpu': '8', pods: '110' } },
  }));

describe('topology: Kubernetes input (Kueue and KAI Scheduler objects)', function () {
  this.timeout(60_000);
  const nodes = gpuNodes((k) => `r${(k >> 1) & 1}`);
  const pod = (name: string, annotations: Record<string, string>, labels: Record<string, string> = {}) => ({
    kind: 'Pod',
    metadata: { name, namespace: 'ml', annotations, labels },
    spec: { containers: [{ name: 'c', resources: { requests: { 'nvidia.com/gpu': '4' } } }] },
    status: { phase: 'Pending' },
  });
  const levels = (apiVersion: string) => ({
    apiVersion,
    kind: 'Topology',
    metadata: { name: 'default' },
    spec: { levels: [{ nodeLabel: B }, { nodeLabel: R }, { nodeLabel: H }] },
  });

  it("reads Kueue's Topology and podset annotations: the pod group in one block, in fewest racks", async () => {
    const pods = [0, 1, 2, 3, 4, 5].map((k) =>
      pod(`w-${k}`, { 'kueue.x-k8s.io/podset-required-topology': B }, { 'kueue.x-k8s.io/pod-group-name': 'train' }),
    );
    const { v, o, a } = await plan([levels('kueue.x-k8s.io/v1beta2'), ...nodes, ...pods]);
    assert.deepEqual(v.model.topology!.labels, [B, R, H]);
    assert.equal(o.status, 'optimal');
    const g = a.topology!.groups[0]!;
    assert.deepEqual([g.group, g.members, g.plan.placed, g.plan.spans], ['ml/train', 6, 6, { [B]: 1, [R]: 2, [H]: 3 }]);
    assert.deepEqual(a.topology!.kueue && 'notAdmitted' in a.topology!.kueue && a.topology!.kueue.notAdmitted, []);
  });

  it("reads a KAI Scheduler PodGroup's topology constraint", async () => {
    const group = {
      apiVersion: 'scheduling.run.ai/v2alpha2',
      kind: 'PodGroup',
      metadata: { name: 'pg-train', namespace: 'ml' },
      spec: { minMember: 4, topologyConstraint: { topology: 'default', requiredTopologyLevel: R } },
    };
    const pods = [0, 1, 2, 3].map((k) => pod(`w-${k}`, { 'pod-group-name': 'pg-train' }));
    const { o, a } = await plan([levels('kai.scheduler/v1alpha1'), group, ...nodes, ...pods]);
    assert.equal(o.status, 'optimal');
    assert.deepEqual(a.topology!.groups[0]!.plan.spans, { [B]: 1, [R]: 1, [H]: 2 });
  });

  it("reads a KAI PodGroup's sub-groups: each within its own level, all within the PodGroup's", async () => {
    const group = {
      apiVersion: 'scheduling.run.ai/v2alpha2',
      kind: 'PodGroup',
      metadata: { name: 'pg-train', namespace: 'ml' },
      spec: {
        minMember: 4,
        topologyConstraint: { topology: 'default', requiredTopologyLevel: B },
        subGroups: ['a', 'b'].map((name) => ({
          name,
          minMember: 2,
          topologyConstraint: { topology: 'default', requiredTopologyLevel: R },
        })),
      },
    };
    const pods = [0, 1, 2, 3].map((k) =>
      pod(
        `w-${k}`,
        { 'pod-group-name': 'pg-train' },
        {
          'kai.scheduler/subgroup-name': k < 2 ? 'a' : 'b',
        },
      ),
    );
    const { o, a } = await plan([levels('kai.scheduler/v1alpha1'), group, ...nodes, ...pods]);
    assert.equal(o.status, 'optimal');
    assert.deepEqual(
      a.topology!.groups.map((g) => [g.group, g.members, g.plan.spans[B], g.plan.spans[R]]),
      [
        ['ml/pg-train/a', 2, 1, 1],
        ['ml/pg-train', 4, 1, 1],
        ['ml/pg-train/b', 2, 1, 1],
      ],
    );
    assert.deepEqual(
      a.notes.filter((n) => n.includes('KAI')),
      [],
    );
    // Room for two pods in each block (the other nodes run 8-GPU pods): the sub-groups would fit apart, the
    // PodGroup's block does not hold them.
    const busy = [1, 2, 3, 5, 6, 7].map((k) => ({
      kind: 'Pod',
      metadata: { name: `busy-${k}`, namespace: 'ml' },
      spec: { nodeName: `gpu-${k}`, containers: [{ name: 'c', resources: { requests: { 'nvidia.com/gpu': '8' } } }] },
      status: { phase: 'Running' },
    }));
    const full = await plan([levels('kai.scheduler/v1alpha1'), group, ...nodes, ...pods, ...busy]);
    assert.equal(full.o.status, 'infeasible');
    const apart = { ...group, spec: { ...group.spec, topologyConstraint: undefined } };
    assert.equal(
      (await plan([levels('kai.scheduler/v1alpha1'), apart, ...nodes, ...pods, ...busy])).o.status,
      'optimal',
    );
  });

  it("reads Volcano's HyperNodes as levels and a hard PodGroup's highest tier as the required one", async () => {
    const hyper = (name: string, tier: number, members: unknown[]) => ({
      apiVersion: 'topology.volcano.sh/v1alpha1',
      kind: 'HyperNode',
      metadata: { name },
      spec: { tier, members },
    });
    const node = (name: string) => ({ type: 'Node', selector: { exactMatch: { name } } });
    const items = [
      hyper('leaf-a', 1, [node('gpu-0'), node('gpu-1')]),
      hyper('leaf-b', 1, [{ type: 'Node', selector: { regexMatch: { pattern: '^gpu-[23]$' } } }]),
      hyper('leaf-c', 1, [{ type: 'Node', selector: { labelMatch: { matchLabels: { [B]: 'b1' } } } }]),
      hyper(
        'spine',
        2,
        ['leaf-a', 'leaf-b', 'leaf-c'].map((name) => ({ type: 'HyperNode', selector: { exactMatch: { name } } })),
      ),
      {
        apiVersion: 'scheduling.volcano.sh/v1beta1',
        kind: 'PodGroup',
        metadata: { name: 'job', namespace: 'ml' },
        spec: { minMember: 4, networkTopology: { mode: 'hard', highestTierAllowed: 1 } },
      },
      ...nodes,
      ...[0, 1, 2, 3].map((k) => pod(`w-${k}`, { 'scheduling.k8s.io/group-name': 'job' })),
    ];
    const { v, o, a } = await plan(items);
    assert.deepEqual(v.model.topology!.labels, ['volcano.sh/hypernode-tier-2', 'volcano.sh/hypernode-tier-1', H]);
    assert.ok(
      a.notes.includes(
        "read 4 Volcano HyperNodes: tiers 2, 1 are the topology's levels (node labels volcano.sh/hypernode-tier-<tier>)",
      ),
    );
    assert.equal(o.status, 'optimal');
    // Four 4-GPU pods within one leaf of tier 1: two hosts.
    assert.deepEqual(a.topology!.groups[0]!.plan.spans, {
      'volcano.sh/hypernode-tier-2': 1,
      'volcano.sh/hypernode-tier-1': 1,
      [H]: 2,
    });
    // A sub-group policy: each replica's pair within one leaf, the job itself across the spine.
    const pair = (k: number) => ({
      ...pod(`p-${k}`, { 'scheduling.k8s.io/group-name': 'pairs' }),
      metadata: {
        name: `p-${k}`,
        namespace: 'ml',
        annotations: { 'scheduling.k8s.io/group-name': 'pairs' },
        labels: { replica: `r${k >> 1}` },
      },
    });
    const pairs = {
      apiVersion: 'scheduling.volcano.sh/v1beta1',
      kind: 'PodGroup',
      metadata: { name: 'pairs', namespace: 'ml' },
      spec: {
        minMember: 4,
        networkTopology: { mode: 'hard', highestTierAllowed: 2 },
        subGroupPolicy: [
          { name: 'pair', matchLabelKeys: ['replica'], networkTopology: { mode: 'hard', highestTierAllowed: 1 } },
        ],
      },
    };
    const sub = await plan([...items.slice(0, 4), pairs, ...nodes, ...[0, 1, 2, 3].map(pair)]);
    assert.equal(sub.o.status, 'optimal');
    assert.deepEqual(
      sub.a.topology!.groups.map((g) => [g.group, g.plan.spans['volcano.sh/hypernode-tier-1']]),
      [
        ['ml/pairs/pair/r0', 1],
        ['ml/pairs', 1],
        ['ml/pairs/pair/r1', 1],
      ],
    );
    assert.deepEqual(sub.v.model.rules!.groups.filter((r) => r.kind === 'topologyGroup' && r.encloses).length, 1);
    assert.deepEqual(
      sub.a.notes.filter((n) => n.includes('sub-groups')),
      [],
    );
    const below = items.map((x) =>
      (x as { kind?: string }).kind === 'PodGroup'
        ? { ...x, spec: { minMember: 4, networkTopology: { mode: 'hard', highestTierAllowed: 0 } } }
        : x,
    );
    const w = validateConverted({ kind: 'List', items: below });
    assert.deepEqual(!w.ok && w.issues[0], {
      path: 'podList.items[0].metadata.annotations["scheduling.k8s.io/group-name"]',
      message: "its PodGroup allows tiers up to 0, below every HyperNode's tier",
    });
  });

  it('matches HyperNode patterns as RE2 does (in linear time), and names a pattern RE2 refuses', () => {
    const slow = 'a'.repeat(64) + '!';
    const items = (pattern: string) => [
      {
        apiVersion: 'topology.volcano.sh/v1alpha1',
        kind: 'HyperNode',
        metadata: { name: 'leaf' },
        spec: { tier: 1, members: [{ type: 'Node', selector: { regexMatch: { pattern } } }] },
      },
      { kind: 'Node', metadata: { name: slow }, status: { allocatable: { cpu: '1' } } },
      ...nodes,
    ];
    // A backtracking engine takes 2^64 steps on this name; RE2 one pass.
    const v = validateConverted({ kind: 'List', items: items('^(a+)+$') });
    assert.ok(v.ok && v.model.topology!.domains[0]!.length === 0);
    const w = validateConverted({ kind: 'List', items: items('gpu-[') });
    assert.deepEqual(!w.ok && w.issues, [
      {
        path: 'hyperNodeList.items[0].spec.members[0].selector.regexMatch.pattern',
        message: 'not a valid regular expression (RE2 syntax, as Go reads it)',
      },
    ]);
  });

  it('refuses more topology-aware groups × nodes than the rule work limit, from the counts alone', () => {
    const body = {
      nodes: Array.from({ length: 10 }, (_, i) => ({ name: `n${i}`, capacity: { gpu: 8 } })),
      containers: Array.from({ length: 20 }, (_, k) => ({
        name: `c${k}`,
        topology: { group: `g${k}`, required: 'rack' },
      })),
    };
    const limits = {
      maxNodes: 100,
      maxContainers: 100,
      maxPairs: 10_000,
      maxResources: 8,
      maxTimeLimitMs: 1000,
      maxRuleWork: 150,
    };
    assert.deepEqual(countIssues(snapshotCounts(body), limits, 'snapshot'), [
      {
        path: 'containers',
        message:
          'topology-aware groups × 10 nodes × levels and Volcano HyperNode members × nodes and HyperNodes come to ' +
          '200, more ' +
          'than the limit of 150: fewer groups (containers of one group share topology.group or a gang) or ' +
          'HyperNode members',
      },
    ]);
  });

  it('names the annotation whose level the topology lacks, and two Topologies that disagree', () => {
    const bad = pod('w', { 'kueue.x-k8s.io/podset-required-topology': 'zone' });
    const v = validateConverted({ kind: 'List', items: [levels('kueue.x-k8s.io/v1beta2'), ...nodes, bad] });
    assert.deepEqual(!v.ok && v.issues, [
      {
        path: 'podList.items[0].metadata.annotations["kueue.x-k8s.io/podset-required-topology"]',
        message: `"zone" is not a level of the topology (${B}, ${R}, ${H})`,
      },
    ]);
    const other = {
      ...levels('kueue.x-k8s.io/v1beta2'),
      metadata: { name: 'other' },
      spec: { levels: [{ nodeLabel: R }] },
    };
    const w = validateConverted({ kind: 'List', items: [levels('kueue.x-k8s.io/v1beta2'), other, ...nodes] });
    assert.deepEqual(!w.ok && w.issues, [
      {
        path: 'topologyList.items[1].spec.levels',
        message: 'Topology "other" has other levels than "default": give the ones to use in options.topology.levels',
      },
    ]);
  });
});

describe("topology: Kubernetes' own pod groups (scheduling.k8s.io PodGroup and Workload)", function () {
  this.timeout(60_000);
  // Rack names unique across blocks, so that the rack key alone nests in the block key.
  const nodes = gpuNodes((k) => `b${k >> 2}-r${(k >> 1) & 1}`);
  const pod = (name: string, spec: Record<string, unknown>) => ({
    kind: 'Pod',
    metadata: { name, namespace: 'ml' },
    spec: { containers: [{ name: 'c', resources: { requests: { 'nvidia.com/gpu': '4' } } }], ...spec },
    status: { phase: 'Pending' },
  });
  const inGroup = (name: string, group: string) => pod(name, { schedulingGroup: { podGroupName: group } });
  const podGroup = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: 'scheduling.k8s.io/v1alpha2',
    kind: 'PodGroup',
    metadata: { name, namespace: 'ml' },
    spec,
  });
  const gang = (minCount: number, key?: string) => ({
    schedulingPolicy: { gang: { minCount } },
    ...(key ? { schedulingConstraints: { topology: [{ key }] } } : {}),
  });

  it('a gang PodGroup with a topology key: all its pods in one domain, the key the only level', async () => {
    const pods = [0, 1, 2, 3, 4, 5].map((k) => inGroup(`w-${k}`, 'train'));
    const { v, o, a } = await plan([podGroup('train', gang(6, B)), ...nodes, ...pods]);
    assert.deepEqual(v.model.topology!.labels, [B]);
    assert.equal(o.status, 'optimal');
    const g = a.topology!.groups[0]!;
    assert.deepEqual([g.group, g.members, g.plan.placed, g.plan.spans], ['ml/train', 6, 6, { [B]: 1 }]);
    assert.deepEqual(
      v.model.rules!.groups.map((r) => r.name),
      ['topology ml/train', 'gang ml/train'],
    );
    assert.ok(
      v.notes!.includes('read 1 Kubernetes pod groups (scheduling.k8s.io): 1 gangs, 1 with a topology constraint'),
    );
  });

  it('two keys that nest are levels, fewest domains first; a key the Topology lacks is named', async () => {
    const pods = [
      ...[0, 1, 2, 3].map((k) => inGroup(`r-${k}`, 'rack')),
      ...[0, 1].map((k) => inGroup(`b-${k}`, 'block')),
    ];
    const groups = [podGroup('rack', gang(4, R)), podGroup('block', gang(2, B))];
    const { v, a } = await plan([...groups, ...nodes, ...pods]);
    assert.deepEqual(v.model.topology!.labels, [B, R]);
    const rack = a.topology!.groups.find((g) => g.group === 'ml/rack')!;
    assert.deepEqual(rack.plan.spans, { [B]: 1, [R]: 1 });
    const kueue = { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'Topology', metadata: { name: 'default' } };
    const levels = { ...kueue, spec: { levels: [{ nodeLabel: B }, { nodeLabel: H }] } };
    const w = validateConverted({ kind: 'List', items: [levels, ...groups, ...nodes, ...pods] });
    assert.deepEqual(!w.ok && w.issues, [
      {
        path: 'podList.items[0].spec.schedulingGroup.podGroupName',
        message:
          `its PodGroup "ml/rack" gives spec.schedulingConstraints.topology[0].key "${R}", not a level of the ` +
          `topology (${B}, ${H})`,
      },
    ]);
  });

  it('keys that do not nest are refused with the levels to give', () => {
    const zones = nodes.map((n, k) => ({
      ...n,
      metadata: { ...n.metadata, labels: { ...n.metadata.labels, z: `z${k & 1}` } },
    }));
    const items = [podGroup('a', gang(2, B)), podGroup('b', gang(2, 'z')), inGroup('a-0', 'a'), inGroup('b-0', 'b')];
    const v = validateConverted({ kind: 'List', items: [...items, ...zones] });
    assert.deepEqual(!v.ok && v.issues, [
      {
        path: 'k8sPodGroupList.items',
        message:
          `the PodGroups' topology keys ${B} and z do not nest (a domain of z spans two of ${B}): give the levels ` +
          'in options.topology.levels',
      },
    ]);
  });

  it('a 1.35 Workload: one gang per replica key, basic groups none; missing groups and minCount in the notes', () => {
    const ref = (podGroup: string, key?: string) => ({
      workloadRef: { name: 'job', podGroup, ...(key ? { podGroupReplicaKey: key } : {}) },
    });
    const workload = {
      apiVersion: 'scheduling.k8s.io/v1alpha1',
      kind: 'Workload',
      metadata: { name: 'job', namespace: 'ml' },
      spec: {
        podGroups: [
          { name: 'workers', policy: { gang: { minCount: 2 } } },
          { name: 'driver', policy: { basic: {} } },
        ],
      },
    };
    const pods = [
      pod('w-0', ref('workers', '0')),
      pod('w-1', ref('workers', '0')),
      pod('w-2', ref('workers', '1')),
      pod('w-3', ref('workers', '1')),
      pod('w-4', ref('workers', '1')),
      pod('d-0', ref('driver')),
      pod('d-1', ref('driver')),
      inGroup('x-0', 'ghost'),
      inGroup('x-1', 'ghost'),
      inGroup('y-0', 'big'),
    ];
    const v = validateConverted({ kind: 'List', items: [workload, podGroup('big', gang(4)), ...nodes, ...pods] });
    assert.ok(v.ok);
    assert.deepEqual(
      v.model.rules!.groups.map((r) => [r.name, 'items' in r ? r.items.length : 0]),
      [
        ['gang ml/job/workers/0', 2],
        ['gang ml/job/workers/1', 3],
        ['gang ml/ghost', 2],
      ],
    );
    assert.deepEqual(v.notes!.slice(-4), [
      'read 5 Kubernetes pod groups (scheduling.k8s.io): 4 gangs, 0 with a topology constraint',
      '1 pod groups are named by pods but not in the input (ml/ghost): kube-scheduler keeps their pods pending ' +
        'until the PodGroup (or Workload) exists; here each is a gang of its pods',
      '1 gangs have fewer pods in the input than their minCount (ml/big): kube-scheduler places none of them ' +
        'until the rest exist; here the pods there are a gang',
      '1 gangs have more pods than their minCount (ml/job/workers/1): kube-scheduler admits one once minCount ' +
        'of its pods fit; here all of its pods are placed or none',
    ]);
  });

  it("a pod group named as another scheduler's gang in its namespace stays a gang of its own", () => {
    const volcano = (name: string) => ({
      ...pod(name, {}),
      metadata: { name, namespace: 'ml', annotations: { 'scheduling.k8s.io/group-name': 'train' } },
    });
    const items = [podGroup('train', gang(2)), ...nodes, inGroup('w-0', 'train'), inGroup('w-1', 'train')];
    const v = validateConverted({ kind: 'List', items: [...items, volcano('v-0'), volcano('v-1')] });
    assert.ok(v.ok);
    assert.deepEqual(
      v.model.rules!.groups.map((r) => [r.name, 'items' in r ? r.items.length : 0]),
      [
        ['gang ml/train (scheduling.k8s.io)', 2],
        ['gang ml/train', 2],
      ],
    );
  });

  it('counts the pods of PodGroups with a topology key, and KAI sub-groups, among the topology-aware groups', () => {
    const pods = [0, 1, 2].map((k) => inGroup(`w-${k}`, 'train'));
    const counts = snapshotCounts({ kind: 'List', items: [podGroup('train', gang(3, B)), ...nodes, ...pods] });
    assert.equal(counts.topologyWork, 1 * 8 * 1);
    const lists = { nodeList: { items: nodes }, podList: { items: pods } };
    const objectForm = { ...lists, k8sPodGroupList: { items: [podGroup('train', gang(3, B))] } };
    assert.equal(snapshotCounts(objectForm).topologyWork, 1 * 8 * 1);
    // KAI's leaf sub-groups are groups of their own, and their PodGroup may be one around them: three, over three
    // levels.
    const kai = [0, 1, 2, 3].map((k) => ({
      ...pod(`k-${k}`, {}),
      metadata: {
        name: `k-${k}`,
        namespace: 'ml',
        annotations: { 'pod-group-name': 'pg' },
        labels: { 'kai.scheduler/subgroup-name': k < 2 ? 'a' : 'b' },
      },
    }));
    const levels = { kind: 'Topology', spec: { levels: [{ nodeLabel: B }, { nodeLabel: R }, { nodeLabel: H }] } };
    assert.equal(snapshotCounts({ kind: 'List', items: [levels, ...nodes, ...kai] }).topologyWork, 3 * 8 * 3);
  });
});

describe('topology: room for a gang (whatIf.start), the fewest moves against brute force (fast-check)', function () {
  this.timeout(300_000);
  const LIMITS = { maxNodes: 100, maxContainers: 100, maxPairs: 10_000, maxResources: 8, maxTimeLimitMs: 60_000 };
  const rooms = fc.record({
    gpus: fc.array(fc.integer({ min: 2, max: 4 }), { minLength: 4, maxLength: 4 }),
    running: fc.array(fc.record({ gpu: fc.integer({ min: 1, max: 2 }), at: fc.integer({ min: 0, max: 3 }) }), {
      minLength: 1,
      maxLength: 3,
    }),
    gang: fc.record({ members: fc.integer({ min: 2, max: 3 }), gpu: fc.integer({ min: 1, max: 2 }) }),
  });
  it('names the fewest running containers to move so the gang starts within one rack', async () => {
    await fc.assert(
      fc.asyncProperty(rooms, async (c) => {
        const nodes = c.gpus.map((gpu, i) => ({ name: `n${i}`, capacity: { gpu }, labels: { rack: `r${i >> 1}` } }));
        const containers = c.running.map((r, k) => ({
          name: `run-${k}`,
          requests: { gpu: r.gpu },
          current: `n${r.at}`,
        }));
        const start = Array.from({ length: c.gang.members }, (_, k) => ({
          name: `job-${k}`,
          gang: 'job',
          requests: { gpu: c.gang.gpu },
          topology: { required: 'rack' },
        }));
        const options = { topology: { levels: ['rack', 'kubernetes.io/hostname'] }, timeLimitMs: 20_000 };
        const body = { nodes, containers, options };
        const r = await answerCapacity(
          { ...body, question: { whatIf: { start } } },
          { pool: sharedPool(), limits: LIMITS },
        );
        const now = new Map(containers.map((x) => [x.name, x.current]));
        const model = snapshot(whatIfSnapshot(body, { start } as unknown as WhatIfQuestion, now)).model;
        const brute = bruteForcePlan(model)!;
        assert.equal(r['status'], 'optimal');
        assert.ok(
          Math.abs((r['objective'] as number) - brute.objective) < 1e-9,
          `${r['objective']} vs ${brute.objective}`,
        );
        const full = verifyPlan(model, brute.plan, true);
        assert.equal(r['fits'], full.valid && full.complete);
        if (r['fits']) assert.equal(r['moveCount'], brute.objective);
      }),
      { numRuns: 25, seed: 27 },
    );
  });
});

describe('topology: keepFree on a generated GPU cluster (bench/ai.ts)', function () {
  this.timeout(120_000);
  it('frees racks the Kueue-style plan uses, places as many GPUs, and proves its gap', async () => {
    const v = snapshot(aiSnapshot(256, 42, 4_000, 'first'));
    const o = await solveModel(v.model, v.options, sharedPool());
    assert.ok(verifyPlan(v.model, o.plan.assignment, false).valid);
    const t = (outcomeJson(v.model, o) as PlanAnswer).topology!;
    const racks = (side: 'plan' | 'kueue') => t.fragmentation[side]!.find((f) => f.level === AI_LEVELS[1])!.free;
    const placed = (side: 'plan' | 'kueue') => t.groups.reduce((n, g) => n + g[side]!.placed, 0);
    assert.ok(racks('plan') > racks('kueue'), `${racks('plan')} free racks against ${racks('kueue')}`);
    assert.equal(placed('plan'), placed('kueue'));
    assert.ok(o.gap !== null && o.gap < 0.01, `gap ${o.gap}`);
  });

  it('after the spans: never more racks spanned than the Kueue-style plan, and as many free where as many spanned', async () => {
    const v = snapshot(aiSnapshot(256, 42, 4_000, 'afterSpans'));
    const o = await solveModel(v.model, v.options, sharedPool());
    assert.ok(verifyPlan(v.model, o.plan.assignment, false).valid);
    const t = (outcomeJson(v.model, o) as PlanAnswer).topology!;
    const free = (side: 'plan' | 'kueue') => t.fragmentation[side]!.find((f) => f.level === AI_LEVELS[1])!.free;
    const racks = (side: 'plan' | 'kueue') => t.groups.reduce((n, g) => n + g[side]!.spans[AI_LEVELS[1]]!, 0);
    assert.ok(racks('plan') <= racks('kueue'), `${racks('plan')} racks spanned against ${racks('kueue')}`);
    if (racks('plan') === racks('kueue')) assert.ok(free('plan') >= free('kueue'), `${free('plan')} free racks`);
  });
});

describe('topology: where keepFree comes (options.topology.keepFreeOrder)', function () {
  this.timeout(60_000);
  // rack r0: h0, h1 with 8 GPUs free each; rack r1: h2 (8 GPUs, 4 held by a pinned pod) and h3 (4 GPUs).
  const nodes = [8, 8, 8, 4].map((gpu, i) => ({
    name: `h${i}`,
    capacity: { gpu },
    labels: { rack: `r${i >> 1}`, 'kubernetes.io/hostname': `h${i}` },
  }));
  const containers = [
    { name: 'a', requests: { gpu: 4 }, current: 'h2', pinned: true },
    ...[0, 1].map((k) => ({ name: `g-${k}`, gang: 'g', requests: { gpu: 4 }, topology: { preferred: 'rack' } })),
  ];
  const solve = async (order: Record<string, string>) => {
    const levels = ['rack', 'kubernetes.io/hostname'];
    const v = snapshot({ nodes, containers, options: { topology: { levels, ...order } } });
    const o = await solveModel(v.model, v.options, sharedPool());
    const t = (outcomeJson(v.model, o) as PlanAnswer).topology!;
    const hosts = [1, 2].map((j) => v.model.nodes[o.plan.assignment[j]!]!).sort();
    return { status: o.status, hosts, freeRacks: t.fragmentation.plan.find((f) => f.level === 'rack')!.free };
  };

  it('first: the rack beside the pinned pod holds the gang on two hosts, and r0 stays free', async () => {
    const r = await solve({ keepFree: 'rack' });
    assert.deepEqual(r, { status: 'optimal', hosts: ['h2', 'h3'], freeRacks: 1 });
  });

  it('afterSpans: the gang on one host first, so no rack stays free; as without keepFree', async () => {
    const after = await solve({ keepFree: 'rack', keepFreeOrder: 'afterSpans' });
    assert.equal(after.status, 'optimal');
    assert.equal(after.freeRacks, 0);
    assert.ok(['h0', 'h1'].includes(after.hosts[0]!) && after.hosts[0] === after.hosts[1], after.hosts.join());
    const none = await solve({});
    assert.equal(none.hosts[0], none.hosts[1]);
  });
});

describe('topology: a free domain traded against spans (options.topology.keepFreeWeight)', function () {
  this.timeout(60_000);
  // rack r0: h0 with 8 GPUs free; rack r1: h1–h4, 2 GPUs free each beside a pinned pod. A gang of four 2-GPU pods
  // on h0 spans 1 rack (weight 4, with four members) and 1 host: 5, and 2 racks in use; on h1–h4, 4 + 4 = 8 with
  // 1 rack in use (r0 free). So r0 stays free where a rack in use weighs more than 3.
  const nodes = [8, 8, 8, 8, 8].map((gpu, i) => ({
    name: `h${i}`,
    capacity: { gpu },
    labels: { rack: i === 0 ? 'r0' : 'r1', 'kubernetes.io/hostname': `h${i}` },
  }));
  const busy = [1, 2, 3, 4].map((i) => ({ name: `busy-${i}`, requests: { gpu: 6 }, current: `h${i}`, pinned: true }));
  const gang = [0, 1, 2, 3].map((k) => ({
    name: `g-${k}`,
    gang: 'g',
    requests: { gpu: 2 },
    topology: { preferred: 'rack' },
  }));
  const solve = async (keepFreeWeight: number) => {
    const topology = { levels: ['rack', 'kubernetes.io/hostname'], keepFree: 'rack', keepFreeWeight };
    const v = snapshot({ nodes, containers: [...busy, ...gang], options: { topology } });
    const o = await solveModel(v.model, v.options, sharedPool());
    const hosts = [...new Set(gang.map((_, k) => v.model.nodes[o.plan.assignment[busy.length + k]!]!))].sort();
    return { status: o.status, hosts, objective: o.objective };
  };

  it('weight 3: the gang on one host, both racks in use (5 + 2 × 3 = 11, against 8 + 3)', async () => {
    const r = await solve(3);
    assert.deepEqual([r.status, r.hosts], ['optimal', ['h0']]);
  });

  it('weight 4: on h1–h4, and r0 stays free (8 + 4 = 12, against 5 + 2 × 4 = 13)', async () => {
    const r = await solve(4);
    assert.deepEqual([r.status, r.hosts], ['optimal', ['h1', 'h2', 'h3', 'h4']]);
  });
});

describe('topology: precision', () => {
  it('refuses levels whose weights outgrow what solvers in double precision tell apart', () => {
    const levelsOf = (depth: number) => Array.from({ length: depth }, (_, k) => `l${k}`);
    const body = (depth: number) => {
      const levels = levelsOf(depth);
      const n = 2 ** depth;
      const labels = (i: number) => Object.fromEntries(levels.map((l, k) => [l, String(i >> (depth - 1 - k))]));
      return {
        nodes: Array.from({ length: n }, (_, i) => ({ name: `n${i}`, capacity: { gpu: 1 }, labels: labels(i) })),
        containers: Array.from({ length: n }, (_, j) => ({
          name: `c${j}`,
          gang: 'g',
          requests: { gpu: 1 },
          topology: { preferred: levels.at(-1)! },
        })),
        options: { topology: { levels } },
      };
    };
    assert.deepEqual(precisionIssues(objectivePrecision(snapshot(body(4)).model)), []);
    assert.deepEqual(precisionIssues(objectivePrecision(snapshot(body(8)).model)), [
      {
        path: 'options.topology.levels',
        message:
          "the topology part can reach 1.12812e+11 steps (each level's weight, and keepFree's, exceeds all below it): " +
          'past 1e+9 steps, solvers in double precision cannot prove which plan spans fewest; use fewer levels or ' +
          'groups, or no keepFree',
      },
    ]);
  });

  it('names keepFreeWeight where its weight over the domains alone passes what solvers tell apart', () => {
    const nodes = [0, 1, 2].map((i) => ({ name: `n${i}`, capacity: { gpu: 1 }, labels: { rack: `r${i}` } }));
    const body = (keepFreeWeight: number) => ({
      nodes,
      containers: [{ name: 'a', requests: { gpu: 1 } }],
      options: { topology: { levels: ['rack'], keepFree: 'rack', keepFreeWeight } },
    });
    assert.deepEqual(precisionIssues(objectivePrecision(snapshot(body(333_333_333)).model)), []);
    assert.deepEqual(precisionIssues(objectivePrecision(snapshot(body(333_333_334)).model)), [
      {
        path: 'options.topology.keepFreeWeight',
        message:
          "each of the 3 domains of keepFree's level in use costs 333333334: past 1e+9 steps, solvers in double " +
          'precision cannot prove which plan is best; use a keepFreeWeight of at most 333333333',
      },
    ]);
  });
});
