import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type DestinationStream, type Logger } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';

export type { Logger };

/**
 * Structured logs (pino): one JSON line per event on stderr, `{"level": "info", "time": "<ISO 8601>", ...,
 * "msg"}`, and one line per request (pino-http) with its request id. `LOG_LEVEL` (debug, info, warn,
 * error) sets the least level written. Request bodies and headers are never logged.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';

export function createLogger(level: Level | 'silent' = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 2, sync: false }),
  );
}

/** Writes nothing (tests that do not read the log). */
export const silentLogger: Logger = pino({ level: 'silent' });

/** What a request's line says of its solves (set by the route as they finish). */
export interface RequestFacts {
  nodes?: number;
  containers?: number;
  planStatus?: string;
  source?: string;
  gap?: number | null;
  /** Solves the request ran (a capacity question runs several). */
  solves?: number;
  errorCode?: string;
}

/** A caller's X-Request-Id is kept when it is a plain token of at most 128 characters; otherwise one is made. */
const REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** The request's facts, kept on the response (express's res.locals). */
export function factsOf(res: ServerResponse): RequestFacts {
  const r = res as ServerResponse & { locals?: Record<string, unknown> };
  r.locals ??= {};
  return ((r.locals['facts'] as RequestFacts | undefined) ??= {});
}

/** One line per request: id, method, route, path, status, duration (ms), and the facts of its solves. */
export function requestLogger(log: Logger, routeOf: (req: IncomingMessage) => string): HttpLogger {
  const line = (req: IncomingMessage, res: ServerResponse, responseTime: number): Record<string, unknown> => ({
    method: req.method,
    route: routeOf(req),
    path: (req.url ?? '').split('?')[0],
    status: res.headersSent ? res.statusCode : 499,
    durationMs: responseTime,
    ...factsOf(res),
  });
  return pinoHttp({
    logger: log,
    genReqId: (req, res) => {
      const id = requestIdOf(req);
      res.setHeader('X-Request-Id', id);
      return id;
    },
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { reqId: 'reqId' },
    customLogLevel: (_req, res, err) => {
      // Probes answer 503 while the service starts or drains, as they should; only a failing one is a warning.
      const probe = (res as { locals?: Record<string, unknown> }).locals?.['probe'];
      if (probe !== undefined) return probe === 'failing' ? 'warn' : 'info';
      return err || res.statusCode >= 500 ? 'error' : 'info';
    },
    customSuccessObject: (req, res, val: { responseTime: number }) => line(req, res, val.responseTime),
    customErrorObject: (req, res, err, val: { responseTime: number }) => ({
      ...line(req, res, val.responseTime),
      error: err.message,
    }),
    customSuccessMessage: (req, res) => (res.writableEnded || req.readableAborted ? 'request' : 'request aborted'),
    customErrorMessage: () => 'request failed',
  });
}
