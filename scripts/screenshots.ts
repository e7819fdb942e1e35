// Regenerates the dashboard screenshots in docs/img/ (1280x800 PNGs) from a fresh `warden demo` run:
// `npm run build:web && npx tsx scripts/screenshots.ts [outDir]`. Uses Debian's Chromium.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { demo } from '../src/cli/commands/demo.js';

const OUT = process.argv[2] ?? fileURLToPath(new URL('../docs/img', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function shot(page: Page, name: string): Promise<void> {
  // Let charts draw and polling settle.
  await page.waitForTimeout(600);
  await page.screenshot({ path: join(OUT, `${name}.png`), type: 'png' });
  process.stdout.write(`wrote ${join(OUT, `${name}.png`)}\n`);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const running = await demo({ say: (line) => process.stderr.write(`${line}\n`) });
  const { url, adminToken } = running.result;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${url}/dashboard/`);
    await page.getByLabel('Admin token').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByText('orbit-labs').first().waitFor();
    await shot(page, 'overview');

    await page.getByRole('link', { name: 'Accounts', exact: true }).click();
    await page.locator('tr[data-account="orbit-labs"]').waitFor();
    await shot(page, 'accounts');

    await page.locator('tr[data-account="orbit-labs"] a').first().click();
    await page.getByRole('heading', { name: 'Signals' }).waitFor();
    await shot(page, 'account');

    const caseLink = page.getByRole('link', { name: /^case_/ }).first();
    if (await caseLink.count()) {
      await caseLink.click();
      await page.getByRole('heading', { name: 'Frozen evidence' }).waitFor();
      await shot(page, 'case');
    }

    await page.getByRole('link', { name: 'Provenance', exact: true }).click();
    const trace = page.locator('a[href^="#/provenance/trace_"]').first();
    await trace.waitFor();
    await trace.click();
    await page.getByRole('heading', { name: /^Trace of/ }).waitFor();
    await page.getByText('By account').waitFor();
    await shot(page, 'provenance');

    await page.getByRole('link', { name: 'Partners', exact: true }).click();
    await page.getByRole('heading', { name: /cloudnine/ }).waitFor();
    await shot(page, 'partners');

    await page.getByRole('link', { name: 'Audit log', exact: true }).click();
    await page.getByRole('button', { name: 'Verify the log' }).click();
    await page.getByRole('status').waitFor();
    await shot(page, 'audit');

    await page.setViewportSize({ width: 400, height: 800 });
    await page.getByRole('link', { name: 'Accounts', exact: true }).click();
    await page.locator('tr[data-account="orbit-labs"]').waitFor();
    await shot(page, 'accounts-narrow');
  } finally {
    await browser.close();
    await running.close();
  }
}

await main();
