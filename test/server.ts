import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './helpers.js';

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

export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'server', 'main.js')], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'debug', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${log.join('\n')}`)), 20_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        log.push(line);
        const m = /"msg":"listening","port":(\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      }
    });
    void exited.then((code) => reject(new Error(`the server exited (${code}) before listening: ${log.join('\n')}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
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

/** POST a JSON body (a string, sent as it is). */
export async function postJson(url: string, body: string, init: RequestInit = {}): Promise<{ status: number; json: Record<string, unknown>; headers: Headers; ms: number }> {
  const started = Date.now();
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' }, ...init });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as Record<string, unknown>, headers: res.headers, ms: Date.now() - started };
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
