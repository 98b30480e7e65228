import { parentPort } from 'node:worker_threads';

/**
 * The worker side of threads.ts's protocol: once `ready` resolves (the WebAssembly modules are loaded),
 * post {type: 'ready'}; then answer each {type: 'task'} with {type: 'result', value} or, if the handler
 * throws, {type: 'error', message}. A module that fails to load throws, which ends the thread (the pool
 * counts it as a worker that died while starting). Each result carries `memory()`, what the worker holds
 * that garbage collection does not give back (WebAssembly heaps), so the pool can replace a swollen one.
 */
export function serveTasks(
  handle: (task: never) => unknown,
  ready: Promise<unknown>,
  memory: () => number | undefined = () => undefined,
): void {
  const port = parentPort;
  if (!port) throw new Error('serveTasks runs in a worker thread');
  port.on('message', (msg: { type?: string; task?: never }) => {
    if (msg.type !== 'task' || msg.task === undefined) return;
    const task = msg.task;
    void (async () => {
      try {
        const value = await handle(task);
        port.postMessage({ type: 'result', value, memory: memory() }, transferables(value));
      } catch (err) {
        port.postMessage({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      }
    })();
  });
  ready.then(
    () => port.postMessage({ type: 'ready' }),
    (err: unknown) => {
      // Rethrown outside the promise chain: an uncaught error ends the thread.
      setImmediate(() => {
        throw err;
      });
    },
  );
}

/** A result's bytes (a `bytes` Uint8Array owning its whole buffer) move to the caller instead of being copied. */
function transferables(value: unknown): ArrayBuffer[] {
  const bytes = (value as { bytes?: unknown } | null)?.bytes;
  if (!(bytes instanceof Uint8Array) || !(bytes.buffer instanceof ArrayBuffer)) return [];
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? [bytes.buffer] : [];
}
