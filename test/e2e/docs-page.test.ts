import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../server/app.js';
import { sharedPool } from '../setup.js';

/** The page's DOM after its scripts ran, from the system's headless Chromium (installed by npm test). */
function renderedDom(page: string): Promise<string> {
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=15000', '--dump-dom', page];
  return new Promise((resolve, reject) =>
    execFile('chromium', args, { maxBuffer: 64 * 2 ** 20, timeout: 60_000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    ),
  );
}

const LIMITS = { maxNodes: 100, maxContainers: 2000, maxPairs: 200_000, maxResources: 8, maxTimeLimitMs: 60_000 };

describe('the API docs page (GET /docs) in a real browser', function () {
  this.timeout(120_000);
  let server: Server;
  let url: string;
  let doc: { paths: Record<string, unknown> };
  before(async () => {
    server = createApp({ pool: sharedPool(), limits: LIMITS, maxBodyBytes: 1 << 20 }).listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    doc = (await (await fetch(`${url}/openapi.json`)).json()) as typeof doc;
  });
  after(() => server.close());

  it('is readable before its scripts run: every operation by tag in the HTML itself, the scripts deferred', async () => {
    const html = await (await fetch(`${url}/docs`)).text();
    const full = doc as unknown as {
      tags: { name: string }[];
      paths: Record<string, Record<string, { summary: string; tags: string[] }>>;
    };
    const headings = [...html.matchAll(/<h2>([^<]+)<\/h2>/g)].map((m) => m[1]);
    assert.deepEqual(
      headings,
      full.tags.map((t) => t.name),
    );
    for (const [path, ops] of Object.entries(full.paths))
      for (const [method, op] of Object.entries(ops))
        assert.ok(
          html.includes(`<b>${method.toUpperCase()}</b></td><td><code>${path}</code></td><td>${op.summary}</td>`),
          `${method} ${path}`,
        );
    assert.equal([...html.matchAll(/<script defer src=/g)].length, 2);
  });

  it('renders the spec in a real browser: headless Chromium shows every route of the document', async () => {
    const dom = await renderedDom(`${url}/docs`);
    assert.match(dom, /class="swagger-ui"/);
    for (const path of Object.keys(doc.paths))
      assert.ok(dom.includes(`>${path.replaceAll('/', '/<wbr>')}<`) || dom.includes(path), path);
    assert.ok(dom.includes('Solve a cluster snapshot'), 'the operation summaries are shown');
  });
});
