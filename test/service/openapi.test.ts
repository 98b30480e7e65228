import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createApp } from '../../server/app.js';
import { ERROR_CODES } from '../../server/errors.js';
import { conforms } from '../conformance.js';
import { ROOT } from '../helpers.js';
import { sharedPool } from '../setup.js';

const LIMITS = { maxNodes: 100, maxContainers: 2000, maxPairs: 200_000, maxResources: 8, maxTimeLimitMs: 60_000 };
type Doc = {
  openapi: string;
  'x-error-codes': Record<string, number>;
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, { responses: Record<string, unknown>; tags?: string[] }>>;
  components: { schemas: { Error: { properties: { error: { properties: { code: { enum: string[] } } } } } } };
};

describe('OpenAPI document (GET /openapi.json) and docs page', () => {
  let server: Server;
  let url: string;
  let app: ReturnType<typeof createApp>;
  let doc: Doc;
  before(async () => {
    app = createApp({ pool: sharedPool(), limits: LIMITS, maxBodyBytes: 1 << 20 });
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    doc = (await (await fetch(`${url}/openapi.json`)).json()) as Doc;
  });
  after(() => server.close());

  it('is a valid OpenAPI 3.1 document', async () => {
    assert.equal(doc.openapi, '3.1.0');
    const result = await new Validator().validate(doc as unknown as Parameters<Validator['validate']>[0]);
    assert.deepEqual(result.errors ?? [], []);
    assert.equal(result.valid, true);
  });

  it('lists every route the app serves, with its method', () => {
    const stack = (app as unknown as { router: { stack: { route?: { path: string; methods: object } }[] } }).router
      .stack;
    const served = stack.flatMap((layer) =>
      layer.route
        ? Object.keys(layer.route.methods).map((m) => `${m} ${layer.route!.path.replace(/[:*](\w+)/g, '{$1}')}`)
        : [],
    );
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    assert.deepEqual([...new Set(served)].sort(), documented.sort());
  });

  it('names every error code of the catalogue, each under its status', () => {
    const codes = doc.components.schemas.Error.properties.error.properties.code.enum;
    assert.deepEqual([...codes].sort(), Object.keys(ERROR_CODES).sort());
    const statuses = new Set(
      Object.values(doc.paths).flatMap((ops) => Object.values(ops).flatMap((op) => Object.keys(op.responses))),
    );
    // 405 answers a method a path does not have, so no operation lists it: x-error-codes does.
    for (const [code, status] of Object.entries(ERROR_CODES))
      if (code !== 'method_not_allowed')
        assert.ok(statuses.has(String(status)), `${code} (${status}) is under no route`);
    assert.equal(doc['x-error-codes'].method_not_allowed, 405);
  });

  it('groups the operations by tag, each tag described', () => {
    const tags = new Set(doc.tags.map((t) => t.name));
    assert.deepEqual([...tags], ['solve', 'jobs', 'service', 'pages']);
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops))
        assert.ok(op.tags?.length === 1 && tags.has(op.tags[0]!), `${method} ${path}: ${String(op.tags)}`);
    assert.deepEqual(doc.paths['/v1/plan']?.['post']?.tags, ['solve']);
    assert.deepEqual(doc.paths['/v1/jobs/{id}']?.['delete']?.tags, ['jobs']);
  });

  it('refuses answers that do not match: the response schemas are strict', async () => {
    const seed = readFileSync(join(ROOT, 'examples', 'seed-snapshot.json'), 'utf8');
    const res = await fetch(`${url}/v1/plan`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: seed,
    });
    const answer = (await res.json()) as Record<string, unknown>;
    const type = 'application/json';
    assert.equal(conforms('POST', '/v1/plan', 200, type, answer), null);
    assert.match(conforms('POST', '/v1/plan', 200, type, { ...answer, status: 'great' }) ?? '', /status/);
    assert.match(conforms('POST', '/v1/plan', 200, type, { ...answer, surprise: 1 }) ?? '', /additional/);
    const { gap: _gap, ...noGap } = answer;
    assert.match(conforms('POST', '/v1/plan', 200, type, noGap) ?? '', /gap/);
    assert.match(conforms('POST', '/v1/plan', 400, type, answer) ?? '', /error/);
  });

  it('serves the docs page from its own origin: Swagger UI on /openapi.json, no CDN', async () => {
    const res = await fetch(`${url}/docs`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const html = await res.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(refs.length >= 3, html);
    for (const ref of refs) {
      assert.ok(ref.startsWith('/'), `${ref} is not on the service's own origin`);
      assert.equal((await fetch(`${url}${ref}`)).status, 200, ref);
    }
    assert.match(await (await fetch(`${url}/docs/init.js`)).text(), /url: '\/openapi\.json'/);
    assert.equal((await fetch(`${url}/docs/assets/package.json`)).status, 404);
  });
});
