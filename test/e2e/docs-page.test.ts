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

  it('renders the spec in a real browser: headless Chromium shows every route of the document', async () => {
    const dom = await renderedDom(`${url}/docs`);
    assert.match(dom, /class="swagger-ui"/);
    for (const path of Object.keys(doc.paths))
      assert.ok(dom.includes(`>${path.replaceAll('/', '/<wbr>')}<`) || dom.includes(path), path);
    assert.ok(dom.includes('Solve a cluster snapshot'), 'the operation summaries are shown');
  });
});
