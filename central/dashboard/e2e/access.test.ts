import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../../src/central.ts';
import {
  createDashboardClient,
  type DashboardSession,
} from '../../src/testing/dashboard-client.ts';
import { createTestEnvironment, type TestEnvironment } from '../../src/testing/test-central.ts';
import { recordAudit } from '../../src/users/audit-log.ts';
import { passwordProblem } from '../../src/users/password-policy.ts';
import { createUser } from '../../src/users/user-store.ts';
import { BROWSER_ZONE, startBrowser, type TestBrowser } from '../../../scripts/harness/browser.ts';
import { buildDashboard, screenshotDir } from './build-dashboard.ts';

/**
 * Access management in the dashboard (issue 21, item 4), in a real Chromium against the real
 * central: an admin resets a viewer's password (the policy's refusal beside the field, then a
 * good one), ends another user's sessions, disables a user, and reads what they did in the
 * audit log; a viewer sees none of it. The browser's zone is America/New_York (or
 * ZRA_BROWSER_ZONE), so the log's
 * UTC times prove they are not the browser's. The steps run in order: the audit log step reads
 * what the steps before it did. With ZRA_SCREENSHOTS=docs the screenshots land in
 * docs/screenshots/.
 */
const ADMIN = { username: 'admin', password: 'admin password 1' };
const VERA = { username: 'vera', password: 'vera first password' };
/** Refused by the policy: a common password with a few characters added. */
const WEAK = 'Password1234!';
const GOOD = 'seven blue kites over the harbour';
const WIDE = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };
/** Older entries than the page holds (20), so the log has a second page. */
const FILLER = 25;
const FAILED_400 =
  'console error: Failed to load resource: the server responded with a status of 400 (Bad Request)';
const FAILED_401 =
  'console error: Failed to load resource: the server responded with a status of 401 (Unauthorized)';

let env: TestEnvironment;
let central: RunningCentral;
let browser: TestBrowser;
let distDir: string;
let shotDir: string;

beforeAll(async () => {
  distDir = await buildDashboard();
  shotDir = await screenshotDir('access');
  env = await createTestEnvironment('access_e2e');
  central = await startCentral(env.config, {
    scheduler: false,
    uploadSweeper: false,
    dashboardDir: distDir,
  });
  await createUser(env.pool, { ...ADMIN, role: 'admin' });
  await createUser(env.pool, { ...VERA, role: 'viewer' });
  for (let i = 1; i <= FILLER; i++) {
    await recordAudit(env.pool, {
      actor: 'cli:ops',
      action: 'park create',
      target: `park p${i}`,
      details: { id: `p${i}` },
    });
  }
  browser = await startBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await central?.close();
  await env?.cleanup();
  await rm(distDir, { recursive: true, force: true });
  if (process.env.ZRA_SCREENSHOTS !== 'docs') await rm(shotDir, { recursive: true, force: true });
});

/** Pages of the running test: closed after it, so a page left polling (its session ended
 * by a later step) cannot put a 401 into the next test's problems. */
const open: Page[] = [];

async function newPage(viewport = WIDE): Promise<Page> {
  const page = await browser.newPage({ viewport, timezoneId: BROWSER_ZONE });
  open.push(page);
  return page;
}

afterEach(async () => {
  for (const page of open.splice(0)) await page.context().close();
});

async function signIn(page: Page, who: { username: string; password: string }): Promise<void> {
  if (!(await page.getByRole('button', { name: 'Sign in' }).count())) await page.goto(central.url);
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

async function openAdmin(page: Page): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Admin', exact: true })
    .click();
  await page.locator('tr[data-user="admin"]').waitFor();
}

/** A signed-in API session of `who` (a second browser, as far as central can tell). */
async function sessionOf(who: { username: string; password: string }): Promise<DashboardSession> {
  const s = createDashboardClient(central.url);
  await s.login(who.username, who.password);
  return s;
}

/** The tRPC code a call failed with, or 'ok'. */
async function outcome(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => 'ok',
    (e: unknown) => (e as { data?: { code?: string } }).data?.code ?? String(e),
  );
}

/** Scrolled-out pages may not scroll sideways at 390 px. */
function overflow(page: Page): Promise<number> {
  return page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
}

/** The users card and the reset form below it, as one picture. */
async function shootUsers(page: Page, name: string): Promise<void> {
  const top = await page.getByRole('region', { name: 'Users' }).boundingBox();
  const bottom = await page.getByRole('form', { name: 'Reset a password' }).boundingBox();
  if (!top || !bottom) throw new Error('the users section is not on the page');
  const width = page.viewportSize()?.width ?? WIDE.width;
  const scrollY = await page.evaluate(() => window.scrollY);
  await page.screenshot({
    path: join(shotDir, `dashboard-${name}.png`),
    fullPage: true,
    clip: {
      x: 0,
      y: top.y + scrollY - 8,
      width,
      height: bottom.y + bottom.height - top.y + 16,
    },
  });
}

/** "2 Dec 2026, 14:05 UTC", worked out by the test itself. */
function utcClock(at: Date): string {
  const months = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');
  const two = (n: number) => String(n).padStart(2, '0');
  return `${at.getUTCDate()} ${months[at.getUTCMonth()]} ${at.getUTCFullYear()}, ${two(at.getUTCHours())}:${two(at.getUTCMinutes())} UTC`;
}

describe(`access management in the dashboard (browser zone ${BROWSER_ZONE})`, () => {
  it("resets a viewer's password: the policy's refusal beside the field, then a good one ends her sessions and signs her in", async () => {
    const since = browser.problems().length;
    // Vera is signed in twice: in a browser (on a page that does not refresh by itself) and elsewhere.
    const vera = await newPage();
    await signIn(vera, VERA);
    await vera.getByRole('link', { name: /vera/ }).click();
    await vera.getByRole('heading', { name: 'Account' }).waitFor();
    const veraElsewhere = await sessionOf(VERA);

    const page = await newPage();
    const resetCalls: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('admin.resetPassword')) resetCalls.push(r.url());
    });
    await signIn(page, ADMIN);
    await openAdmin(page);
    const form = page.getByRole('form', { name: 'Reset a password' });
    // One's own password is not reset here (it would end this session): the Account page.
    expect(await form.getByRole('option', { name: /^admin/ }).count()).toBe(0);
    await form.getByLabel('User').selectOption('vera');
    const field = form.getByLabel('New password (12+ characters)');
    await field.fill(WEAK);
    await form.getByLabel('New password again').fill(WEAK);
    await form.getByRole('button', { name: 'Reset password' }).click();

    // The refusal is central's sentence, beside the password field and linked to it.
    const words = passwordProblem(WEAK, 'vera');
    expect(words).toContain('common');
    await form.getByText(words ?? '').waitFor();
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await field.getAttribute('aria-describedby')) ?? '';
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toBe(words);
    expect(await form.getByRole('alert').textContent()).toBe(
      'Please correct the field marked below.',
    );
    // Nothing changed: both of her sessions still work.
    expect(await outcome(veraElsewhere.client.auth.me.query())).toBe('ok');

    await field.fill(GOOD);
    await form.getByLabel('New password again').fill(GOOD);
    await form.getByRole('button', { name: 'Reset password' }).click();
    await expect
      .poll(() => form.getByRole('status').textContent())
      .toBe(
        'Password of vera reset; 2 sessions ended. They sign in with the new password from now on.',
      );
    expect(await field.inputValue()).toBe('');
    // It went in a request of its own (central refuses it inside a batch of several).
    expect(resetCalls.length).toBe(2);
    for (const url of resetCalls) expect(url).not.toContain('batch=');

    // Her other session is refused at its next request, and so is her open page.
    expect(await outcome(veraElsewhere.client.auth.me.query())).toBe('UNAUTHORIZED');
    await vera.getByRole('link', { name: 'Fleet', exact: true }).click();
    await vera.getByText('Your session ended. Sign in again to go on.').waitFor();
    expect(await outcome(sessionOf(VERA))).toBe('UNAUTHORIZED');
    await signIn(vera, { username: 'vera', password: GOOD });
    await vera.getByText('No parks yet.').waitFor();

    // The weak password's refusal and the ended session's refusal are the only failed loads.
    expect(browser.problems().slice(since)).toEqual([FAILED_400, FAILED_401]);
  });

  it("ends another user's sessions only once confirmed, and says how many; an admin's own current session stays", async () => {
    const since = browser.problems().length;
    const otto = { username: 'otto', password: 'otto has a password' };
    await createUser(env.pool, { ...otto, role: 'viewer' });
    const sessions = [await sessionOf(otto), await sessionOf(otto), await sessionOf(otto)];
    const adminElsewhere = await sessionOf(ADMIN);

    const page = await newPage();
    await signIn(page, ADMIN);
    await openAdmin(page);
    const row = page.locator('tr[data-user="otto"]');
    // The first press only asks; Cancel leaves every session alone.
    await row.getByRole('button', { name: 'End sessions' }).click();
    await row.getByText('Sign otto out everywhere?').waitFor();
    await row.getByRole('button', { name: 'Cancel' }).click();
    expect(await outcome(sessions[0]?.client.auth.me.query() ?? Promise.reject())).toBe('ok');

    await row.getByRole('button', { name: 'End sessions' }).click();
    await row.getByRole('button', { name: 'Yes, end them' }).click();
    const users = page.getByRole('region', { name: 'Users' });
    await users.getByText('3 sessions of otto ended: they must sign in again.').waitFor();
    for (const s of sessions) expect(await outcome(s.client.auth.me.query())).toBe('UNAUTHORIZED');

    // The admin's own row: only the other sessions end (this test's API one and the first
    // test's browser), this page goes on working.
    const others = await env.pool.query<{ n: number }>(
      `SELECT count(*)::int - 1 AS n FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE u.username = 'admin'`,
    );
    expect(others.rows[0]?.n).toBe(2);
    const own = page.locator('tr[data-user="admin"]');
    expect(await own.getByRole('button', { name: /Disable|Delete/ }).count()).toBe(0);
    await own.getByRole('button', { name: 'End my other sessions' }).click();
    await own.getByRole('button', { name: 'Yes, end them' }).click();
    await users.getByText('2 other sessions of yours ended; this one goes on.').waitFor();
    expect(await outcome(adminElsewhere.client.auth.me.query())).toBe('UNAUTHORIZED');
    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    expect(browser.problems().slice(since)).toEqual([]);
  });

  it('disables a user once confirmed: signed out at once and refused at sign-in', async () => {
    const since = browser.problems().length;
    const dora = { username: 'dora', password: 'dora leaves the company' };
    await createUser(env.pool, { ...dora, role: 'viewer' });
    const doraSession = await sessionOf(dora);
    const page = await newPage();
    await signIn(page, ADMIN);
    await openAdmin(page);
    const row = page.locator('tr[data-user="dora"]');
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByText('Disable dora? They are signed out at once.').waitFor();
    expect(await outcome(doraSession.client.auth.me.query())).toBe('ok');
    await row.getByRole('button', { name: 'Yes, disable' }).click();
    await page
      .getByRole('region', { name: 'Users' })
      .getByText('dora is disabled: signed out everywhere and cannot sign in.')
      .waitFor();
    await row.getByText('disabled', { exact: true }).waitFor();
    expect(await outcome(doraSession.client.auth.me.query())).toBe('UNAUTHORIZED');
    expect(await outcome(sessionOf(dora))).toBe('UNAUTHORIZED');
    // A disabled user has no sessions to end; Enable needs no confirmation.
    expect(await row.getByRole('button', { name: 'End sessions' }).count()).toBe(0);
    await row.getByRole('button', { name: 'Enable' }).waitFor();

    await shootUsers(page, 'users');
    const phone = await newPage(PHONE);
    await signIn(phone, ADMIN);
    await openAdmin(phone);
    await phone.getByRole('form', { name: 'Reset a password' }).scrollIntoViewIfNeeded();
    expect(await overflow(phone)).toBe(0);
    await phone.locator('tr[data-user="vera"]').getByRole('button', { name: 'Disable' }).click();
    await shootUsers(phone, 'users-390');
    await phone.getByRole('button', { name: 'Cancel' }).click();
    expect(browser.problems().slice(since)).toEqual([]);
  });

  it('lists those actions in the audit log with the admin and UTC times, never a password; paged and filtered', async () => {
    const since = browser.problems().length;
    const page = await newPage();
    await signIn(page, ADMIN);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Admin', exact: true })
      .click();
    await page.getByRole('link', { name: 'Audit log' }).first().click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    const table = page.getByRole('table', { name: 'Audit log' });
    await table.locator('tbody tr').first().waitFor();

    // Newest first: what the steps above did, by the admin, the refused weak password not at all.
    const actions = (await table.locator('tbody tr td:nth-child(3)').allTextContents()).slice(0, 5);
    expect(actions).toEqual([
      'admin.setUserDisabled',
      'admin.endSessions',
      'admin.endSessions',
      'admin.resetPassword',
      'park create',
    ]);
    const reset = table.locator('tbody tr').filter({ hasText: 'admin.resetPassword' });
    expect(await reset.count()).toBe(1);
    const cells = await reset.locator('td').allTextContents();
    const at = await env.pool.query<{ at: Date }>(
      "SELECT at FROM audit_log WHERE action = 'admin.resetPassword'",
    );
    const when = utcClock(at.rows[0]?.at ?? new Date(0));
    expect(cells).toEqual([
      when,
      'admin',
      'admin.resetPassword',
      'username vera',
      'newPassword: (hidden)',
    ]);
    const disabled = table.locator('tbody tr').filter({ hasText: 'admin.setUserDisabled' });
    expect(await disabled.locator('td').allTextContents()).toEqual([
      expect.any(String),
      'admin',
      'admin.setUserDisabled',
      'username dora',
      'disabled: true',
    ]);
    // No password anywhere: not on the page, not in the table behind it.
    const html = await page.content();
    for (const secret of [WEAK, GOOD, VERA.password]) expect(html).not.toContain(secret);
    const stored = await env.pool.query<{ all: string }>(
      'SELECT string_agg(details::text, \' \') AS "all" FROM audit_log',
    );
    for (const secret of [WEAK, GOOD]) expect(stored.rows[0]?.all).not.toContain(secret);
    await page.screenshot({ path: join(shotDir, 'dashboard-audit-log.png'), fullPage: true });

    // Twenty a page: the oldest filler entry is on the second.
    expect(await table.locator('tbody tr').count()).toBe(20);
    await page.getByRole('button', { name: 'Older' }).click();
    await table.getByText('park p1', { exact: true }).waitFor();
    expect(await table.getByText('admin.resetPassword').count()).toBe(0);
    await page.getByText('Page 2').waitFor();
    await page.getByRole('button', { name: 'Newer' }).click();
    await table.getByText('admin.resetPassword').waitFor();

    // Filtered by action (any case) and by who.
    const filter = page.getByRole('search', { name: 'Filter' });
    await filter.getByLabel('Action (part of it)').fill('resetpassword');
    await filter.getByRole('button', { name: 'Show', exact: true }).click();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    expect(await table.locator('tbody tr td:nth-child(2)').textContent()).toBe('admin');
    await filter.getByLabel('Action (part of it)').fill('');
    await filter.getByLabel('Who (part of a name)').fill('cli:');
    await filter.getByRole('button', { name: 'Show', exact: true }).click();
    await expect
      .poll(async () => [
        ...new Set(await table.locator('tbody tr td:nth-child(2)').allTextContents()),
      ])
      .toEqual(['cli:ops']);
    await filter.getByLabel('Who (part of a name)').fill('nobody-like-this');
    await filter.getByRole('button', { name: 'Show', exact: true }).click();
    await page.getByText('No admin action matches this filter.').waitFor();
    await filter.getByRole('button', { name: 'Show all' }).click();
    await table.getByText('admin.resetPassword').waitFor();

    const phone = await newPage(PHONE);
    await signIn(phone, ADMIN);
    await phone.goto(`${central.url}/admin/audit-log`);
    await phone
      .getByRole('table', { name: 'Audit log' })
      .getByText('admin.resetPassword')
      .waitFor();
    expect(await overflow(phone)).toBe(0);
    // The top of the page: twenty entries stacked are too long a picture to read.
    await phone.screenshot({ path: join(shotDir, 'dashboard-audit-log-390.png') });
    expect(browser.problems().slice(since)).toEqual([]);
  });

  it('shows a viewer no admin controls, and central refuses them the calls too', async () => {
    const since = browser.problems().length;
    const page = await newPage();
    await signIn(page, { username: 'vera', password: GOOD });
    expect(
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Admin', exact: true })
        .count(),
    ).toBe(0);
    for (const path of ['/admin', '/admin/audit-log']) {
      await page.goto(`${central.url}${path}`);
      await page.getByText(/^Only an admin can/).waitFor();
      for (const name of [/Reset password/, /End .*sessions/, /Disable/, /Delete/, /Older/]) {
        expect(await page.getByRole('button', { name }).count(), `${path} ${String(name)}`).toBe(0);
      }
      expect(await page.getByRole('table').count()).toBe(0);
    }
    const vera = await sessionOf({ username: 'vera', password: GOOD });
    expect(await outcome(vera.client.admin.auditLog.query({}))).toBe('FORBIDDEN');
    expect(await outcome(vera.client.admin.endSessions.mutate({ username: 'admin' }))).toBe(
      'FORBIDDEN',
    );
    expect(
      await outcome(
        vera.client.admin.resetPassword.mutate({ username: 'admin', newPassword: GOOD }),
      ),
    ).toBe('FORBIDDEN');
    expect(browser.problems().slice(since)).toEqual([]);
  });
});
