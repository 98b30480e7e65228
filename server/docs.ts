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

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>optiplace API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<main id="ui"></main>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', deepLinking: true });\n`;

export const DOCS_POLICY =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

export function docs(app: express.Express): void {
  const dir = getAbsoluteFSPath();
  app.get('/docs', (_req, res) => {
    res.set('Content-Security-Policy', DOCS_POLICY).type('html').send(PAGE);
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
