import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from './server.js';

/**
 * `npm run screenshot`: the picture of the web page in docs/web.md, from the real page in headless Chromium:
 * the seed example solved, the plan beside the greedy. Writes docs/plan-page.png.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = join(ROOT, 'docs', 'plan-page.png');

async function main(): Promise<void> {
  const server = await startServer({ SOLVER_THREADS: '2' });
  const browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    await page.goto(`${server.url}/`);
    await page.fill('#body', readFileSync(join(ROOT, 'examples', 'seed-snapshot.json'), 'utf8'));
    await page.click('button[type=submit]');
    await page.waitForSelector('.row');
    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    await page.screenshot({ path: OUT });
    process.stdout.write(`${OUT}\n`);
  } finally {
    await browser.close();
    await server.stop();
  }
}

await main();
