import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parse as parseYaml, stringify } from 'yaml';
import { delimiter, dirname, join } from 'node:path';
import { fixturePath, ROOT } from '../helpers.js';
import { kubectlNode, kubectlPod, writeList } from '../../bench/kubectl.js';
import { scaleSnapshot } from '../../bench/scale.js';
import { readLargeList, slimObject } from '../../cli/stream.js';
import { validatePlanBody } from '../../models/validate.js';
import { greedyPlan } from '../../solver/greedy.js';
import { binaryBytes, isByteResource } from '../../cli/table.js';
import { gapToProgram, parseGapFile } from '../../bench/orlib.js';

const CLI = join(ROOT, 'dist', 'cli', 'placement.js');

function placement(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { input: input ?? '', encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function withEnv(env: Record<string, string | undefined>, args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const fixtureInput = (name: string): string =>
  JSON.stringify((JSON.parse(readFileSync(fixturePath('plan', name), 'utf8')) as { input: unknown }).input);

describe('CLI (placement)', function () {
  this.timeout(120_000);

  it('--help prints the usage and exits 0', () => {
    const r = placement(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: placement <plan\|solve\|evaluate\|capacity>/);
  });

  it('plan - reads stdin, prints the same JSON as the API, exits 0 when optimal', () => {
    const r = placement(['plan', '-'], fixtureInput('seed-example.json'));
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { status: string; objective: number; greedy: { objective: number } };
    assert.equal(out.status, 'optimal');
    assert.equal(out.objective, 1.25);
    assert.equal(out.greedy.objective, 1.375);
  });

  it('plan NODES PODS reads kubectl output from two files; a directory of YAML manifests gives the same plan', () => {
    const c = JSON.parse(readFileSync(fixturePath('kube', 'zone-spread-web.json'), 'utf8')) as {
      input: { nodeList: { items: unknown[] }; podList: { items: unknown[] } };
    };
    const dir = mkdtempSync(join(tmpdir(), 'placement-'));
    writeFileSync(join(dir, 'nodes.json'), JSON.stringify(c.input.nodeList));
    writeFileSync(join(dir, 'pods.json'), JSON.stringify(c.input.podList));
    const two = placement(['plan', join(dir, 'nodes.json'), join(dir, 'pods.json'), '--time-limit-ms', '5000']);
    assert.equal(two.code, 0, two.stderr);
    const a = JSON.parse(two.stdout) as { status: string; objective: number };
    assert.equal(a.status, 'optimal');
    const yamlDir = mkdtempSync(join(tmpdir(), 'manifests-'));
    writeFileSync(join(yamlDir, 'nodes.yaml'), c.input.nodeList.items.map((n) => stringify(n)).join('---\n'));
    writeFileSync(
      join(yamlDir, 'pods.yml'),
      stringify({ apiVersion: 'v1', kind: 'PodList', items: c.input.podList.items }),
    );
    writeFileSync(join(yamlDir, 'README.txt'), 'not a manifest');
    const fromDir = placement(['plan', yamlDir, '--time-limit-ms', '5000']);
    assert.equal(fromDir.code, 0, fromDir.stderr);
    const b = JSON.parse(fromDir.stdout) as { status: string; objective: number };
    assert.equal(b.status, 'optimal');
    assert.ok(Math.abs(a.objective - b.objective) < 1e-12);
  });

  it('exits 1 for an infeasible snapshot', () => {
    const r = placement(['plan', '-'], fixtureInput('infeasible-packing.json'));
    assert.equal(r.code, 1);
    assert.equal((JSON.parse(r.stdout) as { status: string }).status, 'infeasible');
  });

  it('solve FILE with flags: --solver jslp --time-limit-ms', () => {
    const r = placement(['solve', fixturePath('gap', 'known-values.csv')]);
    assert.equal(r.code, 2, 'a CSV is not JSON');
    const program = JSON.stringify({
      cost: [
        [1, 5],
        [4, 2],
      ],
      demand: { cpu: [1, 1] },
      capacity: { cpu: [1, 1] },
    });
    const ok = placement(['solve', '-', '--solver', 'jslp', '--time-limit-ms', '3000'], program);
    assert.equal(ok.code, 0, ok.stderr);
    const out = JSON.parse(ok.stdout) as { source: string; assignment: number[] };
    assert.equal(out.source, 'jslp');
    assert.deepEqual(out.assignment, [0, 1]);
  });

  const bad: { name: string; args: string[]; input: string; want: RegExp }[] = [
    { name: 'malformed JSON', args: ['plan', '-'], input: '{', want: /cannot read standard input as JSON/ },
    {
      name: 'an invalid quantity, naming the field',
      args: ['plan', '-'],
      input: '{"nodes":[{"name":"a","capacity":{"cpu":"1K"}}],"containers":[]}',
      want: /nodes\[0\]\.capacity\.cpu/,
    },
    {
      name: 'an unknown solver flag value',
      args: ['plan', '-', '--solver', 'cplex'],
      input: fixtureInput('seed-example.json'),
      want: /options\.solver/,
    },
    {
      name: 'a non-numeric time limit',
      args: ['plan', '-', '--time-limit-ms', 'soon'],
      input: fixtureInput('seed-example.json'),
      want: /--time-limit-ms must be an integer/,
    },
    { name: 'an unknown command', args: ['place', '-'], input: '{}', want: /expected "plan FILE" or "solve FILE"/ },
    { name: 'a missing file', args: ['plan', '/nonexistent.json'], input: '', want: /cannot read \/nonexistent.json/ },
  ];
  for (const c of bad) {
    it(`exits 2 with a message on stderr: ${c.name}`, () => {
      const r = placement(c.args, c.input);
      assert.equal(r.code, 2);
      assert.match(r.stderr, c.want);
      assert.equal(r.stdout, '');
    });
  }

  it('refuses a FIFO, a YAML file over 512 MiB, a JSON file over 16 GiB and a directory link loop with a plain message, reading none of them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'placement-caps-'));
    const fifo = join(dir, 'pipe.json');
    spawnSync('mkfifo', [fifo]);
    const r1 = placement(['plan', fifo]);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /is not a regular file/);
    const big = join(dir, 'big.yaml');
    writeFileSync(big, '');
    truncateSync(big, 600 * 2 ** 20); // sparse: nothing is written
    const r2 = placement(['plan', big]);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /is larger than 536870912 bytes/);
    // JSON lists are streamed, up to 16 GiB.
    const huge = join(dir, 'huge.json');
    writeFileSync(huge, '');
    truncateSync(huge, 17 * 2 ** 30);
    const r4 = placement(['plan', huge]);
    assert.equal(r4.code, 2);
    assert.match(r4.stderr, /is larger than 17179869184 bytes/);
    const loop = mkdtempSync(join(tmpdir(), 'placement-loop-'));
    symlinkSync(loop, join(loop, 'again.json'));
    writeFileSync(join(loop, 'nodes.yaml'), 'kind: Node\nmetadata: {name: a}\nstatus: {allocatable: {cpu: "4"}}\n');
    const r3 = placement(['plan', loop]);
    assert.equal(r3.code, 0, r3.stderr);
    assert.equal((JSON.parse(r3.stdout) as { status: string }).status, 'optimal');
  });

  it('says where a file is not JSON or YAML without quoting it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'placement-quote-'));
    writeFileSync(join(dir, 'a.json'), '{"nodes": [{"name": "secret-token-123", "capacity": {"cpu": 4}}], oops}');
    writeFileSync(join(dir, 'b.yaml'), 'nodes:\n  - name: secret-abc\n    capacity: {cpu: [\n');
    for (const [file, where] of [
      ['a.json', /line 1 column 67/],
      ['b.yaml', /at line \d+ column \d+/],
    ] as const) {
      const r = placement(['plan', join(dir, file)]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, where);
      assert.doesNotMatch(r.stderr, /secret/);
    }
  });

  it('prints JSON only on stdout when nothing can be placed (GLPK used to abort and print there), and exits 1 for an infeasible pack', () => {
    const nothing = {
      nodes: [{ name: 'a', capacity: { cpu: 1 } }],
      containers: [{ name: 'x', requests: { cpu: 2 } }],
      options: { allowUnplaced: true, timeLimitMs: 3000 },
    };
    for (const solver of ['glpk', 'jslp', 'auto']) {
      const r = placement(['plan', '-', '--solver', solver], JSON.stringify(nothing));
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { status: string; unplaced: string[] };
      assert.equal(out.status, 'optimal');
      assert.deepEqual(out.unplaced, ['x']);
      assert.doesNotMatch(r.stderr, /glp_add_cols|Aborted/);
    }
    const pack = {
      nodes: [{ name: 'a', capacity: { cpu: 2 } }],
      containers: ['x', 'y'].map((name) => ({ name, requests: { cpu: 1.5 } })),
      options: { objective: 'pack', timeLimitMs: 3000 },
    };
    const r = placement(['plan', '-'], JSON.stringify(pack));
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as { status: string; explanation: { containers: string[] } };
    assert.equal(out.status, 'infeasible');
    assert.deepEqual(out.explanation.containers, ['x', 'y']);
  });
});

describe('CLI: kubectl lists too large for one string are streamed', function () {
  this.timeout(60_000);

  it('a streamed PodList and NodeList give the same model and greedy plan as the whole files parsed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'optiplace-stream-'));
    const s = scaleSnapshot(60, 1500, 3);
    await writeList(join(dir, 'nodes.json'), s.nodes.map(kubectlNode));
    await writeList(join(dir, 'pods.json'), s.containers.map(kubectlPod));
    const streamed = {
      nodeList: await readLargeList(join(dir, 'nodes.json')),
      podList: await readLargeList(join(dir, 'pods.json')),
    };
    const whole = {
      nodeList: JSON.parse(readFileSync(join(dir, 'nodes.json'), 'utf8')) as unknown,
      podList: JSON.parse(readFileSync(join(dir, 'pods.json'), 'utf8')) as unknown,
    };
    const a = validatePlanBody(streamed);
    const b = validatePlanBody(whole);
    assert.ok(a.ok && b.ok);
    assert.deepEqual(a.model.items, b.model.items);
    assert.deepEqual(Array.from(greedyPlan(a.model)), Array.from(greedyPlan(b.model)));
    assert.equal(a.model.rules?.groups.length, b.model.rules?.groups.length);
  });

  it('keeps only what the scheduler reads, with the gang annotation', () => {
    const pod = {
      kind: 'Pod',
      metadata: {
        name: 'p',
        namespace: 'n',
        managedFields: [{ manager: 'x' }],
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'scheduling.k8s.io/group-name': 'g' },
      },
      spec: { containers: [{ name: 'c', image: 'i', env: [], resources: { requests: { cpu: '1' } } }], volumes: [] },
      status: { phase: 'Pending', conditions: [] },
    };
    assert.deepEqual(slimObject(pod), {
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'n', annotations: { 'scheduling.k8s.io/group-name': 'g' } },
      spec: { containers: [{ name: 'c', resources: { requests: { cpu: '1' } } }] },
      status: { phase: 'Pending', conditions: [] },
    });
  });

  it('keeps the controller, the Ready condition, the pod group, and what the notes count', () => {
    const owner = { kind: 'ReplicaSet', name: 'web-7d9f', controller: true };
    const claim = { name: 'data', persistentVolumeClaim: { claimName: 'data' } };
    const pod = {
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'n', ownerReferences: [owner], deletionTimestamp: '2026-12-06T00:00:00Z' },
      spec: {
        nodeName: 'a',
        schedulingGroup: { podGroupName: 'train' },
        schedulingGates: [{ name: 'wait' }],
        containers: [{ name: 'c', ports: [{ containerPort: 80 }, { containerPort: 81, hostPort: 81 }] }],
        volumes: [{ name: 'token', projected: { sources: [] } }, claim],
      },
      status: {
        phase: 'Running',
        conditions: [
          { type: 'PodScheduled', status: 'True' },
          { type: 'Ready', status: 'False' },
        ],
      },
    };
    assert.deepEqual(slimObject(pod), {
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'n', ownerReferences: [owner], deletionTimestamp: '2026-12-06T00:00:00Z' },
      spec: {
        nodeName: 'a',
        schedulingGroup: { podGroupName: 'train' },
        schedulingGates: [{ name: 'wait' }],
        containers: [{ name: 'c', ports: [{ containerPort: 81, hostPort: 81 }] }],
        volumes: [claim],
      },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] },
    });
  });
});

/** The seed example of fixtures/plan with a node named "no" (a boolean in YAML 1.1 unless quoted). */
function seedWithNodeNamedNo(): string {
  const input = JSON.parse(fixtureInput('seed-example.json')) as { nodes: { name: string }[] };
  input.nodes[0]!.name = 'no';
  return JSON.stringify(input);
}

describe('CLI: -o json|yaml|table (--format the same flag)', function () {
  this.timeout(120_000);

  it('-o yaml prints the answer JSON as YAML: the same fields, names such as "no" quoted', () => {
    const json = placement(['plan', '-', '--output', 'json'], seedWithNodeNamedNo());
    const yaml = placement(['plan', '-', '-o', 'yaml'], seedWithNodeNamedNo());
    assert.equal(yaml.code, 0, yaml.stderr);
    const a = JSON.parse(json.stdout) as Record<string, unknown>;
    const b = parseYaml(yaml.stdout, { version: '1.1' }) as Record<string, unknown>;
    assert.deepEqual(Object.keys(b), Object.keys(a));
    assert.equal(b['status'], 'optimal');
    assert.equal(b['objective'], 1.25);
    assert.deepEqual(b['assignments'], a['assignments']);
    assert.deepEqual(b['greedy'], a['greedy']);
    assert.match(yaml.stdout, /node: "no"\n/);
    assert.doesNotMatch(yaml.stdout, /^\s*[{[]/, 'not JSON');
  });

  it('--format yaml is -o yaml; -o and --format that disagree, and unknown values, exit 2', () => {
    const r = placement(['plan', '-', '--format', 'yaml'], fixtureInput('seed-example.json'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal((parseYaml(r.stdout) as { objective: number }).objective, 1.25);
    for (const [args, want] of [
      [['-o', 'xml'], 'placement: -o/--output must be json, yaml or table, got "xml"\n'],
      [['--format', 'csv'], 'placement: --format must be json, yaml or table, got "csv"\n'],
      [['-o', 'json', '--format', 'table'], 'placement: -o/--output "json" and --format "table" disagree: give one\n'],
    ] as const) {
      const bad = placement(['plan', '-', ...args], fixtureInput('seed-example.json'));
      assert.equal(bad.code, 2);
      assert.equal(bad.stderr, want);
      assert.equal(bad.stdout, '');
    }
  });
});

describe('CLI: capacity -o table', function () {
  this.timeout(120_000);

  it("prints the question's figures as a table, not JSON", () => {
    const r = placement(['capacity', join(ROOT, 'examples', 'capacity-fit.json'), '-o', 'table']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'fit  optimal   current containers fit yes   weighted 7   proven at most 7   repack no',
        '',
        'shape  extra copies  greedy alone  greedy together',
        'small  2             6             2',
        'large  1             1             1',
        '',
        'node  containers',
        'n     small#1, small#2, large#1',
        'unplaced  small#3, small#4, small#5, small#6',
        '',
        'note: no container has a current node: without repacking they stay where the greedy puts them',
        '',
      ].join('\n'),
    );
  });

  it('a move-budget curve as rows', () => {
    const input = (JSON.parse(readFileSync(fixturePath('capacity', 'move-budget.json'), 'utf8')) as { input: unknown })
      .input;
    const r = placement(['capacity', '-', '-o', 'table'], JSON.stringify(input));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^moveBudget: the best objective for each number of moves allowed\n\nmax moves {2}status/);
    assert.ok(r.stdout.includes('\n2          optimal  2          2      2      a, b\n'), r.stdout);
  });
});

describe('CLI: the table in units for people', function () {
  this.timeout(120_000);

  it('-o table shows memory in binary units, cpu in cores, GPUs as counts', () => {
    const seed = placement(['plan', join(ROOT, 'examples', 'seed-snapshot.json'), '-o', 'table']);
    assert.equal(seed.code, 0, seed.stderr);
    assert.match(seed.stdout, /\n {2}cpu {14}█{20} 100% {2}8 \/ 8 cpu\n/);
    assert.match(seed.stdout, /\n {2}memory {11}█{19}░ {2}94% {2}15Gi \/ 16Gi\n/);
    assert.match(seed.stdout, /memory .* 1Gi \/ 8Gi\n/);
    const c = JSON.parse(readFileSync(fixturePath('kube', 'init-sidecar-overhead.json'), 'utf8')) as {
      input: unknown;
    };
    const kube = placement(['plan', '-', '-o', 'table'], JSON.stringify(c.input));
    assert.equal(kube.code, 0, kube.stderr);
    assert.match(kube.stdout, /\n {2}cpu {15}█{19}░ {2}96% {2}3\.75 \/ 3\.91 cpu\n/);
    assert.match(kube.stdout, /\n {2}ephemeral-storage ░{20} {3}0% {2}0 \/ 90\.6Gi\n/);
    assert.match(kube.stdout, /\n {2}memory {12}█{6}░{14} {2}31% {2}4\.41Gi \/ 14Gi\n/);
    assert.match(kube.stdout, /\n {2}nvidia\.com\/gpu {4}█{20} 100% {2}1 \/ 1\n/);
    assert.doesNotMatch(kube.stdout, /\d{7}/, 'no raw byte counts');
  });

  it('binary units: the largest unit reached, two decimals at most; which resources are bytes', () => {
    assert.deepEqual(
      [0, 512, 1024, 1536, 536870912, 16106127360, 17179869184, 1.5 * 2 ** 40, 2 ** 60].map(binaryBytes),
      ['0', '512', '1Ki', '1.5Ki', '512Mi', '15Gi', '16Gi', '1.5Ti', '1Ei'],
    );
    const bytes = ['memory', 'ephemeral-storage', 'storage', 'hugepages-2Mi', 'hugepages-1Gi', 'requests.memory'];
    assert.deepEqual(bytes.filter(isByteResource), bytes);
    assert.deepEqual(['cpu', 'pods', 'nvidia.com/gpu', 'memory-bandwidth', 'hugepages-'].filter(isByteResource), []);
  });

  it('a program keeps plain numbers, even for a resource named memory', () => {
    const program = JSON.stringify({
      cost: [
        [1, 5],
        [4, 2],
      ],
      demand: { memory: [1024, 2048], cpu: [1.5, 1] },
      capacity: { memory: [4096, 4096], cpu: [2, 2] },
    });
    const r = placement(['solve', '-', '-o', 'table'], program);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\n {2}memory .* 1024 \/ 4096\n/);
    assert.match(r.stdout, /\n {2}cpu .* 1\.5 \/ 2\n/);
  });
});

describe('CLI: --version', function () {
  it('prints the version, the commit (GIT_COMMIT here) and the solver packages', () => {
    const own = (name: string): string =>
      (
        JSON.parse(readFileSync(join(ROOT, ...(name ? ['node_modules', name] : []), 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
    const r = withEnv({ GIT_COMMIT: '0123abc' }, ['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      `placement ${own('')} (0123abc)\n` +
        `solvers: highs ${own('highs')}, glpk.js ${own('glpk.js')}, javascript-lp-solver ${own('javascript-lp-solver')}\n` +
        `node ${process.version}\n`,
    );
  });
});

/** OR-Library gapd instance 1 (5 × 100, published minimum 6353): GLPK and HiGHS take more than 3 s to prove it. */
function gapdProgramFile(): string {
  const g = parseGapFile(readFileSync(fixturePath('gap', 'gapd.txt'), 'utf8'), true)[0]!;
  const file = join(mkdtempSync(join(tmpdir(), 'placement-progress-')), 'gapd-1.json');
  writeFileSync(file, JSON.stringify(gapToProgram(g, 'min')));
  return file;
}

const PROGRESS = /^solving: elapsed (\d+\.\d)s {3}best objective ([\d.]+) {3}bound ([\d.]+) {3}gap (\d+\.\d\d)%$/;

describe('CLI: the progress line on stderr', function () {
  this.timeout(120_000);
  const file = gapdProgramFile();

  it('PLACEMENT_PROGRESS=always: elapsed, best objective, bound and gap redrawn in place, erased at the end', () => {
    const r = withEnv({ PLACEMENT_PROGRESS: 'always' }, ['solve', file, '--time-limit-ms', '3000']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { status: string; objective: number; bound: number };
    assert.equal(out.status, 'feasible');
    assert.ok(r.stderr.endsWith('\r\x1b[K'), 'the line is erased');
    const draws = r.stderr
      .split('\r')
      .filter((s) => s !== '\x1b[K' && s !== '')
      .map((s) => {
        assert.ok(s.endsWith('\x1b[K'), JSON.stringify(s));
        return s.slice(0, -3);
      });
    const lines = draws.filter((s) => PROGRESS.test(s)).map((s) => PROGRESS.exec(s)!.slice(1).map(Number));
    assert.ok(lines.length >= 3, `progress lines: ${JSON.stringify(draws)}`);
    let last = { elapsed: 0, objective: Infinity, bound: -Infinity };
    for (const [elapsed, objective, bound, gap] of lines as [number, number, number, number][]) {
      assert.ok(elapsed >= 1 && elapsed >= last.elapsed, `elapsed ${elapsed}`);
      assert.ok(objective <= last.objective && bound >= last.bound, 'the best so far only improves');
      assert.ok(bound <= 6353 && 6353 <= objective, `${bound} ≤ 6353 ≤ ${objective}`);
      assert.ok(Math.abs(gap - (100 * (objective - bound)) / objective) <= 0.01, `gap ${gap}`);
      last = { elapsed, objective, bound };
    }
    assert.ok(out.objective <= last.objective && out.bound >= last.bound, 'the answer is at least as good as shown');
  });

  it('nothing on a stderr that is a pipe, and nothing with --quiet or -q even when forced', () => {
    for (const [env, flags] of [
      [{ PLACEMENT_PROGRESS: undefined }, []],
      [{ PLACEMENT_PROGRESS: 'always' }, ['--quiet']],
      [{ PLACEMENT_PROGRESS: 'always' }, ['-q']],
    ] as const) {
      const r = withEnv(env, ['solve', file, '--time-limit-ms', '1500', ...flags]);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { status: string; timings: { totalMs: number } };
      assert.equal(out.status, 'feasible');
      assert.ok(out.timings.totalMs >= 1400, 'long enough for a progress line');
      assert.equal(r.stderr, '', `${JSON.stringify(env)} ${flags.join(' ')}`);
    }
  });

  it('a PLACEMENT_PROGRESS that is not auto, always or never exits 2', () => {
    const r = withEnv({ PLACEMENT_PROGRESS: 'yes' }, ['solve', file, '--time-limit-ms', '1500']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'placement: PLACEMENT_PROGRESS must be auto, always or never, got "yes"\n');
  });
});

const PLUGIN = join(ROOT, 'dist', 'cli', 'kubectl-placement.js');

/**
 * A directory to put first on PATH with a stand-in `kubectl`: `kubectl get …` records its arguments (one a
 * line) in `args` and prints `list` (or fails as `fail` says); any other first argument runs the plugin
 * `kubectl-<that>` from PATH with the rest, as kubectl does. `kubectl-placement` there is dist's.
 */
function standInKubectl(list: unknown, fail?: { stderr: string; code: number }) {
  const dir = mkdtempSync(join(tmpdir(), 'placement-kubectl-'));
  const args = join(dir, 'args');
  writeFileSync(join(dir, 'list.json'), JSON.stringify(list));
  const get = fail
    ? `echo '${fail.stderr}' >&2; exit ${fail.code}`
    : `printf '%s\\n' "$@" > '${args}'; cat '${join(dir, 'list.json')}'; exit 0`;
  writeFileSync(
    join(dir, 'kubectl'),
    `#!/bin/sh\nif [ "$1" = get ]; then\n  ${get}\nfi\nplugin="kubectl-$1"\nshift\nexec "$plugin" "$@"\n`,
    { mode: 0o755 },
  );
  symlinkSync(PLUGIN, join(dir, 'kubectl-placement'));
  const PATH = [dir, dirname(process.execPath), process.env['PATH']].join(delimiter);
  const run = (command: string, argv: string[]) => {
    const r = spawnSync(command, argv, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, PATH } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  return { dir, run, args: (): string[] => readFileSync(args, 'utf8').trimEnd().split('\n') };
}

/** fixtures/kube/init-sidecar-overhead.json as `kubectl get nodes,pods -o json` prints it: one kind: List. */
function sidecarList(): unknown {
  const c = JSON.parse(readFileSync(fixturePath('kube', 'init-sidecar-overhead.json'), 'utf8')) as {
    input: { nodeList: { items: unknown[] }; podList: { items: unknown[] } };
  };
  return { apiVersion: 'v1', kind: 'List', items: [...c.input.nodeList.items, ...c.input.podList.items] };
}

type PlanOut = { status: string; objective: number; assignments: { container: string; node: string }[] };
const SIDECAR_PLAN = [
  { container: 'ml/inference-0', node: 'small' },
  { container: 'ml/inference-1', node: 'large' },
];

describe('CLI: plan --from-cluster and the kubectl plugin', function () {
  this.timeout(120_000);
  before(() => chmodSync(PLUGIN, 0o755)); // what npm's prepare does (package.json)

  it('runs kubectl get nodes,pods -o json (--context, -n or --all-namespaces) and plans the List it prints', () => {
    const k = standInKubectl(sidecarList());
    const all = k.run(process.execPath, [CLI, 'plan', '--from-cluster']);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(k.args(), ['get', 'nodes,pods', '-o', 'json', '--all-namespaces']);
    const out = JSON.parse(all.stdout) as PlanOut & { notes: string[] };
    assert.equal(out.status, 'optimal');
    assert.equal(out.objective, 1.5);
    assert.deepEqual(out.assignments, SIDECAR_PLAN);
    assert.ok(out.notes.includes('read 2 nodes and 2 pods: 2 to place, 0 bound, 0 finished (ignored)'));
    const one = k.run(process.execPath, [
      CLI,
      'plan',
      '--from-cluster',
      '--context',
      'prod',
      '-n',
      'ml',
      '-o',
      'table',
    ]);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(k.args(), ['get', 'nodes,pods', '-o', 'json', '--context', 'prod', '-n', 'ml']);
    assert.match(one.stdout, /^status optimal {3}objective 1\.5/);
    const long = k.run(process.execPath, [
      CLI,
      'plan',
      '--from-cluster',
      '--namespace',
      'ml',
      '--time-limit-ms',
      '5000',
    ]);
    assert.equal(long.code, 0, long.stderr);
    assert.deepEqual(k.args(), ['get', 'nodes,pods', '-o', 'json', '-n', 'ml']);
  });

  it('kubectl missing or failing, and --from-cluster misused, exit 2 with the reason', () => {
    const failing = standInKubectl({}, { stderr: 'error: context "nope" does not exist', code: 1 });
    const r = failing.run(process.execPath, [CLI, 'plan', '--from-cluster', '--context', 'nope']);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      'placement: kubectl get nodes,pods -o json --context nope --all-namespaces exited with 1:\n' +
        'error: context "nope" does not exist\n',
    );
    const empty = mkdtempSync(join(tmpdir(), 'placement-nokubectl-'));
    const missing = spawnSync(process.execPath, [CLI, 'plan', '--from-cluster'], {
      encoding: 'utf8',
      env: { ...process.env, PATH: empty },
    });
    assert.equal(missing.status, 2);
    assert.equal(
      missing.stderr,
      'placement: kubectl not found on PATH (plan --from-cluster runs "kubectl get nodes,pods -o json")\n',
    );
    for (const [args, want] of [
      [['plan', 'x.json', '--from-cluster'], 'plan --from-cluster reads the cluster: give no FILE as well'],
      [['solve', '--from-cluster'], '--from-cluster goes with plan'],
      [['plan', 'x.json', '-n', 'ml'], '--context and -n/--namespace go with --from-cluster'],
      [['plan', '--from-cluster', '--context=-x'], '--context must be a name, got "-x"'],
    ] as const) {
      const bad = placement([...args]);
      assert.equal(bad.code, 2);
      assert.equal(bad.stderr, `placement: ${want}\n`);
    }
  });

  it('dist/cli/kubectl-placement.js runs as an executable, and kubectl placement plan --from-cluster through PATH', () => {
    assert.deepEqual((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: unknown }).bin, {
      placement: 'dist/cli/placement.js',
      'kubectl-placement': 'dist/cli/kubectl-placement.js',
    });
    const k = standInKubectl(sidecarList());
    const direct = k.run(PLUGIN, ['plan', join(k.dir, 'list.json')]);
    assert.equal(direct.code, 0, direct.stderr);
    assert.deepEqual((JSON.parse(direct.stdout) as PlanOut).assignments, SIDECAR_PLAN);
    const help = k.run('kubectl', ['placement', '--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: kubectl placement <plan\|solve\|evaluate\|capacity>/);
    const plugin = k.run('kubectl', ['placement', 'plan', '--from-cluster', '-n', 'ml', '-o', 'yaml']);
    assert.equal(plugin.code, 0, plugin.stderr);
    assert.deepEqual(k.args(), ['get', 'nodes,pods', '-o', 'json', '-n', 'ml']);
    const out = parseYaml(plugin.stdout) as PlanOut;
    assert.equal(out.objective, 1.5);
    assert.deepEqual(out.assignments, SIDECAR_PLAN);
  });
});

describe('CLI: the kubectl plugin through the real kubectl (bin/ on PATH)', function () {
  this.timeout(120_000);
  // As the docs say: export PATH="$PWD/bin:$PATH". Node's folder and the system's, and nothing else.
  const kubectl = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
  const PATH = [join(ROOT, 'bin'), dirname(process.execPath), dirname(kubectl), '/usr/bin', '/bin'].join(delimiter);
  const run = (args: string[]) => {
    const r = spawnSync(kubectl, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PATH } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('kubectl plugin list finds exactly kubectl-placement, with no warning', () => {
    assert.ok(kubectl !== '', 'kubectl is on PATH (scripts/test-deps.sh installs it)');
    const r = run(['plugin', 'list']);
    assert.deepEqual(
      [r.code, r.stdout, r.stderr],
      [0, `The following compatible plugins are available:\n\n${join(ROOT, 'bin', 'kubectl-placement')}\n`, ''],
    );
  });

  it('kubectl placement plan examples/nodes.json examples/pods.json: the plan of the fixture they come from', () => {
    const r = run(['placement', 'plan', 'examples/nodes.json', 'examples/pods.json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as PlanOut & { status: string };
    // fixtures/kube/gpu-pool-taints.json: the trainer on gpu-a, the embedder on gpu-b, nothing else on a GPU node.
    const on = (node: string) => out.assignments.filter((a) => a.node === node).map((a) => a.container);
    assert.deepEqual([out.status, on('gpu-a'), on('gpu-b')], ['optimal', ['ml/train-llm-0'], ['ml/embed-0']]);
    const yaml = run(['placement', 'plan', 'examples/manifests/', '-o', 'yaml']);
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.deepEqual((parseYaml(yaml.stdout) as PlanOut).assignments, out.assignments);
  });
});
