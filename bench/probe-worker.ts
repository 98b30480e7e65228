import { parentPort, workerData } from 'node:worker_threads';
import { probe } from './server.js';

/**
 * The thread of probeInThread (bench/server.ts): one request to set up the connection and the code (not
 * counted), then probe() until the parent says stop, and the latencies back.
 */
const { url, everyMs } = workerData as { url: string; everyMs: number };
const stop = new Promise<void>((resolve) => parentPort!.once('message', () => resolve()));
await fetch(url).then(
  (r) => r.text(),
  () => '',
);
parentPort!.postMessage(await probe(url, stop, everyMs));
