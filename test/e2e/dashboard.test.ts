// The dashboard in a real browser (Debian's Chromium through playwright-core) against the real
// `warden serve`: sign in, watch a distiller get flagged from replayed traffic, read its case's
// evidence, suspend and reinstate, trace an uploaded dataset back to the right account, verify the
// audit log, check that a viewer is neither offered nor allowed to suspend, and that a partner token
// is shown only its own pages and end customers. Needs the built
// dashboard (`npm run build:web`; `npm test` builds first). Each test saves a screenshot under
// test-results/dashboard/.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desensitize, type Harvested } from '../../demo/desensitize.js';
import { buildDemoTraffic, type ChatBody } from '../../demo/traffic.js';
import { type RunningServer, runCliJson, startServer } from '../helpers/server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SHOTS = join(ROOT, 'test-results', 'dashboard');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DISTILLER = 'orbit-labs';
const ORDINARY = ['acme-support', 'globex-dev', 'initech-writers'];
const ADDRESSES: Record<string, string> = {
  'acme-support': '198.51.100.11',
  'globex-dev': '198.51.100.12',
  'initech-writers': '198.51.100.13',
  [DISTILLER]: '203.0.113.7',
};

let server: RunningServer;
let db: string;
let dir: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let viewerToken: string;
const keys = new Map<string, string>();
const harvested: Harvested[] = [];

async function admin<T>(method: string, path: string, body?: unknown, token = server.adminToken): Promise<T> {
  const response = await fetch(`${server.url}/admin/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function chat(account: string, body: ChatBody) {
  const response = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${keys.get(account)}`,
      'content-type': 'application/json',
      'x-forwarded-for': ADDRESSES[account],
    },
    body: JSON.stringify(body),
  });
  const data = (await response.json()) as { choices?: { message: { content: string } }[] };
  return { status: response.status, text: data.choices?.[0]?.message.content ?? null };
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

async function signIn(target: Page, token: string, landing = 'Overview'): Promise<void> {
  await target.goto(`${server.url}/dashboard/`);
  await target.getByLabel('Admin token').fill(token);
  await target.getByRole('button', { name: 'Sign in' }).click();
  await target.getByRole('heading', { name: landing, exact: true }).waitFor();
}

async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'web', 'dist', 'index.html')))
    throw new Error('web/dist is missing: run `npm run build:web` first');
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'warden-dashboard-'));
  db = `sqlite:${join(dir, 'warden.db')}`;
  // Clients are told apart by address; the test stands in for a proxy that sets X-Forwarded-For.
  writeFileSync(join(dir, 'warden.yaml'), 'server:\n  trust_proxy: true\n');
  server = await startServer({ db, args: ['--config', join(dir, 'warden.yaml')] });
  viewerToken = runCliJson<{ token: string }>([
    'admin-tokens',
    'create',
    '--role',
    'viewer',
    '--db',
    db,
  ]).token;
  for (const name of [...ORDINARY, DISTILLER]) {
    await admin('POST', '/accounts', { name });
    keys.set(name, (await admin<{ key: string }>('POST', `/accounts/${name}/keys`, {})).key);
  }
  // Replay: ordinary customers chat, code and write; the distiller runs its pipeline alongside.
  const traffic = buildDemoTraffic({ ordinaryPerCustomer: 12, lowVolume: 9, fullVolume: 36 });
  const distiller = [...traffic.lowVolume, ...traffic.fullVolume];
  for (let i = 0; i < Math.max(traffic.ordinary.length, distiller.length); i++) {
    const batch: Promise<unknown>[] = [];
    if (i < traffic.ordinary.length) batch.push(chat(traffic.ordinary[i].account, traffic.ordinary[i].body));
    if (i < distiller.length) {
      const request = distiller[i];
      batch.push(
        chat(DISTILLER, request.body).then((reply) => {
          if (reply.status === 200 && reply.text && request.phase === 'generation')
            harvested.push({ id: `h${i}`, prompt: request.body.messages[0].content, text: reply.text });
        }),
      );
    }
    await Promise.all(batch);
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('dashboard, in Chromium', () => {
  it('signs in with an admin token, which never appears in a URL or a cookie', async () => {
    const urls: string[] = [];
    page.on('request', (request) => urls.push(request.url()));
    await signIn(page, server.adminToken!);
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeTruthy();
    await page.getByText('Latest actions').waitFor();
    await shot('01-overview');
    expect(urls.some((u) => u.includes(server.adminToken!))).toBe(false);
    expect(await context.cookies()).toEqual([]);
    const response = await page.request.get(`${server.url}/dashboard/`);
    const csp = response.headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
  });

  it('announces a status change live, and works from the keyboard', async () => {
    await admin('POST', '/accounts/initech-writers/suspend', { reason: 'e2e: live update' });
    const live = page.getByRole('region', { name: 'Live updates' });
    await live.getByText('initech-writers is now suspended').waitFor({ timeout: 15_000 });
    await shot('01b-live-update');
    await admin('POST', '/accounts/initech-writers/reinstate', { reason: 'e2e: done' });
    await live.getByText('initech-writers is now active').waitFor({ timeout: 15_000 });
    // Keyboard: the skip link comes first, then the navigation; Enter follows a focused link.
    await page.reload();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Accounts');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Accounts' }).waitFor();
  });

  it('shows the distiller flagged after the replayed traffic', async () => {
    await page.getByRole('link', { name: 'Accounts', exact: true }).click();
    const row = page.locator(`tr[data-account="${DISTILLER}"]`);
    await row.waitFor();
    // Detection runs behind the event log: reload until the distiller's verdict arrives.
    await until(
      'the distiller to be flagged',
      async () => {
        await page.reload();
        await row.waitFor();
        const text = await row.innerText();
        return /suspend|review/.test(text) ? text : null;
      },
      60_000,
    );
    await shot('02-accounts-flagged');
    const ordinaryRows = await Promise.all(
      ORDINARY.map((name) => page.locator(`tr[data-account="${name}"]`).innerText()),
    );
    for (const text of ordinaryRows) expect(text).toMatch(/active/);
    for (const text of ordinaryRows) expect(text).not.toMatch(/· (suspend|review)/);
  });

  it("opens the distiller's case and reads its frozen evidence", async () => {
    const account = await until('a case for the distiller', async () => {
      const a = await admin<{ case: { id: string } | null }>('GET', `/accounts/${DISTILLER}`);
      return a.case;
    });
    await page.locator(`tr[data-account="${DISTILLER}"] a`, { hasText: DISTILLER }).click();
    await page.getByRole('heading', { name: 'Signals' }).waitFor();
    await page.getByRole('link', { name: account.id }).first().click();
    await page.getByRole('heading', { name: 'Frozen evidence' }).waitFor();
    await page.getByText('You are generating training data').first().waitFor();
    await shot('03-case-evidence');
    expect(await page.getByRole('heading', { name: /Partner decision/ }).count()).toBe(1);
    expect(await page.getByRole('heading', { name: 'Timeline' }).count()).toBe(1);
  });

  it('suspends an account with a reason and reinstates it with a condition', async () => {
    await page.goto(`${server.url}/dashboard/#/accounts/acme-support`);
    await page.getByRole('heading', { name: /acme-support/ }).waitFor();
    await page.getByRole('button', { name: 'Suspend' }).click();
    await page.getByLabel('Reason for suspension').fill('e2e: checking the suspend flow');
    await page.getByRole('button', { name: 'Confirm suspend' }).click();
    await page.getByRole('button', { name: 'Reinstate' }).waitFor();
    expect(await page.getByRole('heading', { name: /acme-support/ }).innerText()).toContain('suspended');
    const refused = await chat('acme-support', {
      model: 'demo',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(refused.status).toBe(403);
    await shot('04-suspended');
    await page.getByRole('button', { name: 'Reinstate' }).click();
    await page.getByLabel('Condition for reinstatement').fill('e2e: customer confirmed ordinary use');
    await page.getByRole('button', { name: 'Confirm reinstate' }).click();
    await page.getByRole('button', { name: 'Suspend' }).waitFor();
    expect(await page.getByRole('heading', { name: /acme-support/ }).innerText()).toContain('active');
    const served = await until('the reinstatement to reach the gateway', async () => {
      const reply = await chat('acme-support', {
        model: 'demo',
        messages: [{ role: 'user', content: 'hi' }],
      });
      return reply.status === 200 ? reply : null;
    });
    expect(served.status).toBe(200);
  });

  it('traces an uploaded dataset back to the account that received it', async () => {
    const records = desensitize(harvested, {
      human: [
        'My grandmother kept bees behind the orchard and sold the honey at the Sunday market for years.',
      ],
    });
    const file = join(dir, 'suspect.jsonl');
    writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n'));
    await page.getByRole('link', { name: 'Provenance', exact: true }).click();
    await page.getByLabel(/Suspect dataset/).setInputFiles(file);
    await page.getByRole('button', { name: 'Trace' }).click();
    await page.getByRole('heading', { name: /^Trace of suspect\.jsonl/ }).waitFor();
    await page
      .getByRole('heading', { name: 'By account' })
      .waitFor({ timeout: 60_000 })
      .catch(async (e) => {
        await shot('05-trace-failed');
        console.log(await page.locator('main').innerText());
        throw e;
      });
    const table = page.locator('table.trace-accounts');
    await table.waitFor();
    const first = await table.locator('tbody tr').first().innerText();
    expect(first).toContain(DISTILLER);
    await page.getByRole('heading', { name: 'Matched documents' }).waitFor();
    await shot('05-trace');
  }, 90_000);

  it('verifies the audit log and shows an inclusion proof', async () => {
    await page.getByRole('link', { name: 'Audit log', exact: true }).click();
    await page.getByRole('heading', { name: 'Signed tree head' }).waitFor();
    await page.getByRole('button', { name: 'Verify the log' }).click();
    await expect(page.getByRole('status').innerText()).resolves.toContain('Verified: the log is intact.');
    await page.getByRole('button', { name: /^Proof of #0$/ }).click();
    await page.getByRole('heading', { name: 'Inclusion proof of entry #0' }).waitFor();
    await shot('06-audit');
  });

  it('does not offer a viewer the suspend button, and the API refuses a forged suspend', async () => {
    const viewer = await browser.newContext({ viewport: { width: 400, height: 800 } });
    try {
      const viewerPage = await viewer.newPage();
      await signIn(viewerPage, viewerToken);
      await viewerPage.goto(`${server.url}/dashboard/#/accounts/globex-dev`);
      await viewerPage.getByRole('heading', { name: 'Signals' }).waitFor();
      expect(await viewerPage.getByRole('button', { name: 'Suspend' }).count()).toBe(0);
      expect(await viewerPage.getByRole('button', { name: 'Terminate' }).count()).toBe(0);
      await viewerPage.screenshot({ path: join(SHOTS, '07-viewer-narrow.png') });
      // A forged request from the page, with the viewer's own token, straight at the suspend route.
      const forged = await viewerPage.evaluate(async (token) => {
        const response = await fetch('/admin/v1/accounts/globex-dev/suspend', {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ reason: 'forged by a viewer' }),
        });
        return { status: response.status, body: await response.json() };
      }, viewerToken);
      expect(forged.status).toBe(403);
      expect(forged.body.error.code).toBe('ADMIN_FORBIDDEN');
      const account = await admin<{ status: string }>('GET', '/accounts/globex-dev');
      expect(account.status).toBe('active');
    } finally {
      await viewer.close();
    }
  });

  it('shows a partner token only its own pages and end customers, and says plainly what it may not open', async () => {
    await admin('POST', '/partners', { name: 'cloudco' });
    await admin('POST', '/partners', { name: 'otherco' });
    for (const external of ['acme', 'globex'])
      await admin('POST', '/accounts', {
        name: `cloudco:${external}`,
        partner: 'cloudco',
        external_id: external,
      });
    await admin('POST', '/accounts', {
      name: 'otherco:umbrella',
      partner: 'otherco',
      external_id: 'umbrella',
    });
    const partnerToken = runCliJson<{ token: string }>([
      'admin-tokens',
      'create',
      '--role',
      'partner',
      '--partner',
      'cloudco',
      '--db',
      db,
    ]).token;
    const partner = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const partnerPage = await partner.newPage();
      // Every admin API answer the page gets: a partner's dashboard must never be refused by the API.
      const refused: string[] = [];
      partnerPage.on('response', (response) => {
        if (response.url().includes('/admin/v1/') && response.status() === 403) refused.push(response.url());
      });
      await signIn(partnerPage, partnerToken, 'Accounts');
      const nav = partnerPage.getByRole('navigation', { name: 'Main' });
      expect(await nav.getByRole('link').allInnerTexts()).toEqual(['Accounts', 'Cases', 'Webhooks']);
      const rows = partnerPage.locator('tr[data-account]');
      await rows.first().waitFor();
      const listed = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-account')));
      expect(listed.sort()).toEqual(['cloudco:acme', 'cloudco:globex']);
      await partnerPage.screenshot({ path: join(SHOTS, '08-partner-accounts.png') });

      for (const [key, label] of [
        ['audit', 'Audit log'],
        ['provenance', 'Provenance'],
        ['partners', 'Partners'],
        ['overview', 'Overview'],
      ]) {
        await partnerPage.goto(`${server.url}/dashboard/#/${key}`);
        await partnerPage.getByText(`The ${label} page is not available to partner tokens.`).waitFor();
        const main = (await partnerPage.locator('main').textContent()) ?? '';
        expect(main).not.toMatch(/ADMIN_FORBIDDEN|403|forbidden|error/i);
        expect(await partnerPage.getByRole('alert').count()).toBe(0);
        expect(await nav.getByRole('link', { name: label, exact: true }).count()).toBe(0);
      }
      await partnerPage.screenshot({ path: join(SHOTS, '09-partner-not-available.png') });

      // Its own account and its webhooks open without a refused request.
      await partnerPage.goto(`${server.url}/dashboard/#/accounts/${encodeURIComponent('cloudco:acme')}`);
      await partnerPage.getByRole('heading', { name: 'Usage per day' }).waitFor();
      await nav.getByRole('link', { name: 'Webhooks', exact: true }).click();
      await partnerPage.getByRole('heading', { name: 'Webhooks', exact: true }).waitFor();
      await partnerPage.getByText('No webhook deliveries yet.').waitFor();
      expect(await partnerPage.getByRole('alert').count()).toBe(0);
      expect(refused).toEqual([]);
    } finally {
      await partner.close();
    }
  });
});
