/**
 * One JSON line per event on stderr: {time, level, msg, ...fields}. Request bodies are never logged.
 * `LOG_LEVEL` (debug, info, warn, error; default info) sets the least level written.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  log(level: Level, msg: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(
  level: Level = 'info',
  write: (line: string) => void = (line) => void process.stderr.write(line),
): Logger {
  return {
    log(at, msg, fields = {}) {
      if (ORDER[at] < ORDER[level]) return;
      write(`${JSON.stringify({ time: new Date().toISOString(), level: at, msg, ...fields })}\n`);
    },
  };
}

/** Writes nothing (tests that do not read the log). */
export const silentLogger: Logger = { log: () => undefined };
