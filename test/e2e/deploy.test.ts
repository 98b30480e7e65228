import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { parseQuantity } from '../../models/quantity.js';
import { createApp } from '../../server/app.js';
import { ENV_NAMES, loadConfig } from '../../server/config.js';
import { build, dockerignore, inStage, parseDockerfile, run, type BuiltStage, type Stage } from '../dockerfile.js';
import { ROOT } from '../helpers.js';
import { sharedPool } from '../setup.js';

/**
 * The container image and its manifests (issue 15, item 4). deploy/: the Kubernetes manifests parse,
 * and what they say about the service is what the service does: its probe routes, its port, its settings,
 * its drain deadline, its threads and memory. Dockerfile: its steps run in order in clean directories
 * (test/dockerfile.ts), and the result serves, passes its HEALTHCHECK and stops cleanly on SIGTERM.
 */

type Doc = Record<string, unknown>;
interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  name: string;
  ports: { name: string; containerPort: number }[];
  env: { name: string; value: string }[];
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  startupProbe?: Probe;
  livenessProbe: Probe;
  readinessProbe: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  securityContext: Record<string, unknown>;
}
interface PodSpec {
  terminationGracePeriodSeconds: number;
  securityContext: Record<string, unknown>;
  containers: Container[];
}
interface Deployment {
  metadata: { name: string };
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: PodSpec };
  };
}

const DEPLOY = join(ROOT, 'deploy');
const EXPECTED: Readonly<Record<string, { kind: string; apiVersion: string }>> = {
  'deployment.yaml': { kind: 'Deployment', apiVersion: 'apps/v1' },
  'service.yaml': { kind: 'Service', apiVersion: 'v1' },
  'pdb.yaml': { kind: 'PodDisruptionBudget', apiVersion: 'policy/v1' },
  'hpa.yaml': { kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v2' },
  'kustomization.yaml': { kind: 'Kustomization', apiVersion: 'kustomize.config.k8s.io/v1beta1' },
};

/** Every manifest of deploy/, one document each (a YAML error or a second document fails the load). */
function manifests(): Map<string, Doc> {
  const out = new Map<string, Doc>();
  for (const file of readdirSync(DEPLOY).filter((f) => /\.ya?ml$/.test(f))) {
    const docs = parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8'));
    assert.ok(Array.isArray(docs), `${file}: no document`);
    assert.equal(docs.length, 1, `${file}: one document`);
    assert.deepEqual(docs[0]!.errors, [], `${file}: YAML errors`);
    out.set(file, docs[0]!.toJS() as Doc);
  }
  return out;
}

/** A Kubernetes quantity in base units (cores, bytes). */
function quantity(q: string): number {
  const p = parseQuantity(q);
  assert.ok(p.ok, `${q}: ${p.ok ? '' : p.message}`);
  return Number(p.value) / 1000;
}

function envOf(c: Container): Record<string, string> {
  return Object.fromEntries(c.env.map((e) => [e.name, e.value]));
}

/** The preStop hook's sleep (s): 0 when there is none. */
function preStopSeconds(c: Container): number {
  const command = c.lifecycle?.preStop?.exec?.command;
  if (!command) return 0;
  assert.equal(command[0], 'sleep', `a preStop hook other than sleep: ${JSON.stringify(command)}`);
  return Number(command[1]);
}

describe('deploy/: the Kubernetes manifests match the service', function () {
  // Read in a hook: a manifest that does not parse fails these tests, not the loading of every test file.
  let docs: Map<string, Doc>;
  let deployment: Deployment;
  let pod: PodSpec;
  let container: Container;
  let env: Record<string, string>;
  before(() => {
    docs = manifests();
    deployment = docs.get('deployment.yaml') as unknown as Deployment;
    pod = deployment.spec.template.spec;
    container = pod.containers[0]!;
    env = envOf(container);
  });

  it('has each manifest, of its kind and apiVersion, and the kustomization lists all the others', () => {
    assert.deepEqual([...docs.keys()].sort(), Object.keys(EXPECTED).sort());
    for (const [file, want] of Object.entries(EXPECTED)) {
      const d = docs.get(file)!;
      assert.deepEqual({ kind: d['kind'], apiVersion: d['apiVersion'] }, want, file);
    }
    const listed = (docs.get('kustomization.yaml')!['resources'] as string[]).slice().sort();
    assert.deepEqual(
      listed,
      Object.keys(EXPECTED)
        .filter((f) => f !== 'kustomization.yaml')
        .sort(),
    );
  });

  it('selects its own pods, runs one container, and leaves the replica count to the autoscaler', () => {
    const labels = deployment.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(deployment.spec.selector.matchLabels)) assert.equal(labels[k], v, k);
    assert.equal(pod.containers.length, 1);
    assert.equal(deployment.spec.replicas, undefined, 'replicas set beside an HPA is reset on every apply');
  });

  describe('the probes ask routes the app serves', function () {
    let server: Server;
    let url: string;
    before(async () => {
      await sharedPool().ready();
      const config = loadConfig({});
      const app = createApp({ pool: sharedPool(), limits: config.limits, maxBodyBytes: config.maxBodyBytes });
      await new Promise<void>((resolve) => {
        server = app.listen(0, '127.0.0.1', () => resolve());
      });
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => server?.close());

    it('each probe path answers 200 once the solver threads are up (a path it does not serve is 404)', async () => {
      const probes = { startup: container.startupProbe, liveness: container.livenessProbe };
      const all = { ...probes, readiness: container.readinessProbe };
      assert.equal(container.livenessProbe.httpGet.path, '/livez');
      assert.equal(container.readinessProbe.httpGet.path, '/readyz');
      for (const [kind, probe] of Object.entries(all)) {
        if (!probe) continue;
        assert.equal(probe.httpGet.port, 'http', `${kind} probe: the container's named port`);
        const res = await fetch(`${url}${probe.httpGet.path}`);
        assert.equal(res.status, 200, `${kind} probe ${probe.httpGet.path}`);
      }
      assert.equal((await fetch(`${url}/no-such-probe`)).status, 404);
    });
  });

  it("listens on the config's default PORT, named http, and is scraped there", () => {
    const port = loadConfig({}).port;
    assert.deepEqual(
      container.ports.map((p) => ({ name: p.name, containerPort: p.containerPort })),
      [{ name: 'http', containerPort: port }],
    );
    assert.equal(env['PORT'] ?? String(port), String(port));
    const annotations = deployment.spec.template.metadata.annotations;
    assert.equal(annotations['prometheus.io/scrape'], 'true');
    assert.equal(annotations['prometheus.io/port'], String(port));
    assert.equal(annotations['prometheus.io/path'], '/metrics');
  });

  it('sets only settings server/config.ts reads, with values it accepts', () => {
    const unknown = Object.keys(env).filter((name) => !ENV_NAMES.includes(name));
    assert.deepEqual(unknown, [], 'env names server/config.ts does not read');
    const config = loadConfig(env);
    assert.equal(config.threads, Number(env['SOLVER_THREADS']));
    assert.equal(config.shutdownGraceMs, Number(env['SHUTDOWN_GRACE_MS']));
    assert.equal(config.memory.limitBytes, Number(env['MEMORY_LIMIT_MB']) * 2 ** 20);
    assert.ok(config.memory.solveBudgetBytes >= 512 * 2 ** 20, 'each solver thread can solve in 512 MiB or more');
  });

  it('gives the drain its whole deadline: terminationGracePeriodSeconds > preStop sleep + SHUTDOWN_GRACE_MS', () => {
    const graceMs = Number(env['SHUTDOWN_GRACE_MS']);
    assert.ok(graceMs > 0, 'SHUTDOWN_GRACE_MS is set');
    const deadlineMs = preStopSeconds(container) * 1000 + graceMs;
    assert.ok(
      pod.terminationGracePeriodSeconds * 1000 > deadlineMs,
      `${pod.terminationGracePeriodSeconds} s is not above ${deadlineMs} ms`,
    );
  });

  it('requests a core per solver thread and a memory limit above MEMORY_LIMIT_MB', () => {
    const { requests, limits } = container.resources;
    const threads = Number(env['SOLVER_THREADS']);
    assert.ok(Number.isInteger(threads) && threads >= 1, 'SOLVER_THREADS is set');
    assert.ok(quantity(requests['cpu']!) >= threads, `cpu ${requests['cpu']} for ${threads} solver threads`);
    if (limits['cpu'] !== undefined) assert.ok(quantity(limits['cpu']) >= quantity(requests['cpu']!));
    const limitMb = quantity(limits['memory']!) / 2 ** 20;
    assert.ok(Number(env['MEMORY_LIMIT_MB']) < limitMb, `MEMORY_LIMIT_MB ${env['MEMORY_LIMIT_MB']} < ${limitMb} MiB`);
    assert.ok(quantity(requests['memory']!) <= quantity(limits['memory']!));
  });

  it('runs as a numeric non-root user, without privilege escalation, on a read-only root filesystem', () => {
    const podSecurity = pod.securityContext;
    assert.equal(podSecurity['runAsNonRoot'], true);
    assert.ok(Number(podSecurity['runAsUser']) > 0, 'a numeric uid (the image says USER node)');
    assert.equal(container.securityContext['allowPrivilegeEscalation'], false);
    assert.equal(container.securityContext['readOnlyRootFilesystem'], true);
  });

  it('is reached through the Service on the named container port, selecting its pods', () => {
    const svc = docs.get('service.yaml')!['spec'] as {
      selector: Record<string, string>;
      ports: { port: number; targetPort: string }[];
    };
    assert.deepEqual(svc.selector, deployment.spec.selector.matchLabels);
    assert.deepEqual(
      svc.ports.map((p) => [p.port, p.targetPort]),
      [[80, 'http']],
    );
    assert.ok(container.ports.some((p) => p.name === svc.ports[0]!.targetPort));
  });

  it('is guarded by the PDB and scaled by the HPA, which keeps enough replicas for a drain', () => {
    const pdb = docs.get('pdb.yaml')!['spec'] as {
      selector: { matchLabels: Record<string, string> };
      minAvailable?: number;
      maxUnavailable?: number;
    };
    assert.deepEqual(pdb.selector.matchLabels, deployment.spec.selector.matchLabels);
    const hpa = docs.get('hpa.yaml')!['spec'] as {
      scaleTargetRef: { apiVersion: string; kind: string; name: string };
      minReplicas: number;
      maxReplicas: number;
    };
    assert.deepEqual(hpa.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    // With minAvailable (or all but maxUnavailable) equal to the replicas, no pod could ever be evicted.
    const mustStay = pdb.minAvailable ?? hpa.minReplicas - (pdb.maxUnavailable ?? 0);
    assert.ok(hpa.minReplicas > mustStay, `minReplicas ${hpa.minReplicas}, PDB keeps ${mustStay}`);
    assert.ok(hpa.maxReplicas >= hpa.minReplicas);
  });

  it('scales on a queue-depth Pods metric and on cpu utilisation', () => {
    const { metrics } = docs.get('hpa.yaml')!['spec'] as { metrics: Doc[] };
    assert.deepEqual(metrics.map((m) => m['type']).sort(), ['Pods', 'Resource']);
    const pods = metrics.find((m) => m['type'] === 'Pods')!['pods'] as {
      metric: { name: string };
      target: { type: string; averageValue: string };
    };
    assert.equal(pods.metric.name, 'optiplace_queue_depth');
    assert.equal(pods.target.type, 'AverageValue');
    assert.ok(quantity(pods.target.averageValue) > 0);
    const cpu = metrics.find((m) => m['type'] === 'Resource')!['resource'] as { name: string; target: Doc };
    assert.equal(cpu.name, 'cpu');
    assert.equal(cpu.target['type'], 'Utilization');
  });

  it('scales on a metric the service serves at GET /metrics', async () => {
    const { metrics } = docs.get('hpa.yaml')!['spec'] as { metrics: { type: string; pods?: Doc }[] };
    const name = (metrics.find((m) => m.type === 'Pods')!.pods!['metric'] as { name: string }).name;
    const app = createApp({ pool: sharedPool(), limits: loadConfig({}).limits, maxBodyBytes: 1 << 20 });
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    try {
      const text = await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`)).text();
      assert.match(text, new RegExp(`^${name} \\d+$`, 'm'), `${name} is not a sample of GET /metrics`);
    } finally {
      server.close();
    }
  });
});

/** The build argument the test passes, as `docker build --build-arg GIT_COMMIT=$(git rev-parse HEAD)` would. */
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
/** What the runtime stage's node_modules must hold (the lock file's versions) and must not (dev dependencies). */
const LOCK = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version: string; dev?: boolean; optional?: boolean }>;
};

/** A loopback port nobody listens on now (as `docker run -e PORT=… -p …` would pick one). */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Every path under `dir` with its size and modification time: what a process wrote there shows. */
function tree(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) return [r + '/', ...tree(dir, r)];
    const st = lstatSync(join(dir, r));
    return [`${r} ${st.size} ${st.mtimeMs}`];
  });
}

describe('Dockerfile and .dockerignore', () => {
  let stages: Stage[];
  let ignored: (path: string) => boolean;
  before(() => {
    stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
    ignored = dockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
  });

  it('builds on the official Node 20 image, and its runtime stage runs node on the service as the node user', () => {
    assert.deepEqual(
      stages.map((s) => [s.name, s.image]),
      [
        ['build', 'node:20-bookworm-slim'],
        ['runtime', 'node:20-bookworm-slim'],
      ],
    );
    const steps = stages[1]!.steps.map((s) => `${s.op} ${s.args}`);
    for (const want of [
      'ENV NODE_ENV=production PORT=8080',
      'USER node',
      'EXPOSE 8080',
      'ENV GIT_COMMIT=${GIT_COMMIT}',
    ])
      assert.ok(steps.includes(want), want);
    assert.equal(steps.at(-1), 'CMD ["node", "dist/server/main.js"]');
    assert.ok(steps.some((s) => /^HEALTHCHECK .*CMD \["node", "-e", .*\/livez/.test(s)));
    // Dev dependencies stay in the build stage; the prepare script (tsc) must not run without them.
    assert.ok(steps.some((s) => s.endsWith('npm ci --omit=dev --ignore-scripts')));
  });

  it('lets through the sources the build compiles and leaves out the rest', () => {
    for (const kept of ['package.json', 'tsconfig.json', 'server/app.ts', 'test/deploy.test.ts', 'bench/server.ts'])
      assert.equal(ignored(kept), false, kept);
    const out = ['node_modules/yaml/package.json', 'dist/server/main.js', '.git', 'README.md', 'bench/results/x.md'];
    for (const left of [...out, 'fixtures/plan/seed-example.json', 'deploy/hpa.yaml', 'x/y/npm-debug.log'])
      assert.equal(ignored(left), true, left);
    // The matcher itself: one segment for *, any for **, the last matching rule decides.
    const rules = dockerignore('a/*.txt\n**/tmp\nb\n!b/keep');
    assert.deepEqual(['a/x.txt', 'a/d/x.txt', 'c/d/tmp/f', 'tmp', 'b/f', 'b/keep', 'b/keep/f'].map(rules), [
      true,
      false,
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  describe('its steps run in order in clean directories', function () {
    this.timeout(300_000);
    let dir: string;
    let built: Map<string, BuiltStage>;
    let runtime: BuiltStage;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'optiplace-image-'));
      // Not the variables of an npm script running this test (`npm test`): a docker build has none.
      const outer = /^npm_(lifecycle_|package_|command$|execpath$|node_execpath$|config_local_prefix$)/;
      const host = Object.fromEntries(Object.entries(process.env).filter(([k]) => !outer.test(k)));
      // npm's cache answers what it can (as the RUN --mount=type=cache would): the registry for the rest.
      const npm = { npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' };
      const runEnv = { ...host, ...npm, npm_config_update_notifier: 'false' };
      built = await build(stages, { context: ROOT, ignored, buildArgs: { GIT_COMMIT: COMMIT }, dir, runEnv });
      runtime = built.get('runtime')!;
    });
    after(() => dir && rmSync(dir, { recursive: true, force: true }));

    it('compiles in the build stage (the CLI executable) and copies only what runs into the runtime stage', () => {
      const buildApp = join(built.get('build')!.root, 'app');
      assert.ok(statSync(join(buildApp, 'dist', 'cli', 'placement.js')).mode & 0o111, 'placement.js is executable');
      assert.ok(existsSync(join(buildApp, 'dist', 'test', 'e2e', 'deploy.test.js')), 'the build compiles everything');
      const app = inStage(runtime.root, runtime.workdir, '.');
      assert.deepEqual(readdirSync(join(app, 'dist')).sort(), [
        'cli',
        'jobs',
        'models',
        'planning',
        'server',
        'solver',
        'web',
      ]);
      assert.ok(existsSync(join(app, 'dist', 'solver', 'worker.js')));
      for (const [path, p] of Object.entries(LOCK.packages)) {
        if (!path.startsWith('node_modules/') || path.slice(13).includes('node_modules/')) continue;
        // Optional packages are platform builds (msgpackr-extract's per OS and CPU): only this machine's is installed.
        if (p.optional && !p.dev) continue;
        assert.equal(existsSync(join(app, path)), !p.dev, `${path} (dev: ${p.dev === true})`);
      }
    });

    describe("the runtime stage's CMD, as the container runs it", function () {
      let child: ChildProcess | undefined;
      let exited: Promise<number | null>;
      let url: string;
      let env: NodeJS.ProcessEnv;
      let filesBefore: string[];
      const log: string[] = [];
      const cwd = (): string => inStage(runtime.root, runtime.workdir, '.');
      const healthcheck = () => run(runtime.healthcheck!.command, { cwd: cwd(), env, timeoutMs: 10_000 });

      before(async () => {
        const port = await freePort();
        // The container's environment: the image's ENV, and what `docker run -e` sets (a port, one solver).
        env = { PATH: process.env['PATH'], HOME: dir, ...runtime.env, PORT: String(port), SOLVER_THREADS: '1' };
        filesBefore = tree(runtime.root);
        child = spawn(runtime.cmd![0]!, runtime.cmd!.slice(1), { cwd: cwd(), env, stdio: ['ignore', 'pipe', 'pipe'] });
        exited = new Promise((resolve) => child!.once('exit', (code) => resolve(code)));
        let partial = '';
        child.stderr!.on('data', (d: Buffer) => {
          const lines = (partial + d.toString()).split('\n');
          partial = lines.pop()!;
          log.push(...lines.filter(Boolean));
        });
        url = `http://127.0.0.1:${port}`;
        await ready(url, child, log);
      });
      after(() => {
        if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });

      it("passes the image's HEALTHCHECK", async () => {
        const r = await healthcheck();
        assert.equal(r.code, 0, r.output);
      });

      it('answers the seed example with its optimal plan', async () => {
        const seed = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'plan', 'seed-example.json'), 'utf8')) as {
          input: unknown;
          want: { status: string; objective: number };
        };
        const res = await fetch(`${url}/v1/plan`, {
          method: 'POST',
          body: JSON.stringify(seed.input),
          headers: { 'content-type': 'application/json' },
        });
        assert.equal(res.status, 200);
        const json = (await res.json()) as { status: string; objective: number };
        assert.deepEqual([json.status, json.objective], [seed.want.status, seed.want.objective]);
        assert.equal(json.status, 'optimal');
      });

      it('serves the web page and every file it loads', async () => {
        const page = await fetch(`${url}/`);
        assert.equal(page.status, 200);
        const html = await page.text();
        const refs = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
        for (const ref of [...refs, '/assets/htm-preact.mjs', '/assets/yaml/index.js', '/web/plan.js'])
          assert.equal((await fetch(`${url}${ref}`)).status, 200, ref);
      });

      it('names its version, the GIT_COMMIT build argument and the locked solver versions', async () => {
        const json = (await (await fetch(`${url}/v1/version`)).json()) as {
          version: string;
          commit: string | null;
          solvers: Record<string, string>;
        };
        assert.equal(json.version, LOCK.packages['']!.version);
        assert.equal(json.commit, COMMIT);
        for (const [name, version] of Object.entries(json.solvers))
          assert.equal(version, LOCK.packages[`node_modules/${name}`]!.version, name);
      });

      it('exits 0 on SIGTERM after draining, having written no file, and then fails its HEALTHCHECK', async () => {
        child!.kill('SIGTERM');
        const late = new Promise((r) => setTimeout(() => r('still running after 30 s'), 30_000).unref());
        const code = await Promise.race([exited, late]);
        assert.equal(code, 0, log.join('\n'));
        const msgs = log.filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { msg: string }).msg);
        assert.ok(msgs.includes('draining') && msgs.at(-1) === 'stopped', msgs.join(', '));
        // Nothing under the image's root changed: the pod's root filesystem can be read-only.
        assert.deepEqual(tree(runtime.root), filesBefore);
        assert.equal((await healthcheck()).code, 1);
      });
    });
  });

  it('builds with docker, where a docker daemon answers', async function () {
    this.timeout(900_000);
    const info = await run(['docker', 'info'], { cwd: ROOT, env: process.env, timeoutMs: 15_000 }).catch(() => null);
    // Not on this machine (the client may be installed without a daemon): the steps above ran without it.
    if (info?.code !== 0) {
      const why = info ? `\`docker info\` exited ${info.code}` : 'no docker command';
      this.test!.title += ` (skipped: no docker daemon answers here, ${why}; the steps above ran the Dockerfile without one)`;
      this.skip();
    }
    const tag = `optiplace-test:${process.pid}`;
    const args = ['docker', 'build', '-t', tag, '--build-arg', `GIT_COMMIT=${COMMIT}`, '.'];
    const b = await run(args, { cwd: ROOT, env: process.env, timeoutMs: 840_000 });
    assert.equal(b.code, 0, b.output);
    const inspect = await run(['docker', 'image', 'inspect', tag], { cwd: ROOT, env: process.env });
    const [image] = JSON.parse(inspect.output) as { Config: { User: string; ExposedPorts: object; Env: string[] } }[];
    await run(['docker', 'image', 'rm', tag], { cwd: ROOT, env: process.env });
    assert.equal(image!.Config.User, 'node');
    assert.deepEqual(Object.keys(image!.Config.ExposedPorts), ['8080/tcp']);
    assert.ok(image!.Config.Env.includes(`GIT_COMMIT=${COMMIT}`));
  });
});

/** Until /readyz answers 200 (the solver threads are up); fails if the process exits first or in 30 s. */
async function ready(url: string, child: ChildProcess, log: readonly string[]): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}): ${log.join('\n')}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    if (Date.now() > until) throw new Error(`not ready in 30 s: ${log.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('deploy/distributed: the API with REDIS_URL, the workers, their scaler', () => {
  const dir = join(ROOT, 'deploy', 'distributed');
  const load = (f: string): Record<string, unknown> =>
    parseYaml(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;

  it('lists its parts and adds REDIS_URL to the API', () => {
    const k = load('kustomization.yaml') as { resources: string[]; patches: { patch: string }[] };
    assert.deepEqual(k.resources, ['../', 'worker.yaml', 'worker-scaler.yaml']);
    assert.match(k.patches[0]!.patch, /name: REDIS_URL/);
  });

  it("runs the worker entry with env names the config knows, and a grace period above a job's longest limit", () => {
    const d = load('worker.yaml') as { kind: string; spec: { template: { spec: Record<string, unknown> } } };
    assert.equal(d.kind, 'Deployment');
    const pod = d.spec.template.spec as {
      terminationGracePeriodSeconds: number;
      containers: Record<string, unknown>[];
    };
    const c = pod.containers[0] as { command: string[]; env: { name: string; value?: string }[] };
    assert.ok(existsSync(join(ROOT, c.command[1]!)), `${c.command[1]} is not built`);
    for (const e of c.env) assert.ok(ENV_NAMES.includes(e.name), `${e.name} is not a setting`);
    const limit = Number(c.env.find((e) => e.name === 'MAX_TIME_LIMIT_MS')!.value);
    assert.ok(pod.terminationGracePeriodSeconds * 1000 > limit);
  });

  it('scales the workers on a metric the service serves', async () => {
    const s = load('worker-scaler.yaml') as {
      spec: { scaleTargetRef: { name: string }; triggers: { metadata: { query: string } }[] };
    };
    assert.equal(s.spec.scaleTargetRef.name, 'optiplace-worker');
    const metric = /(optiplace_\w+)/.exec(s.spec.triggers[0]!.metadata.query)![1]!;
    assert.ok(readFileSync(join(ROOT, 'server', 'metrics.ts'), 'utf8').includes(`'${metric}'`), metric);
  });
});
