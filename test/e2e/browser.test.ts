import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { stringify as stringifyYaml } from 'yaml';
import { gapToProgram, parseGapFile } from '../../bench/orlib.js';
import { startServer, type RunningServer } from '../../bench/server.js';
import { fixturePath, ROOT } from '../helpers.js';
import { scaleSnapshot } from '../../bench/scale.js';

/**
 * The web page in a real browser: the system's headless Chromium (npm test installs it from Debian),
 * driven by playwright-core, against the real service. Every page load also checks that each request goes
 * to the service's own origin and that the console shows no error.
 */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
type Json = Record<string, unknown>;
const read = (...p: string[]): string => readFileSync(join(ROOT, ...p), 'utf8');
const fixtureInput = (folder: string, name: string): Json =>
  (JSON.parse(readFileSync(fixturePath(folder, name), 'utf8')) as { input: Json }).input;

export interface Session {
  readonly page: Page;
  readonly foreign: string[];
  readonly errors: string[];
  /** The finished job the page received (its events stream's end), once it came. */
  ended(): Promise<Json>;
}

export async function open(browser: Browser, url: string): Promise<Session> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const foreign: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(url) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) foreign.push(r.url());
  });
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  // The job the page submitted (the id in its 202), read back from the API once it is finished.
  let submitted: Promise<string> = new Promise(() => undefined);
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url() === `${url}/v1/jobs`)
      submitted = r.response().then(async (res) => String(((await res!.json()) as Json)['id']));
  });
  const ended = async (): Promise<Json> => {
    const id = await submitted;
    for (;;) {
      const job = (await (await fetch(`${url}/v1/jobs/${id}`)).json()) as Json;
      if (['done', 'failed', 'cancelled'].includes(String(job['status']))) return job;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await page.goto(`${url}/`);
  return { page, foreign, errors, ended };
}

export async function solve(s: Session, body: unknown, route = 'plan', timeLimitMs = '10000'): Promise<void> {
  await s.page.fill('#body', typeof body === 'string' ? body : JSON.stringify(body, null, 2));
  await s.page.selectOption('[data-field=route]', route);
  await s.page.fill('input[type=number]', timeLimitMs);
  await s.page.click('button[type=submit]');
}

const clean = (s: Session): void => {
  assert.deepEqual(s.foreign, [], 'every request goes to the service itself');
  assert.deepEqual(s.errors, [], 'no console errors');
};

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

describe('The web page in headless Chromium', function () {
  this.timeout(180_000);
  let server: RunningServer;
  let browser: Browser;
  before(async () => {
    server = await startServer({ SOLVER_THREADS: '2' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('is served at / with default-src self, and shows the seed example: header and bars as the JSON says, and the model as LP', async () => {
    const res = await fetch(`${server.url}/`);
    assert.match(res.headers.get('content-security-policy') ?? '', /^default-src 'self'/);
    const s = await open(browser, server.url);
    await solve(s, read('examples', 'seed-snapshot.json'));
    const job = await s.ended();
    const a = job['answer'] as Json;
    await s.page.waitForSelector('[data-field=status]');
    const text = async (f: string) => (await s.page.locator(`[data-field=${f}]`).textContent())!.trim();
    assert.equal(await text('status'), a['status']);
    assert.equal(await text('gap'), pct(a['gap'] as number));
    assert.equal(Number(await text('objective')), a['objective']);
    assert.equal(Number(await text('other-objective')), (a['greedy'] as Json)['objective']);
    await checkBars(s.page, a);
    const [lp] = await Promise.all([s.page.waitForEvent('download'), s.page.click('text=Model (LP)')]);
    assert.match(readFileSync((await lp.path())!, 'utf8'), /^(Minimize|Maximize)$/m);
    clean(s);
    await s.page.close();
  });

  it('loads each example with its route; the solver chosen (jslp) is the one the job asks for', async () => {
    const s = await open(browser, server.url);
    const value = (sel: string) => s.page.locator(sel).inputValue();
    // Synchronised on the page's state: polled until it holds.
    const until = async (holds: () => Promise<boolean>): Promise<void> => {
      while (!(await holds())) await new Promise((r) => setTimeout(r, 20));
    };
    const examples = (
      await s.page
        .locator('[data-field=example] option')
        .evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value))
    ).filter(Boolean);
    assert.equal(examples.length, 8);
    for (const label of examples) {
      await s.page.selectOption('[data-field=example]', label);
      const route = label.split(':')[0]!;
      await until(async () => (await value('[data-field=route]')) === route);
      // One file goes into the text box; kubectl's nodes and pods stay two files, as if dropped.
      if (label.includes('kubectl'))
        await until(async () => (await s.page.locator('.files').textContent()) === 'nodes.json, pods.json');
      else if (label.includes('swarm'))
        await until(
          async () =>
            (await s.page.locator('.files').textContent()) ===
            'swarm/nodes.json, swarm/services.json, swarm/tasks.json',
        );
      else await until(async () => (await value('#body')).length > 50);
    }
    await s.page.selectOption('[data-field=example]', 'plan: a small snapshot');
    await until(async () => (await value('#body')).includes('node-1'));
    await s.page.selectOption('[data-field=option-solver]', 'jslp');
    await s.page.click('button[type=submit]');
    const job = await s.ended();
    assert.equal(((job['answer'] as Json)['backends'] as Json[])[0]!['name'], 'jslp');
    await s.page.waitForSelector('.row');
    // Numbers on the bars; the rows box as tall as its 3 rows; the docs linked; unlabelled nodes say nothing.
    const vals = await s.page.locator('.val').allTextContents();
    assert.ok(vals.length > 0 && vals.every((v) => /^\d+%$/.test(v)), vals.join(' '));
    const box = await s.page.locator('.rows').evaluate((e) => (e as unknown as { clientHeight: number }).clientHeight);
    assert.ok(box <= 3 * 84 + 2, `rows box ${box}px`);
    assert.equal(await s.page.getAttribute('a[href="/docs"]', 'href'), '/docs');
    assert.deepEqual(await s.page.locator('.node small').allTextContents(), ['', '', '']);
    clean(s);
    await s.page.close();
  });

  it('highlights the moves of a Kubernetes cluster whose pods run somewhere now', async () => {
    const s = await open(browser, server.url);
    await solve(s, fixtureInput('kube', 'bound-pods-not-ready.json'));
    const a = (await s.ended())['answer'] as Json;
    await s.page.waitForSelector('.row');
    const moves = ((a['moves'] ?? []) as Json[]).map((m) => String(m['container'])).sort();
    assert.ok(moves.length > 0, 'the fixture moves containers');
    const shown = await s.page.$$eval('.chip.moved[data-container]', (els) =>
      els.map((e) => e.getAttribute('data-container')!),
    );
    assert.deepEqual([...new Set(shown)].sort(), moves);
    await checkBars(s.page, a);
    clean(s);
    await s.page.close();
  });

  it('reads Kubernetes input and filters by zone', async () => {
    const s = await open(browser, server.url);
    await solve(s, fixtureInput('kube', 'zone-spread-web.json'));
    await s.ended();
    await s.page.waitForSelector('.row');
    const all = await s.page.locator('.row').count();
    const zoneSelect = s.page.locator('label:has-text("zone") select');
    const options = (await zoneSelect.locator('option').allTextContents()).filter((o) => o !== 'all');
    assert.ok(options.length >= 2, JSON.stringify(options));
    await zoneSelect.selectOption(options[0]!);
    const some = await s.page.locator('.row').count();
    assert.ok(some > 0 && some < all, `${some} of ${all}`);
    clean(s);
    await s.page.close();
  });

  it('reads several files dropped together: nodes.json and pods.yaml (multi-document YAML)', async () => {
    const kube = fixtureInput('kube', 'zone-spread-web.json') as { nodeList: Json; podList: { items: Json[] } };
    const s = await open(browser, server.url);
    await s.page.setInputFiles('input[type=file]', [
      { name: 'nodes.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(kube.nodeList)) },
      {
        name: 'pods.yaml',
        mimeType: 'application/yaml',
        buffer: Buffer.from(kube.podList.items.map((p) => stringifyYaml({ kind: 'Pod', ...p })).join('---\n')),
      },
    ]);
    await s.page.locator('.files', { hasText: 'pods.yaml' }).waitFor();
    await s.page.click('button[type=submit]');
    const a = (await s.ended())['answer'] as Json;
    const sync = (await (
      await fetch(`${server.url}/v1/plan`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...kube, options: { timeLimitMs: 10_000 } }),
      })
    ).json()) as Json;
    assert.equal(a['objective'], sync['objective']);
    assert.equal((a['assignments'] as unknown[]).length, kube.podList.items.length);
    clean(s);
    await s.page.close();
  });

  it("shows the topology: nodes by block and rack, each gang's span, the free racks", async () => {
    const s = await open(browser, server.url);
    await solve(s, read('examples', 'ai-cluster.json'));
    const a = (await s.ended())['answer'] as Json;
    const t = a['topology'] as {
      levels: string[];
      groups: { group: string; plan: { placed: number; spans: Record<string, number> } }[];
      fragmentation: { plan: { free: number; domains: number }[] };
    };
    await s.page.waitForSelector('section[aria-label=topology]');
    for (const g of t.groups) {
      const cell = s.page.locator(`tr[data-group="${g.group}"] td[data-side=plan]`);
      const spans = t.levels.map((l) => g.plan.spans[l]).join(' / ');
      assert.equal((await cell.textContent())!.trim(), `${g.plan.placed} placed · ${spans}`);
    }
    const racks = t.fragmentation.plan[1]!;
    assert.equal(
      (await s.page.locator('[data-field=free-plan-1]').textContent())!.trim(),
      `${racks.free} of ${racks.domains}`,
    );
    assert.equal(await s.page.locator('.rack[data-free=true]').count(), racks.free);
    // The chosen gang's nodes are marked: as many as the nodes its members run on in the plan.
    const train = new Set(
      (a['assignments'] as { container: string; node: string }[])
        .filter((x) => x.container.startsWith('train'))
        .map((x) => x.node),
    );
    await s.page.click('tr[data-group=train] button');
    await s.page.waitForSelector('.cell.chosen');
    assert.equal(await s.page.locator('.cell.chosen').count(), train.size);
    clean(s);
    await s.page.close();
  });

  it('plans the Docker swarm example from its three inspect files, with Swarm’s own placement beside', async () => {
    const s = await open(browser, server.url);
    await s.page.selectOption('[data-field=example]', 'plan: a Docker swarm (docker node and service inspect)');
    await s.page.waitForSelector('.files:has-text("swarm/tasks.json")');
    await s.page.click('button[type=submit]');
    const job = await s.ended();
    const a = job['answer'] as Json;
    const swarm = a['swarm'] as { pending: string[]; objective: number | null };
    assert.deepEqual([a['status'], swarm.pending], ['optimal', ['trainer.1']]);
    await s.page.waitForSelector('section[aria-label="Swarm\'s placement"]');
    assert.deepEqual(await s.page.locator('[data-field=swarm-pending]').allTextContents(), ['trainer.1']);
    assert.equal((await s.page.locator('[data-field=swarm-objective]').textContent())!.trim(), '–');
    clean(s);
    await s.page.close();
  });

  it('shows a change through a temporary node: the node named, the runbook bringing it up and removing it', async () => {
    const s = await open(browser, server.url);
    await solve(s, read('examples', 'temporary-node.json'), 'evaluate');
    const a = (await s.ended())['answer'] as Json;
    const c = a['changes'] as { runbook: string[]; temporaryNodes: string[] };
    assert.deepEqual(c.temporaryNodes, ['spare']);
    await s.page.waitForSelector('section[aria-label=changes]');
    assert.equal((await s.page.locator('[data-field=changes-temporary]').textContent())!.trim(), 'spare');
    const lines = (await s.page.locator('ol.runbook li').allTextContents()).map((l) => l.trim());
    assert.deepEqual(lines, c.runbook);
    assert.match(lines[0]!, /^wave 1: bring up temporary node spare;/);
    assert.match(lines.at(-1)!, /spare is now empty: remove it \(temporary\)$/);
    clean(s);
    await s.page.close();
  });

  it('shows the change plan: the runbook as the answer says, and each moved container with its wave', async () => {
    const s = await open(browser, server.url);
    await solve(s, read('examples', 'consolidate.json'));
    const a = (await s.ended())['answer'] as Json;
    const c = a['changes'] as {
      status: string;
      runbook: string[];
      waves: { wave: number; evict: { container: string }[] }[];
    };
    await s.page.waitForSelector('section[aria-label=changes]');
    assert.equal((await s.page.locator('[data-field=changes-status]').textContent())!.trim(), c.status);
    const lines = await s.page.locator('ol.runbook li').allTextContents();
    assert.deepEqual(
      lines.map((l) => l.trim()),
      c.runbook,
    );
    const expected = c.waves.flatMap((w) => w.evict.map((e) => [e.container, String(w.wave)])).sort();
    const shown = (
      await s.page.$$eval('.chip[data-wave]', (els) =>
        els.map((e) => [e.getAttribute('data-container'), e.getAttribute('data-wave')]),
      )
    )
      .filter(([, w]) => w !== '')
      .sort();
    assert.deepEqual(shown, expected);
    assert.ok(expected.length > 0);
    clean(s);
    await s.page.close();
  });

  it('evaluates a given plan: its bars beside the optimum, and the downloads (Bindings, table)', async () => {
    const s = await open(browser, server.url);
    await solve(s, read('examples', 'evaluate.json'), 'evaluate');
    const a = (await s.ended())['answer'] as { optimal: Json; given: Json };
    await s.page.waitForSelector('.row');
    const given = await s.page.$$eval('.fill[data-side=given]', (els) =>
      els.map((e) => [
        e.getAttribute('data-node'),
        e.getAttribute('data-resource'),
        Number(e.getAttribute('data-util')),
      ]),
    );
    assert.ok(given.length > 0);
    const util = a.given['utilization'] as Record<string, Record<string, number>>;
    for (const [node, r, u] of given) assert.equal(u, util[node as string]?.[r as string] ?? 0);
    const [download] = await Promise.all([s.page.waitForEvent('download'), s.page.click('text=Bindings')]);
    const list = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { items: Json[] };
    const assignments = a.optimal['assignments'] as { container: string; node: string }[];
    assert.equal(list.items.length, assignments.length);
    assert.ok(list.items.every((b) => b['kind'] === 'Binding'));
    const [table] = await Promise.all([s.page.waitForEvent('download'), s.page.click('text=Plan (table)')]);
    assert.equal(
      readFileSync((await table.path())!, 'utf8')
        .trim()
        .split('\n').length,
      assignments.length + 1,
    );
    clean(s);
    await s.page.close();
  });

  it('shows the unplaced containers with their reasons, and the minimal conflict, when nothing fits', async () => {
    const s = await open(browser, server.url);
    await solve(s, fixtureInput('plan', 'infeasible-packing.json'));
    const a = (await s.ended())['answer'] as Json;
    assert.equal(a['status'], 'infeasible');
    await s.page.waitForSelector('[data-field=conflict]');
    const conflict = (await s.page.locator('[data-field=conflict]').textContent())!;
    assert.ok(conflict.includes((a['explanation'] as Json)['message'] as string));
    const reasons = (a['reasons'] ?? []) as Json[];
    assert.equal(await s.page.locator('.unplaced li').count(), reasons.length);
    clean(s);
    await s.page.close();
  });

  it("answers a capacity question: fit beside cluster-capacity's one-at-a-time count", async () => {
    const s = await open(browser, server.url);
    await solve(s, read('examples', 'capacity-fit.json'), 'capacity');
    const a = (await s.ended())['answer'] as Json;
    await s.page.waitForSelector('[data-question=fit]');
    const extra = a['extra'] as Record<string, number>;
    const alone = (a['greedy'] as { aloneEach: Record<string, number> }).aloneEach;
    for (const shape of Object.keys(extra)) {
      const row = s.page.locator(`tr[data-shape="${shape}"]`);
      assert.equal(Number(await row.locator('[data-field=exact]').textContent()), extra[shape]);
      assert.equal(Number(await row.locator('[data-field=alone]').textContent()), alone[shape]);
    }
    clean(s);
    await s.page.close();
  });

  it('shows the field path of a bad paste, and a message for text that is neither JSON nor YAML', async () => {
    const s = await open(browser, server.url);
    await solve(s, '{"nodes": 3, "containers": []}');
    await s.page.waitForSelector('.error .path');
    assert.equal((await s.page.locator('.error .path').first().textContent())!.trim(), 'nodes');
    await solve(s, 'nodes: [\n  - bad: {');
    await s.page.waitForSelector('.error p');
    assert.ok((await s.page.locator('.error p').textContent())!.length > 0);
    assert.deepEqual(s.foreign, []);
    // The service's 400 for the bad snapshot is logged by the browser as a failed request; nothing else.
    assert.ok(
      s.errors.every((e) => /status of 400/.test(e)),
      JSON.stringify(s.errors),
    );
    await s.page.close();
  });

  it('cancels a long solve and keeps the best plan, after showing its progress', async () => {
    const s = await open(browser, server.url);
    const g = parseGapFile(readFileSync(fixturePath('gap', 'gapd.txt'), 'utf8'), true)[0]!;
    await solve(s, { ...gapToProgram(g, 'min'), options: { solver: 'highs' } }, 'solve', '60000');
    await s.page.locator('[data-field=progress]', { hasText: /best \d/ }).waitFor();
    await s.page.click('text=Cancel');
    await s.page.waitForSelector('text=Cancelled');
    const job = await s.ended();
    assert.equal(job['status'], 'cancelled');
    assert.equal(
      (await s.page.locator('[data-field=status]').textContent())!.trim(),
      (job['answer'] as Json)['status'],
    );
    clean(s);
    await s.page.close();
  });

  it('draws a 5 000-node answer and stays responsive (the times are printed, and docs/web.md reports them)', async () => {
    const s = await open(browser, server.url);
    const body = JSON.stringify({ ...scaleSnapshot(5000, 20000, 1), options: { solver: 'greedy' } });
    await s.page.setInputFiles('input[type=file]', {
      name: 'cluster.json',
      mimeType: 'application/json',
      buffer: Buffer.from(body),
    });
    await s.page.locator('.files', { hasText: 'cluster.json' }).waitFor();
    const clicked = Date.now();
    await s.page.click('button[type=submit]');
    await s.page.waitForSelector('.row', { timeout: 60_000 });
    const total = Date.now() - clicked;
    // The rows are in the DOM before the frame that paints them marks the draw.
    await s.page.waitForFunction("performance.getEntriesByName('optiplace:drawn').length > 0");
    const drawn = (await s.page.evaluate(
      "performance.measure('draw', 'optiplace:answer', 'optiplace:drawn').duration",
    )) as number;
    assert.match((await s.page.locator('.count').textContent())!, /5000 of 5000 nodes/);
    const rows = await s.page.locator('.row').count();
    assert.ok(rows > 0 && rows < 100, `${rows} rows in the DOM: only those in view`);
    const scrolled = (await s.page.evaluate(`(async () => {
      const box = document.querySelector('.rows');
      const t = performance.now();
      box.scrollTop = box.scrollHeight / 2;
      box.dispatchEvent(new Event('scroll'));
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return { ms: performance.now() - t, first: document.querySelector('.row').getAttribute('data-node') };
    })()`)) as { ms: number; first: string };
    const names = Object.keys(((await s.ended())['answer'] as { utilization: object }).utilization);
    assert.ok(names.indexOf(scrolled.first) > 2000, `the rows in view after scrolling halfway: ${scrolled.first}`);
    process.stdout.write(
      `      5 000 × 20 000: drawn in ${drawn.toFixed(0)} ms after the answer arrived (${total} ms from the click, ` +
        `solve included); a scroll to the middle repainted in ${scrolled.ms.toFixed(0)} ms\n`,
    );
    clean(s);
    await s.page.close();
  });

  it('has no serious or critical accessibility violations (axe-core)', async () => {
    const s = await open(browser, server.url);
    await solve(s, read('examples', 'seed-snapshot.json'));
    await s.page.waitForSelector('.row');
    await s.page.evaluate(read('node_modules', 'axe-core', 'axe.min.js'));
    const result = (await s.page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as {
      violations: { id: string; impact: string; nodes: unknown[] }[];
    };
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(
      bad.map((v) => `${v.id} (${v.impact}, ${v.nodes.length})`),
      [],
    );
    clean(s);
    await s.page.close();
  });
});

/** Every bar's width is the API's utilisation (the plan's and the greedy's), capped at the bar. */
async function checkBars(page: Page, a: Json): Promise<void> {
  const bars = await page.$$eval('.fill', (els) =>
    els.map((e) => ({
      node: e.getAttribute('data-node')!,
      resource: e.getAttribute('data-resource')!,
      side: e.getAttribute('data-side')!,
      width: (e as unknown as { style: { width: string } }).style.width,
      util: e.getAttribute('data-util')!,
    })),
  );
  assert.ok(bars.length > 0);
  for (const b of bars) {
    const util = (b.side === 'plan' ? a : (a['greedy'] as Json))['utilization'] as Record<
      string,
      Record<string, number>
    >;
    const u = util[b.node]?.[b.resource] ?? 0;
    assert.equal(Number(b.util), u, `${b.side} ${b.node} ${b.resource}`);
    // The browser keeps a width to about six digits.
    assert.ok(Math.abs(parseFloat(b.width) - Math.min(100, 100 * u)) < 1e-3, `${b.width} for ${u}`);
  }
}
