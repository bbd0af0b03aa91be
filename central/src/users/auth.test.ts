import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import type { AppRouter } from '../server/router.ts';
import { createDashboardClient } from '../testing/dashboard-client.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import { createUser } from './user-store.ts';

let env: TestEnvironment;
let central: RunningCentral;
const ADMIN_PW = 'correct horse battery staple';
const VIEWER_PW = 'viewer password 123';

beforeAll(async () => {
  env = await createTestEnvironment('auth');
  central = await startCentral(env.config, {
    publisher: false,
    scheduler: false,
    uploadSweeper: false,
  });
  await createUser(env.pool, { username: 'alice', password: ADMIN_PW, role: 'admin' });
  await createUser(env.pool, { username: 'victor', password: VIEWER_PW, role: 'viewer' });
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

describe('dashboard auth', () => {
  it('signs in with the right password: an HttpOnly SameSite=Strict cookie, then auth.me', async () => {
    const res = await fetch(`${central.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-zra-csrf': 'login' },
      body: JSON.stringify({ username: 'Alice', password: ADMIN_PW }),
    });
    expect(res.status).toBe(200);
    const setCookie = res.headers.getSetCookie();
    // The session, and the known-device cookie (only ever sent back to auth.login).
    expect(setCookie).toHaveLength(2);
    expect(setCookie[0]).toMatch(/^zra_session=[A-Za-z0-9_-]{43}; /);
    expect(setCookie[0]).toContain('HttpOnly');
    expect(setCookie[0]).toContain('SameSite=Strict');
    expect(setCookie[1]).toMatch(/^zra_device=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; /);
    expect(setCookie[1]).toContain('Path=/trpc/auth.login;');
    const body = (await res.json()) as { result: { data: { user: { role: string } } } };
    expect(body.result.data.user.role).toBe('admin');

    const s = createDashboardClient(central.url);
    await s.login('alice', ADMIN_PW);
    const me = await s.client.auth.me.query();
    expect(me.user).toMatchObject({ username: 'alice', role: 'admin' });
    // Only the hash of the session id is stored.
    const id = s.cookie()?.split('=')[1] ?? '';
    const raw = await env.pool.query('SELECT 1 FROM sessions WHERE id_sha256 = $1', [id]);
    expect(raw.rowCount).toBe(0);
  });

  it('refuses a wrong password and an unknown user with the same message', async () => {
    const s = createDashboardClient(central.url);
    const wrong = await failure(
      s.client.auth.login.mutate({ username: 'alice', password: 'nope' }),
    );
    const unknown = await failure(
      s.client.auth.login.mutate({ username: 'mallory', password: 'nope' }),
    );
    expect(wrong).toEqual({ code: 'UNAUTHORIZED', message: 'wrong username or password' });
    expect(unknown).toEqual(wrong);
    expect(s.cookie()).toBeNull();
    expect((await failure(s.client.auth.me.query())).code).toBe('UNAUTHORIZED');
  });

  it('lets a viewer read but answers FORBIDDEN to admin mutations and admin reads', async () => {
    const s = createDashboardClient(central.url);
    await s.login('victor', VIEWER_PW);
    const fleet = await s.client.dashboard.fleet.query();
    expect(fleet.parks).toEqual([]);
    const denied = await failure(
      s.client.admin.createPark.mutate({ id: 'nope', name: 'Nope', timezone: 'Europe/Rome' }),
    );
    expect(denied.code).toBe('FORBIDDEN');
    expect(denied.message).toContain('admin role');
    expect((await failure(s.client.admin.users.query())).code).toBe('FORBIDDEN');
    expect(
      (await failure(s.client.admin.setUserRole.mutate({ username: 'victor', role: 'admin' })))
        .code,
    ).toBe('FORBIDDEN');
    const parks = await env.pool.query('SELECT 1 FROM parks');
    expect(parks.rowCount).toBe(0);
  });

  it('refuses a mutation whose x-zra-csrf header is missing or wrong, even with the cookie', async () => {
    const s = createDashboardClient(central.url);
    await s.login('alice', ADMIN_PW);
    s.setCsrf(null);
    const missing = await failure(
      s.client.admin.createPark.mutate({ id: 'csrf-a', name: 'A', timezone: 'Europe/Rome' }),
    );
    expect(missing.code).toBe('FORBIDDEN');
    expect(missing.message).toContain('x-zra-csrf');
    s.setCsrf('forged');
    expect(
      (
        await failure(
          s.client.admin.createPark.mutate({ id: 'csrf-b', name: 'B', timezone: 'Europe/Rome' }),
        )
      ).code,
    ).toBe('FORBIDDEN');
    // Login itself needs the header too (a cross-site form cannot add one).
    const anon = createDashboardClient(central.url);
    anon.setCsrf(null);
    expect(
      (await failure(anon.client.auth.login.mutate({ username: 'alice', password: ADMIN_PW })))
        .code,
    ).toBe('FORBIDDEN');
    expect((await env.pool.query('SELECT 1 FROM parks')).rowCount).toBe(0);
  });

  it('refuses a session once it expired', async () => {
    const s = createDashboardClient(central.url);
    await s.login('victor', VIEWER_PW);
    await s.client.auth.me.query();
    // The session's time runs out (as after SESSION_TTL_H).
    await env.pool.query(
      `UPDATE sessions SET expires_at = now() - interval '1 second'
        WHERE user_id = (SELECT id FROM users WHERE username = 'victor')`,
    );
    const expired = await failure(s.client.dashboard.fleet.query());
    expect(expired.code).toBe('UNAUTHORIZED');
    expect(expired.message).toContain('sign in again');
  });

  it('invalidates the session at logout: the old cookie is refused afterwards', async () => {
    const s = createDashboardClient(central.url);
    await s.login('alice', ADMIN_PW);
    const cookie = s.cookie();
    await s.client.auth.logout.mutate();
    expect(s.cookie()).toBeNull();
    // Someone who kept a copy of the cookie gets nothing.
    const res = await fetch(`${central.url}/trpc/auth.me`, { headers: { cookie: cookie ?? '' } });
    expect(res.status).toBe(401);
  });

  it('applies a role change on the next request and keeps the last admin', async () => {
    const admin = createDashboardClient(central.url);
    await admin.login('alice', ADMIN_PW);
    const viewer = createDashboardClient(central.url);
    await viewer.login('victor', VIEWER_PW);
    await admin.client.admin.setUserRole.mutate({ username: 'victor', role: 'admin' });
    expect((await viewer.client.admin.users.query()).users.map((u) => u.username)).toEqual([
      'alice',
      'victor',
    ]);
    await admin.client.admin.setUserRole.mutate({ username: 'victor', role: 'viewer' });
    expect((await failure(viewer.client.admin.users.query())).code).toBe('FORBIDDEN');
    const last = await failure(
      admin.client.admin.setUserRole.mutate({ username: 'alice', role: 'viewer' }),
    );
    expect(last.code).toBe('PRECONDITION_FAILED');
    expect(last.message).toContain('last admin');
  });

  it('creates users from the dashboard, refusing a short password and a taken name', async () => {
    const admin = createDashboardClient(central.url);
    await admin.login('alice', ADMIN_PW);
    const short = await failure(
      admin.client.admin.createUser.mutate({ username: 'bob', password: 'short', role: 'viewer' }),
    );
    expect(short.code).toBe('BAD_REQUEST');
    expect(short.message).toContain('at least 12 characters');
    const bob = await admin.client.admin.createUser.mutate({
      username: 'bob',
      password: 'bob password 1234',
      role: 'viewer',
    });
    expect(bob).toMatchObject({ username: 'bob', role: 'viewer' });
    expect(JSON.stringify(bob)).not.toContain('hash');
    const taken = await failure(
      admin.client.admin.createUser.mutate({
        username: 'bob',
        password: 'another password',
        role: 'viewer',
      }),
    );
    expect(taken.code).toBe('CONFLICT');
    const b = createDashboardClient(central.url);
    await b.login('bob', 'bob password 1234');
    expect((await b.client.auth.me.query()).user.role).toBe('viewer');
  });

  it('changes the own password: old one refused, other sessions ended, this one kept', async () => {
    await createUser(env.pool, { username: 'carol', password: 'carol password 1', role: 'viewer' });
    const here = createDashboardClient(central.url);
    await here.login('carol', 'carol password 1');
    const elsewhere = createDashboardClient(central.url);
    await elsewhere.login('carol', 'carol password 1');
    const wrong = await failure(
      here.client.auth.changePassword.mutate({
        currentPassword: 'not it',
        newPassword: 'carol password 2',
      }),
    );
    expect(wrong).toEqual({ code: 'FORBIDDEN', message: 'the current password is wrong' });
    const short = await failure(
      here.client.auth.changePassword.mutate({
        currentPassword: 'carol password 1',
        newPassword: 'short',
      }),
    );
    expect(short.code).toBe('BAD_REQUEST');
    await here.client.auth.changePassword.mutate({
      currentPassword: 'carol password 1',
      newPassword: 'carol password 2',
    });
    expect((await here.client.auth.me.query()).user.username).toBe('carol');
    expect((await failure(elsewhere.client.auth.me.query())).code).toBe('UNAUTHORIZED');
    const third = createDashboardClient(central.url);
    expect(
      (
        await failure(
          third.client.auth.login.mutate({ username: 'carol', password: 'carol password 1' }),
        )
      ).code,
    ).toBe('UNAUTHORIZED');
    await third.login('carol', 'carol password 2');
  });
});
