import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './errors.js';

/**
 * Optional bearer tokens (API_TOKEN: one token, or several separated by commas). When set, every route but
 * the probes needs `Authorization: Bearer <token>`; a token's jobs are its own. Without tokens, a job
 * belongs to the client address that submitted it.
 */
const OPEN = new Set(['/livez', '/readyz', '/healthz']);
const owners = new WeakMap<Request, string>();

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export function requireToken(tokens: readonly string[]) {
  const known = tokens.map(digest);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (known.length === 0 || OPEN.has(req.path)) {
      owners.set(req, `client:${req.socket.remoteAddress ?? ''}`);
      next();
      return;
    }
    const m = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '');
    const given = m ? digest(m[1]!) : undefined;
    if (!given || !known.some((k) => timingSafeEqual(k, given))) {
      res.set('WWW-Authenticate', 'Bearer');
      next(
        new ApiError(
          'unauthorized',
          m ? 'the bearer token is not valid' : 'this route needs Authorization: Bearer <token>',
        ),
      );
      return;
    }
    owners.set(req, `token:${given.toString('hex').slice(0, 16)}`);
    next();
  };
}

/** Who submitted a request: its token's digest, or its client address when there are no tokens. */
export function ownerOf(req: Request): string {
  return owners.get(req) ?? `client:${req.socket.remoteAddress ?? ''}`;
}
