import { spawn } from 'node:child_process';
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnvironment, type TestEnvironment } from './testing/test-central.ts';
import { login } from './users/session-store.ts';
import { createUser } from './users/user-store.ts';

// The operator's side of finding 4 of issue 21: taking access away from the command line,
// and the audit log of what was done (who: `cli:<os user>`).

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));

let env: TestEnvironment;

beforeAll(async () => {
  env = await createTestEnvironment('cli-access');
  await createUser(env.pool, { username: 'root', password: 'root of all admins', role: 'admin' });
  await createUser(env.pool, {
    username: 'fred',
    password: 'fred on the early shift',
    role: 'viewer',
  });
});

afterAll(async () => {
  await env?.cleanup();
});

function cli(args: string[], stdin = '') {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env: { ...process.env, DATABASE_URL: env.config.databaseUrl, LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const HOUR = 3_600_000;

describe('cli: removing access', () => {
  it('resets a password from stdin, ending the sessions, and refuses a weak one', async () => {
    const before = await login(env.pool, 'fred', 'fred on the early shift', HOUR);
    expect(before).not.toBeNull();
    const weak = await cli(['user', 'reset-password', '--username', 'fred'], 'password12345\n');
    expect(weak.code).toBe(65);
    expect(weak.stderr).toContain('common');
    const r = await cli(
      ['user', 'reset-password', '--username', 'fred'],
      'fred starts over again\n',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('fred: password set, 1 session(s) ended\n');
    const sessions = await env.pool.query('SELECT 1 FROM sessions');
    expect(sessions.rowCount).toBe(0);
    expect(await login(env.pool, 'fred', 'fred on the early shift', HOUR)).toBeNull();
    expect(await login(env.pool, 'fred', 'fred starts over again', HOUR)).not.toBeNull();
  });

  it('ends the sessions, disables, enables and deletes a user; an unknown name says so', async () => {
    const ended = await cli(['user', 'end-sessions', '--username', 'fred']);
    expect(ended.stdout).toBe('fred: 1 session(s) ended\n');
    const disabled = await cli(['user', 'disable', '--username', 'fred']);
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toBe('fred is disabled and signed out everywhere\n');
    expect(await login(env.pool, 'fred', 'fred starts over again', HOUR)).toBeNull();
    expect((await cli(['user', 'enable', '--username', 'fred'])).code).toBe(0);
    expect(await login(env.pool, 'fred', 'fred starts over again', HOUR)).not.toBeNull();
    const deleted = await cli(['user', 'delete', '--username', 'fred']);
    expect(deleted.stdout).toBe('fred is deleted\n');
    expect((await env.pool.query("SELECT 1 FROM users WHERE username = 'fred'")).rowCount).toBe(0);
    const unknown = await cli(['user', 'end-sessions', '--username', 'fred']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('there is no user "fred"');
    // The last admin stays, from the command line too.
    const last = await cli(['user', 'disable', '--username', 'root']);
    expect(last.code).toBe(1);
    expect(last.stderr).toContain('last admin');
  });

  it('lists what was done, newest first, with the operating-system user as the actor', async () => {
    const r = await cli(['audit', 'list', '--limit', '6']);
    expect(r.code).toBe(0);
    const entries = JSON.parse(r.stdout) as { actor: string; action: string; target: string }[];
    expect(entries.map((e) => e.action)).toEqual([
      'user delete',
      'user enable',
      'user disable',
      'user end-sessions',
      'user reset-password',
    ]);
    for (const e of entries) {
      expect(e.actor).toBe(`cli:${userInfo().username}`);
      expect(e.target).toBe('username fred');
    }
    expect(r.stdout).not.toContain('fred starts over again');
  });
});
