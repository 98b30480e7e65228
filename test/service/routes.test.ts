import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp } from '../../server/app.js';
import { EVAL } from '../helpers.js';
import { sharedPool } from '../setup.js';

const LIMITS = { maxNodes: 1000, maxContainers: 20000, maxPairs: 2_000_000, maxResources: 32, maxTimeLimitMs: 60_000 };

describe('the LP export, evaluate and capacity routes (the app in process)', function () {
  this.timeout(60_000);
  let server: Server;
  let url: string;
  before(async () => {
    server = createApp({ pool: sharedPool(), limits: LIMITS, maxBodyBytes: 1 << 20 }).listen(0);
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());
  it('POST /v1/plan?format=lp answers text/plain LP; POST /v1/evaluate and /v1/capacity answer JSON', async () => {
    const lp = await fetch(`${url}/v1/plan?format=lp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(EVAL),
    });
    assert.equal(lp.status, 200);
    assert.match(lp.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(await lp.text(), /^\\ optiplace placement model[\s\S]*Minimize[\s\S]*Subject To[\s\S]*End/);
    const ev = await fetch(`${url}/v1/evaluate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...EVAL, plan: { x: 'a', y: 'b', z: 'b' } }),
    });
    assert.equal(ev.status, 200);
    assert.equal(((await ev.json()) as { given: { objective: number } }).given.objective, 4);
    const bad = await fetch(`${url}/v1/evaluate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...EVAL, plan: { x: 'nowhere' } }),
    });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { issues: { path: string }[] } }).error.issues[0]!.path, 'plan["x"]');
    const cap = await fetch(`${url}/v1/capacity`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...EVAL, question: { fit: { shapes: [{ name: 's', requests: { cpu: 1 } }] } } }),
    });
    assert.equal(cap.status, 200);
    const noQuestion = await fetch(`${url}/v1/capacity`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(EVAL),
    });
    assert.equal(noQuestion.status, 400);
  });
});
