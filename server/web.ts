import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type express from 'express';

/**
 * The web page at `/` (web/, compiled to dist/web/): plain TypeScript on preact + htm (htm's standalone
 * module) and uPlot, every file served by the service from its own packages, under
 * `Content-Security-Policy: default-src 'self'` (no CDN, no inline script).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const modules = (...p: string[]): string => join(ROOT, 'node_modules', ...p);

export const PAGE_POLICY = "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'; base-uri 'none'";

/** URL → file, the only files the page may load. */
const FILES: Record<string, string> = {
  '/': join(ROOT, 'web', 'index.html'),
  '/app.css': join(ROOT, 'web', 'app.css'),
  '/assets/htm-preact.mjs': modules('htm', 'preact', 'standalone.module.js'),
  '/assets/uplot.mjs': modules('uplot', 'dist', 'uPlot.esm.js'),
  '/assets/uplot.css': modules('uplot', 'dist', 'uPlot.min.css'),
};

export function webPage(app: express.Express): void {
  for (const [path, file] of Object.entries(FILES))
    app.get(path, (_req, res) => {
      res.set('Content-Security-Policy', PAGE_POLICY).sendFile(file);
    });
  // The page's own modules, and yaml's browser build (which imports its own files by relative paths).
  app.get('/web/:file', (req, res, next) => serveFrom(join(ROOT, 'dist', 'web'), req.params.file, res, next));
  app.get('/assets/yaml/*path', (req, res, next) =>
    serveFrom(modules('yaml', 'browser', 'dist'), (req.params as { path: string[] }).path.join('/'), res, next),
  );
  // The examples the page loads (examples/*.json, as the docs use them).
  app.get('/examples/:file', (req, res, next) =>
    serveFrom(join(ROOT, 'examples'), req.params.file, res, next, /^[\w-]+\.json$/),
  );
  // The Swarm example is three files (docker node, service and task inspect).
  app.get('/examples/swarm/:file', (req, res, next) =>
    serveFrom(join(ROOT, 'examples', 'swarm'), req.params.file, res, next, /^[\w-]+\.json$/),
  );
}

/** A file under `dir` whose path matches `allowed` (by default a .js file; no `..`), or the catalogue's 404. */
function serveFrom(
  dir: string,
  rel: string,
  res: express.Response,
  next: express.NextFunction,
  allowed = /^[\w./-]+\.js$/,
): void {
  if (!allowed.test(rel) || rel.split('/').includes('..')) {
    next();
    return;
  }
  res.set('Content-Security-Policy', PAGE_POLICY).sendFile(join(dir, rel), (err) => {
    if (err && !res.headersSent) next();
  });
}
