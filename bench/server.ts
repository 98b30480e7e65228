import { Worker } from 'node:worker_threads';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The real service in a child process (dist/server/main.js), on a free loopback port, for tests and
 * scripts that must see what a client sees: its input threads, its process policies, its shutdown.
 */
export interface RunningServer {
  readonly url: string;
  readonly process: ChildProcess;
  /** Every log line so far (JSON). */
  readonly log: string[];
  /** Resolves with the exit code when the process ends. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/** The server entry: this build's, or another one's (OPTIPLACE_SERVER, e.g. an older build to compare). */
const SERVER_ENTRY = process.env['OPTIPLACE_SERVER'] ?? join(ROOT, 'dist', 'server', 'main.js');

/** A loopback port nobody listens on now. */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Starts the service (`entry`: this build's, or OPTIPLACE_SERVER's, or another build's main.js) with `env` added. */
export async function startServer(env: Record<string, string> = {}, entry = SERVER_ENTRY): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'debug', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  for (const stream of [child.stdout!, child.stderr!]) {
    let buffer = '';
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      log.push(...lines);
    });
  }
  const url = `http://127.0.0.1:${port}`;
  // Up when /healthz answers (every version of the service has it).
  const until = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the server exited (${child.exitCode}) before listening: ${log.join('\n')}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > until) throw new Error(`the server did not start: ${log.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    process: child,
    log,
    exited,
    stop: async (graceMs = 30_000) => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** POST a JSON body (a string, sent as it is); `ms` until the answer's last byte arrived. */
export async function postJson(
  url: string,
  body: string,
  init: RequestInit = {},
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers; ms: number }> {
  const started = Date.now();
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' }, ...init });
  const text = await res.text();
  // Answered when its last byte arrived: this client's own parse of a large answer is not the service's time.
  const ms = Date.now() - started;
  return { status: res.status, json: JSON.parse(text) as Record<string, unknown>, headers: res.headers, ms };
}

/**
 * Polls `url` every `everyMs` from a thread of its own until the returned `stop` is called, which gives
 * the latency of each answer (ms). The bench's own work (writing a 22 MB body, parsing a 45 MB answer)
 * holds this thread's event loop, not the probe's, so what is measured is the service.
 */
export function probeInThread(url: string, everyMs = 50): { stop: () => Promise<number[]> } {
  const worker = new Worker(new URL('./probe-worker.js', import.meta.url), { workerData: { url, everyMs } });
  const result = new Promise<number[]>((resolve, reject) => {
    worker.once('message', (l: number[]) => resolve(l));
    worker.once('error', reject);
  });
  return {
    stop: async () => {
      worker.postMessage('stop');
      const latencies = await result;
      await worker.terminate();
      return latencies;
    },
  };
}

/** Polls `url` every `everyMs` until `stop` resolves; the latency of each answer (ms). */
export async function probe(url: string, stop: Promise<unknown>, everyMs = 50): Promise<number[]> {
  const latencies: number[] = [];
  let done = false;
  void stop.finally(() => (done = true));
  while (!done) {
    const started = Date.now();
    const res = await fetch(url).catch(() => undefined);
    if (res) await res.text();
    latencies.push(Date.now() - started);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return latencies;
}
