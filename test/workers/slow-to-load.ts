import { serveTasks } from '../../solver/serve.js';

/** A worker entry that takes 300 ms to load, then echoes its tasks (for the thread pool's tests). */
serveTasks(
  (task: { wait?: number; value?: unknown }) =>
    new Promise((resolve) => setTimeout(() => resolve(task.value), task.wait ?? 0)),
  new Promise((r) => setTimeout(r, 300)),
);
