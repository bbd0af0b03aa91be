import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { createDashboardClient, type DashboardSession } from '../testing/dashboard-client.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import { createUser } from '../users/user-store.ts';
import type { AppRouter } from './router.ts';

// Issue 21, finding 4: users could not be disabled or deleted, an admin could not reset a
// password or end another user's sessions, and nothing recorded what admins did.

let env: TestEnvironment;
let central: RunningCentral;
let admin: DashboardSession;

const ADMIN_PW = 'correct horse battery staple';

beforeAll(async () => {
  env = await createTestEnvironment('access-admin');
  central = await startCentral(env.config, {
    publisher: false,
    scheduler: false,
    uploadSweeper: false,
  });
  await createUser(env.pool, { username: 'alice', password: ADMIN_PW, role: 'admin' });
  admin = createDashboardClient(central.url);
  await admin.login('alice', ADMIN_PW);
});

afterAll(async () => {
  await central?.close();
  await env?.cleanup();
});

async function failure(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TRPCClientError);
  const e = err as TRPCClientError<AppRouter>;
  return { code: e.data?.code, message: e.message };
}

async function signedIn(username: string, password: string): Promise<DashboardSession> {
  const s = createDashboardClient(central.url);
  await s.login(username, password);
  return s;
}

describe('removing access', () => {
  it('resets a password: every session of the user ends, the old password stops working', async () => {
    await createUser(env.pool, { username: 'bob', password: 'bob first password', role: 'viewer' });
    const laptop = await signedIn('bob', 'bob first password');
    const phone = await signedIn('bob', 'bob first password');
    const done = await admin.client.admin.resetPassword.mutate({
      username: 'bob',
      newPassword: 'a fresh start for bob',
    });
    expect(done).toEqual({ username: 'bob', sessionsEnded: 2 });
    for (const s of [laptop, phone]) {
      expect((await failure(s.client.auth.me.query())).code).toBe('UNAUTHORIZED');
    }
    const old = await failure(
      createDashboardClient(central.url).login('bob', 'bob first password'),
    );
    expect(old.code).toBe('UNAUTHORIZED');
    await signedIn('bob', 'a fresh start for bob');
  });

  it('refuses a weak new password, an unknown user, and a viewer', async () => {
    const weak = await failure(
      admin.client.admin.resetPassword.mutate({ username: 'bob', newPassword: 'Password1234!' }),
    );
    expect(weak.code).toBe('BAD_REQUEST');
    expect(weak.message).toContain('common');
    const mostlyName = await failure(
      admin.client.admin.resetPassword.mutate({ username: 'bob', newPassword: 'bob.bob.2026!' }),
    );
    expect(mostlyName.code).toBe('BAD_REQUEST');
    const unknown = await failure(
      admin.client.admin.resetPassword.mutate({
        username: 'nobody',
        newPassword: 'a fresh start for bob',
      }),
    );
    expect(unknown.code).toBe('NOT_FOUND');
    expect(unknown.message).toContain('there is no user "nobody"');
    await createUser(env.pool, {
      username: 'vera',
      password: 'vera reads reports',
      role: 'viewer',
    });
    const vera = await signedIn('vera', 'vera reads reports');
    for (const call of [
      vera.client.admin.resetPassword.mutate({ username: 'alice', newPassword: 'taken over now!' }),
      vera.client.admin.endSessions.mutate({ username: 'alice' }),
      vera.client.admin.auditLog.query({}),
    ]) {
      expect((await failure(call)).code).toBe('FORBIDDEN');
    }
  });

  it("ends another user's sessions, and only the other ones of the admin's own", async () => {
    await createUser(env.pool, {
      username: 'carl',
      password: 'carl on the night shift',
      role: 'viewer',
    });
    const carl = await signedIn('carl', 'carl on the night shift');
    expect(await admin.client.admin.endSessions.mutate({ username: 'carl' })).toEqual({
      username: 'carl',
      sessionsEnded: 1,
    });
    expect((await failure(carl.client.auth.me.query())).code).toBe('UNAUTHORIZED');
    // Carl may sign in again: ending sessions is not disabling.
    await signedIn('carl', 'carl on the night shift');

    const elsewhere = await signedIn('alice', ADMIN_PW);
    const own = await admin.client.admin.endSessions.mutate({ username: 'alice' });
    expect(own.sessionsEnded).toBeGreaterThanOrEqual(1);
    expect((await failure(elsewhere.client.auth.me.query())).code).toBe('UNAUTHORIZED');
    expect((await admin.client.auth.me.query()).user.username).toBe('alice');
  });

  it('keeps a disabled user out and lets a deleted one go (the dashboard procedures)', async () => {
    await createUser(env.pool, {
      username: 'dora',
      password: 'dora leaves the company',
      role: 'viewer',
    });
    const dora = await signedIn('dora', 'dora leaves the company');
    await admin.client.admin.setUserDisabled.mutate({ username: 'dora', disabled: true });
    expect((await failure(dora.client.auth.me.query())).code).toBe('UNAUTHORIZED');
    expect(
      (await failure(createDashboardClient(central.url).login('dora', 'dora leaves the company')))
        .code,
    ).toBe('UNAUTHORIZED');
    await admin.client.admin.deleteUser.mutate({ username: 'dora' });
    const users = await admin.client.admin.users.query();
    expect(users.users.map((u) => u.username)).not.toContain('dora');
  });

  it('records every admin change with who, what, to what and when, never a password', async () => {
    const before = Date.now();
    await admin.client.admin.createUser.mutate({
      username: 'erin',
      password: 'erin joins the team',
      role: 'viewer',
    });
    await admin.client.admin.resetPassword.mutate({
      username: 'erin',
      newPassword: 'erin forgot it once',
    });
    await admin.client.admin.setUserDisabled.mutate({ username: 'erin', disabled: true });
    // A refused change changes nothing, so it is not an action to record.
    await failure(admin.client.admin.deleteUser.mutate({ username: 'nobody-at-all' }));

    const page = await admin.client.admin.auditLog.query({ limit: 3 });
    expect(page.entries.map((e) => e.action)).toEqual([
      'admin.setUserDisabled',
      'admin.resetPassword',
      'admin.createUser',
    ]);
    for (const entry of page.entries) {
      expect(entry.actor).toBe('alice');
      expect(entry.target).toBe('username erin');
      expect(Date.parse(entry.at)).toBeGreaterThanOrEqual(before - 1000);
    }
    expect(page.entries[2]?.details).toMatchObject({ role: 'viewer', password: '(hidden)' });
    const everything = JSON.stringify(await admin.client.admin.auditLog.query({ limit: 200 }));
    expect(everything).not.toContain('erin joins the team');
    expect(everything).not.toContain('erin forgot it once');
    expect(everything).not.toContain('nobody-at-all');
    // Pages follow one another without gaps.
    const next = await admin.client.admin.auditLog.query({
      limit: 3,
      cursor: page.nextCursor ?? '',
    });
    expect(Number(next.entries[0]?.id)).toBeLessThan(Number(page.entries[2]?.id));
  });
});
