import { createRequire } from 'node:module';
import { join } from 'node:path';
import type express from 'express';

/**
 * The API documentation at GET /docs: Swagger UI (swagger-ui-dist, served from the package: no CDN)
 * rendering GET /openapi.json. No inline script, so the page keeps a `script-src 'self'` policy.
 */
const require = createRequire(import.meta.url);
const getAbsoluteFSPath = require('swagger-ui-dist/absolute-path.js') as () => string;
const ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'favicon-16x16.png'];

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

type Operation = { summary?: string; tags?: string[] };

/**
 * The operations by tag as plain HTML, in the page itself: readable at once (Swagger UI takes seconds to load its
 * 1.4 MB bundle and render the document on a small machine), replaced by Swagger UI when it has rendered.
 */
function operationIndex(doc: Record<string, unknown>): string {
  const tags = doc['tags'] as { name: string; description: string }[];
  const paths = doc['paths'] as Record<string, Record<string, Operation>>;
  const sections = tags.map(({ name, description }) => {
    const rows = Object.entries(paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.tags?.includes(name))
        .map(
          ([method, op]) =>
            `<tr><td><b>${method.toUpperCase()}</b></td><td><code>${escapeHtml(path)}</code></td>` +
            `<td>${escapeHtml(op.summary ?? '')}</td></tr>`,
        ),
    );
    return `<h2>${escapeHtml(name)}</h2><p>${escapeHtml(description)}</p><table>${rows.join('')}</table>`;
  });
  return (
    `<section style="font-family: sans-serif; max-width: 60rem; margin: 1rem auto">` +
    `<h1>optiplace API</h1><p>The interactive reference is loading; the operations:</p>` +
    `${sections.join('')}<p>The document itself: <a href="/openapi.json">/openapi.json</a></p></section>`
  );
}

const page = (doc: Record<string, unknown>): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>optiplace API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<main id="ui">${operationIndex(doc)}</main>
<script defer src="/docs/assets/swagger-ui-bundle.js"></script>
<script defer src="/docs/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', deepLinking: true });\n`;

export const DOCS_POLICY =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

export function docs(app: express.Express, doc: Record<string, unknown>): void {
  const dir = getAbsoluteFSPath();
  const html = page(doc);
  app.get('/docs', (_req, res) => {
    res.set('Content-Security-Policy', DOCS_POLICY).type('html').send(html);
  });
  app.get('/docs/init.js', (_req, res) => void res.type('application/javascript').send(INIT));
  app.get('/docs/assets/:file', (req, res, next) => {
    const file = req.params.file;
    if (!ASSETS.includes(file)) {
      next();
      return;
    }
    res.sendFile(join(dir, file), { maxAge: '1d' });
  });
}
