import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { startServer } from './server.js';

/**
 * `npm run screenshot`: the pictures of the web page in docs/web.md, from the real page in headless Chromium, one
 * per state: empty, an example loaded, the plan beside the greedy, a capacity answer, and an error. Writes
 * docs/page-<state>.png.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCS = join(ROOT, 'docs');

async function shoot(page: Page, state: string): Promise<void> {
  const path = join(DOCS, `page-${state}.png`);
  await page.screenshot({ path });
  process.stdout.write(`${path}\n`);
}

/** Loads the example of that label and waits until the page shows it. */
async function example(page: Page, label: string): Promise<void> {
  await page.selectOption('[data-field=example]', { label });
  await page.waitForFunction(
    "document.querySelector('#body').value !== '' || document.querySelector('.files')?.textContent",
  );
}

async function main(): Promise<void> {
  const server = await startServer({ SOLVER_THREADS: '2' });
  const browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  try {
    mkdirSync(DOCS, { recursive: true });
    const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    await page.goto(`${server.url}/`);
    await page.waitForSelector('[data-field=example]');
    await shoot(page, 'empty');
    await example(page, 'plan: a small snapshot');
    await shoot(page, 'example');
    await page.click('button[type=submit]');
    await page.waitForSelector('.row');
    await shoot(page, 'plan');
    await example(page, 'capacity: what still fits');
    await page.click('button[type=submit]');
    await page.waitForSelector('table.capacity');
    await shoot(page, 'capacity');
    await page.fill('#body', '{"nodes": [{"name": "a", "capacity": {"cpu": "lots"}}], "containers": []}');
    await page.selectOption('select:near(:text("Route"))', 'plan');
    await page.click('button[type=submit]');
    await page.waitForSelector('.error');
    await shoot(page, 'error');
  } finally {
    await browser.close();
    await server.stop();
  }
}

await main();
