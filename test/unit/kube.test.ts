import assert from 'node:assert/strict';
import type { AssignmentModel, GroupRule } from '../../models/model.js';
import { hasBlocks } from '../../models/pairs.js';
import type { SolverName } from '../../models/options.js';
import { effectiveRequests, KubePodSchema } from '../../models/kube.js';
import { validateConverted, validatePlanBody } from '../../models/validate.js';
import { outcomeJson } from '../../planning/answer.js';
import { solveModel } from '../../solver/solve.js';
import { verifyPlan } from '../../solver/verify.js';
import { randomRuleSnapshot } from '../../bench/random.js';
import { bruteForcePlan, loadCases, snapshot } from '../helpers.js';
import { sharedPool } from '../setup.js';

/** Kubernetes fixtures (fixtures/kube): kubectl output as it comes, with the expected plan and why. */
interface KubeCase {
  name: string;
  description: string;
  input: unknown;
  want: {
    status: string;
    objective?: number;
    /** node → exactly these pods (only the nodes listed are checked: the others may hold ties). */
    plan?: Record<string, string[]>;
    unplaced?: string[];
    moves?: string[];
    stays?: Record<string, string>;
    absent?: string[];
    distinctNodes?: string[];
    zoneCounts?: Record<string, Record<string, number>>;
    requests?: Record<string, Record<string, number>>;
    reasons?: { kind: string; container: string; message: string }[];
    greedy?: { unplaced: string[] };
  };
}

interface PlanAnswer {
  status: string;
  objective: number | null;
  assignments: { container: string; node: string }[];
  unplaced: string[];
  moves?: { container: string; from: string; to: string | null }[];
  reasons?: { kind: string; container: string; message: string }[];
  greedy: { unplaced: string[] };
}

/** Leaves to enumerate above which brute force is skipped. */
const BRUTE_FORCE_LIMIT = 20_000;

describe('Kubernetes fixtures (fixtures/kube): NodeList + PodList as kubectl prints them', function () {
  this.timeout(60_000);
  for (const c of loadCases<KubeCase>('kube')) {
    it(`${c.name} (${c.file})`, async () => {
      const v = validateConverted(c.input);
      assert.ok(v.ok, JSON.stringify(!v.ok && v.issues));
      const outcome = await solveModel(v.model, v.options, sharedPool());
      const json = outcomeJson(v.model, outcome) as unknown as PlanAnswer;
      const want = c.want;
      assert.equal(json.status, want.status, JSON.stringify(outcome.notes));
      assert.ok(
        verifyPlan(v.model, outcome.plan.assignment, want.status !== 'infeasible').valid,
        'the plan passes the verifier',
      );
      assert.ok(verifyPlan(v.model, outcome.greedy.assignment, false).valid, 'the greedy plan passes the verifier');
      const nodeOf = new Map(json.assignments.map((a) => [a.container, a.node]));
      for (const [node, pods] of Object.entries(want.plan ?? {})) {
        assert.deepEqual(
          json.assignments
            .filter((a) => a.node === node)
            .map((a) => a.container)
            .sort(),
          [...pods].sort(),
          `pods on ${node}`,
        );
      }
      if (want.objective !== undefined)
        assert.ok(Math.abs(json.objective! - want.objective) < 1e-9, `objective ${json.objective}`);
      assert.deepEqual(
        [...json.unplaced].sort(),
        [...(want.unplaced ?? (want.status === 'infeasible' ? json.unplaced : []))].sort(),
      );
      if (want.moves) assert.deepEqual((json.moves ?? []).map((m) => m.container).sort(), [...want.moves].sort());
      for (const [pod, node] of Object.entries(want.stays ?? {})) assert.equal(nodeOf.get(pod), node);
      for (const pod of want.absent ?? []) assert.ok(!v.model.items.includes(pod), `${pod} is not in the model`);
      if (want.distinctNodes)
        assert.equal(
          new Set(want.distinctNodes.map((p) => nodeOf.get(p))).size,
          want.distinctNodes.length,
          'one node each',
        );
      for (const [key, counts] of Object.entries(want.zoneCounts ?? {})) {
        const zoneOf = new Map(
          (
            c.input as { nodeList: { items: { metadata: { name: string; labels: Record<string, string> } }[] } }
          ).nodeList.items.map((n) => [n.metadata.name, n.metadata.labels[key]]),
        );
        const got: Record<string, number> = {};
        for (const a of json.assignments) got[zoneOf.get(a.node)!] = (got[zoneOf.get(a.node)!] ?? 0) + 1;
        assert.deepEqual(got, counts);
      }
      for (const [pod, req] of Object.entries(want.requests ?? {})) {
        const j = v.model.items.indexOf(pod);
        const got: Record<string, number> = Object.fromEntries(
          v.model.resources.filter((r) => r.demand[j]! > 0n).map((r) => [r.name, Number(r.demand[j]!) / 1000]),
        );
        assert.deepEqual(got, req, `effective requests of ${pod}`);
      }
      for (const r of want.reasons ?? [])
        assert.ok(
          json.reasons?.some((x) => x.kind === r.kind && x.container === r.container && x.message === r.message),
          `reason ${r.message} in ${JSON.stringify(json.reasons)}`,
        );
      if (want.greedy) assert.deepEqual([...json.greedy.unplaced].sort(), [...want.greedy.unplaced].sort());
      // An independent optimum where the instance is small enough: enumeration through the verifier.
      const leaves = (v.model.nodes.length + (v.model.rules?.unplacedPenalty ? 1 : 0)) ** v.model.items.length;
      if (leaves <= BRUTE_FORCE_LIMIT) {
        const brute = bruteForcePlan(v.model);
        if (want.status === 'infeasible') assert.equal(brute, null);
        else
          assert.ok(
            brute && Math.abs(brute.objective - json.objective!) < 1e-9,
            `brute force ${brute?.objective} vs ${json.objective}`,
          );
      }
    });
  }

  it('accepts the same documents as one kind: List (kubectl get nodes,pods -o json) and gives the same plan', async () => {
    const c = loadCases<KubeCase>('kube').find((x) => x.file === 'gpu-pool-taints.json')!;
    const input = c.input as { nodeList: { items: unknown[] }; podList: { items: unknown[] } };
    const asList = { apiVersion: 'v1', kind: 'List', items: [...input.nodeList.items, ...input.podList.items] };
    const a = validatePlanBody(c.input);
    const b = validatePlanBody(asList);
    assert.ok(a.ok && b.ok);
    assert.deepEqual(b.model, a.model);
  });
});

describe('Kubernetes input: pod requests and rejected input', () => {
  const pod = (spec: Record<string, unknown>): ReturnType<typeof KubePodSchema.parse> =>
    KubePodSchema.parse({
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'app', resources: { requests: { cpu: '1', memory: '1Gi' } } }], ...spec },
    });
  const cpu = (p: ReturnType<typeof pod>): bigint | undefined => effectiveRequests(p).get('cpu');

  it('adds restartable init containers (sidecars) to the app containers', () => {
    assert.equal(
      cpu(pod({ initContainers: [{ name: 's', restartPolicy: 'Always', resources: { requests: { cpu: '500m' } } }] })),
      1500n,
    );
  });
  it('takes the largest init container plus the sidecars declared before it, when larger', () => {
    const p = pod({
      initContainers: [
        { name: 'early', resources: { requests: { cpu: '2' } } },
        { name: 's', restartPolicy: 'Always', resources: { requests: { cpu: '500m' } } },
        { name: 'late', resources: { requests: { cpu: '1800m' } } },
      ],
    });
    // app 1 + sidecar 0.5 = 1.5; early init 2 (no sidecar before it); late init 1.8 + 0.5 = 2.3 → 2.3
    assert.equal(cpu(p), 2300n);
  });
  it('adds spec.overhead, and uses limits where requests are absent', () => {
    const p = pod({
      overhead: { cpu: '250m' },
      containers: [{ name: 'gpu', resources: { limits: { 'nvidia.com/gpu': '2', cpu: '3' }, requests: { cpu: '1' } } }],
    });
    assert.equal(cpu(p), 1250n);
    assert.equal(effectiveRequests(p).get('nvidia.com/gpu'), 2000n);
  });

  const base = (): { nodeList: { items: unknown[] }; podList: { items: unknown[] } } => ({
    nodeList: {
      items: [{ metadata: { name: 'n1' }, status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } } }],
    },
    podList: {
      items: [
        {
          metadata: { name: 'p1', namespace: 'default' },
          spec: { containers: [{ name: 'c', resources: { requests: { cpu: '1' } } }] },
        },
      ],
    },
  });
  for (const [bad, why] of [
    ['1K', 'quantity'],
    ['1.5.0', 'quantity'],
    ['', 'quantity'],
  ] as const) {
    it(`refuses the quantity "${bad}" with the path into the pod list`, () => {
      const input = base();
      (
        input.podList.items[0] as { spec: { containers: { resources: { requests: { cpu: string } } }[] } }
      ).spec.containers[0]!.resources.requests.cpu = bad;
      const v = validateConverted(input);
      assert.ok(!v.ok);
      assert.equal(v.issues[0]?.path, 'podList.items[0].spec.containers[0].resources.requests.cpu');
      assert.match(v.issues[0]!.message, new RegExp(why));
    });
  }
  it('reads status.capacity where a node gives no allocatable (the API server default), and no pods where neither', () => {
    const input = base();
    const node = input.nodeList.items[0] as { status: Record<string, unknown> };
    node.status = { capacity: node.status['allocatable'] };
    const capacityOnly = validateConverted(input);
    assert.ok(capacityOnly.ok);
    assert.ok((capacityOnly.notes ?? []).some((n) => /1 nodes give only status.capacity/.test(n)));
    node.status = {};
    const none = validateConverted(input);
    assert.ok(none.ok);
    const pods = none.model.resources.find((r) => r.name === 'pods')!;
    assert.equal(pods.capacity[0], 0n);
  });
  it('refuses duplicate pods (same namespace and name)', () => {
    const input = base();
    input.podList.items.push(input.podList.items[0]);
    const v = validateConverted(input);
    assert.ok(!v.ok);
    assert.match(v.issues[0]!.message, /duplicate pod "default\/p1"/);
  });
});

/**
 * Every hard rule, on random small snapshots: the optimum (auto, and GLPK and HiGHS pinned) equals the
 * brute-force optimum over plans the independent verifier accepts, and the answer's plan passes it. Each
 * rule kind must actually bind in some instances (the optimum without it would break it).
 */
describe('every hard rule: the optimum never breaks it (random snapshots against brute force through the verifier)', function () {
  this.timeout(300_000);
  const bound = new Map<string, number>();
  const seen = new Map<string, number>();
  const SEEDS = Array.from({ length: 60 }, (_, k) => 7000 + k);
  for (const seed of SEEDS) {
    it(`seed ${seed}`, async () => {
      const { model } = snapshot(randomRuleSnapshot(seed));
      const brute = bruteForcePlan(model);
      for (const solver of ['auto', 'glpk', 'highs'] as SolverName[]) {
        const o = await solveModel(
          model,
          { timeLimitMs: 5000, mipGap: 0, solver, symmetry: solver !== 'glpk' },
          sharedPool(),
        );
        if (brute === null) {
          assert.equal(o.status, 'infeasible', `${solver}: brute force finds no plan`);
          continue;
        }
        assert.equal(o.status, 'optimal', `${solver}: ${o.notes.join('; ')}`);
        const check = verifyPlan(model, o.plan.assignment, true);
        assert.ok(check.valid, `${solver}: ${check.violations.join('; ')}`);
        assert.ok(
          Math.abs(check.objective - brute.objective) < 1e-6,
          `${solver} objective ${check.objective}, brute force ${brute.objective}`,
        );
      }
      // Which rules bind: the best plan without that rule breaks it.
      if (brute) for (const kind of bindingRules(model, brute.objective)) bound.set(kind, (bound.get(kind) ?? 0) + 1);
      for (const kind of ruleKinds(model)) seen.set(kind, (seen.get(kind) ?? 0) + 1);
    });
  }
  it('each rule kind occurs and binds in some of these instances', () => {
    for (const kind of ['blocked', 'atMost', 'apart', 'together', 'spread', 'gang', 'pods']) {
      assert.ok((seen.get(kind) ?? 0) > 0, `${kind} occurs`);
      assert.ok((bound.get(kind) ?? 0) > 0, `${kind} binds somewhere: ${JSON.stringify([...bound])}`);
    }
  });
});

function ruleKinds(model: AssignmentModel): string[] {
  const kinds = new Set<string>((model.rules?.groups ?? []).map((g) => g.kind));
  if (model.rules && hasBlocks(model.rules.blocked)) kinds.add('blocked');
  if (model.resources.some((r) => r.name === 'pods')) kinds.add('pods');
  return [...kinds];
}

/** The rule kinds whose removal lets brute force find a strictly better plan. */
function bindingRules(model: AssignmentModel, optimum: number): string[] {
  const out: string[] = [];
  const rules = model.rules!;
  const better = (relaxed: AssignmentModel): boolean => {
    const b = bruteForcePlan(relaxed);
    return b !== null && b.objective < optimum - 1e-9;
  };
  for (const kind of ['atMost', 'apart', 'together', 'spread', 'gang'] as GroupRule['kind'][]) {
    if (!rules.groups.some((g) => g.kind === kind)) continue;
    if (better({ ...model, rules: { ...rules, groups: rules.groups.filter((g) => g.kind !== kind) } })) out.push(kind);
  }
  if (
    hasBlocks(rules.blocked) &&
    // Every block but the pins.
    better({ ...model, rules: { ...rules, blocked: { ...rules.blocked, values: rules.blocked.values.map(() => 0) } } })
  )
    out.push('blocked');
  const pods = model.resources.findIndex((r) => r.name === 'pods');
  if (pods >= 0 && better({ ...model, resources: model.resources.filter((_, k) => k !== pods) })) out.push('pods');
  return out;
}

describe('the verifier checks every rule on its own', () => {
  const { model } = snapshot({
    nodes: [
      { name: 'a1', capacity: { cpu: 8, pods: 2 }, labels: { zone: 'a', disk: 'ssd' } },
      { name: 'a2', capacity: { cpu: 8, pods: 3 }, labels: { zone: 'a' } },
      {
        name: 'b1',
        capacity: { cpu: 8, pods: 3 },
        labels: { zone: 'b' },
        taints: [{ key: 'gpu', effect: 'NoSchedule' }],
      },
      { name: 'b2', capacity: { cpu: 8, pods: 3 }, labels: { zone: 'b' }, unschedulable: true },
    ],
    containers: [
      {
        name: 'db-0',
        labels: { app: 'db' },
        antiAffinity: [{ selector: { matchLabels: { app: 'db' } }, topologyKey: 'kubernetes.io/hostname' }],
      },
      {
        name: 'db-1',
        labels: { app: 'db' },
        antiAffinity: [{ selector: { matchLabels: { app: 'db' } }, topologyKey: 'kubernetes.io/hostname' }],
        tolerations: [{ key: 'gpu', operator: 'Exists' }],
      },
      {
        name: 'cache',
        labels: { app: 'cache' },
        affinity: [{ selector: { matchLabels: { app: 'db' } }, topologyKey: 'zone' }],
        nodeSelector: { disk: 'ssd' },
      },
      {
        name: 'w-0',
        labels: { app: 'w' },
        spread: [{ maxSkew: 1, topologyKey: 'zone', selector: { matchLabels: { app: 'w' } } }],
        gang: 'job',
        tolerations: [{ key: 'gpu', operator: 'Exists' }],
      },
      {
        name: 'w-1',
        labels: { app: 'w' },
        spread: [{ maxSkew: 1, topologyKey: 'zone', selector: { matchLabels: { app: 'w' } } }],
        gang: 'job',
        tolerations: [{ key: 'gpu', operator: 'Exists' }],
      },
      {
        name: 'loner',
        labels: { app: 'l' },
        antiAffinity: [{ selector: { matchLabels: { app: 'cache' } }, topologyKey: 'zone' }],
      },
    ],
    options: { allowUnplaced: true },
  });
  // a1=0 a2=1 b1=2 b2=3; containers db-0, db-1, cache, w-0, w-1, loner
  const good = [0, 2, 0, 1, 2, -1];
  const cases: [string, number[], RegExp][] = [
    ['a valid plan', good, /^$/],
    [
      'anti-affinity (two db replicas on one host)',
      [1, 1, 0, 1, 2, 1],
      /anti-affinity kubernetes.io\/hostname.*share a domain/,
    ],
    ['anti-affinity between sets (loner in the cache zone)', [0, 2, 0, 1, 2, 0], /anti-affinity zone.*shares a domain/],
    [
      'affinity (cache in a zone without db)',
      [2, 2, 0, 1, 2, -1],
      /affinity zone.*no container matching every term in its domain/,
    ],
    [
      'spread (both workers in zone a)',
      [0, 2, 0, 1, 1, -1],
      /spread zone maxSkew 1.*is in a domain of 2, more than 1 above the least \(0\)/,
    ],
    ['gang (one worker placed)', [0, 2, 0, 1, -1, 1], /gang job: 1 of 2 containers placed/],
    ['taint (db-0 on the tainted node)', [2, 0, 0, 1, 2, 1], /db-0.*b1.*\(taint\)/],
    ['cordon (on the unschedulable node)', [0, 3, 0, 1, 2, 1], /db-1.*b2.*\(unschedulable\)/],
    ['node selector (cache off the ssd node)', [0, 2, 1, 1, 2, -1], /cache.*a2.*\(selector\)/],
    ['pods cap (three on a1)', [0, 2, 0, 0, 2, 1], /a1.*over its pods capacity/],
  ];
  for (const [name, plan, want] of cases) {
    it(name, () => {
      const v = verifyPlan(model, Int32Array.from(plan), true);
      if (want.source === '^$') assert.deepEqual(v.violations, []);
      else
        assert.ok(
          v.violations.some((x) => want.test(x)),
          `${want} in ${JSON.stringify(v.violations)}`,
        );
    });
  }
});
