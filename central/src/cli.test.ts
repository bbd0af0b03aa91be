import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashParkToken } from './parks/park-tokens.ts';
import { login } from './users/session-store.ts';
import { createTestEnvironment, type TestEnvironment } from './testing/test-central.ts';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

let env: TestEnvironment;

beforeAll(async () => {
  env = await createTestEnvironment('cli');
});

afterAll(async () => {
  await env?.cleanup();
});

function cli(args: string[], extraEnv: Record<string, string | undefined> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      TSX,
      [CLI, ...args],
      {
        env: {
          ...process.env,
          DATABASE_URL: env.config.databaseUrl,
          LOG_LEVEL: 'warn',
          ...extraEnv,
        },
      },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
    );
  });
}

function cliWithStdin(args: string[], stdin: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(TSX, [CLI, ...args], {
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

describe('cli', () => {
  it('--help prints the usage with every command and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('worker [--drain] [--queue Q]');
    expect(r.stdout).toContain('user add --username NAME');
  });

  it('park create prints one token and stores only its hash', async () => {
    const r = await cli([
      'park',
      'create',
      '--id',
      'cli-park',
      '--name',
      'CLI Park',
      '--timezone',
      'Europe/Rome',
      '--language',
      'it',
    ]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const token = lines[0] as string;
    const rows = await env.pool.query('SELECT park_id, token_sha256 FROM park_tokens');
    expect(rows.rows).toEqual([{ park_id: 'cli-park', token_sha256: hashParkToken(token) }]);
    const raw = await env.pool.query(
      'SELECT count(*)::int AS n FROM park_tokens WHERE token_sha256 = $1',
      [token],
    );
    expect(raw.rows[0].n).toBe(0);
  });

  it('park create takes opening hours, refuses them backwards, and wants both ends', async () => {
    const base = ['park', 'create', '--name', 'Hours', '--timezone', 'Europe/Rome'];
    const ok = await cli([...base, '--id', 'cli-hours', '--open', '10:00', '--close', '18:30']);
    expect(ok.code).toBe(0);
    const stored = await env.pool.query("SELECT opening_hours FROM parks WHERE id = 'cli-hours'");
    expect(stored.rows[0].opening_hours).toEqual({ open: '10:00', close: '18:30' });
    const backwards = await cli([...base, '--id', 'cli-bw', '--open', '18:00', '--close', '10:00']);
    expect(backwards.code).toBe(65);
    expect(backwards.stderr).toContain('close must be after open');
    const half = await cli([...base, '--id', 'cli-half', '--open', '10:00']);
    expect(half.code).toBe(64);
    expect(half.stderr).toContain('both --open and --close');
    const parks = await env.pool.query("SELECT id FROM parks WHERE id IN ('cli-bw', 'cli-half')");
    expect(parks.rows).toEqual([]);
  });

  it('park create refuses a zone this program knows and PostgreSQL does not', async () => {
    // Node's zone data still has this retired name; Debian's (PostgreSQL's) dropped it. The
    // park's drops are counted by local day in PostgreSQL, which would refuse every one.
    const r = await cli([
      'park',
      'create',
      '--id',
      'cli-zone',
      '--name',
      'Zone',
      '--timezone',
      'Canada/East-Saskatchewan',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('PostgreSQL does not know the time zone "Canada/East-Saskatchewan"');
    const parks = await env.pool.query("SELECT id FROM parks WHERE id = 'cli-zone'");
    expect(parks.rows).toEqual([]);
  });

  it('report request prints an id that report status then describes as queued', async () => {
    const req = await cli([
      'report',
      'request',
      '--park',
      'cli-park',
      '--from',
      '2026-06-01T00:00:00Z',
      '--to',
      '2026-06-02T00:00:00Z',
    ]);
    expect(req.code).toBe(0);
    const id = req.stdout.trim();
    const status = await cli(['report', 'status', id]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      id,
      park: 'cli-park',
      state: 'queued',
      language: 'it',
      files: null,
    });
  });

  it('report rule add stores a rule that report rule list then shows', async () => {
    const add = await cli([
      'report',
      'rule',
      'add',
      '--park',
      'cli-park',
      '--cron',
      '0 6 * * 1',
      '--period',
      'week',
    ]);
    expect(add.code).toBe(0);
    const id = add.stdout.trim();
    const list = await cli(['report', 'rule', 'list']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({
        id,
        park: 'cli-park',
        ride: null,
        cron: '0 6 * * 1',
        period: 'week',
        language: 'it',
        enabled: true,
        timezone: 'Europe/Rome',
      }),
    ]);
  });

  it('report rule disable turns a rule off, and names a rule that does not exist', async () => {
    const list = JSON.parse((await cli(['report', 'rule', 'list'])).stdout) as { id: string }[];
    const id = list[0]?.id ?? '';
    const off = await cli(['report', 'rule', 'disable', id]);
    expect(off.code).toBe(0);
    const r = await env.pool.query('SELECT enabled FROM report_rules WHERE id = $1', [id]);
    expect(r.rows).toEqual([{ enabled: false }]);
    const missing = await cli(['report', 'rule', 'enable', '999999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('there is no report rule 999999');
  });

  it('report rule add explains an invalid cron expression with exit code 65', async () => {
    const r = await cli([
      'report',
      'rule',
      'add',
      '--park',
      'cli-park',
      '--cron',
      '61 * * * *',
      '--period',
      'day',
    ]);
    expect(r.code).toBe(65);
    expect(r.stderr).toContain('not a valid cron expression');
  });

  it('names the missing variable and what to set when the environment is incomplete', async () => {
    const r = await cli(['worker', '--drain'], { AMQP_URL: undefined, BLOB_DIR: undefined });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('AMQP_URL is required but not set; set AMQP_URL=amqp://');
    expect(r.stderr).toContain('BLOB_DIR is required');
  });

  it('user add --admin reads the password from stdin and creates an admin who can sign in', async () => {
    const r = await cliWithStdin(
      ['user', 'add', '--username', 'Root', '--admin'],
      'first admin pw 42\n',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^created admin root \(id \d+\)\n$/);
    expect(await login(env.pool, 'root', 'first admin pw 42', 60_000)).not.toBeNull();
    expect(await login(env.pool, 'root', 'first admin pw 42\n', 60_000)).toBeNull();
    const list = await cli(['user', 'list']);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ username: 'root', role: 'admin' }),
    ]);
    // Nobody can be left without an admin, from the CLI either.
    const demote = await cli(['user', 'role', '--username', 'root', '--role', 'viewer']);
    expect(demote.code).toBe(1);
    expect(demote.stderr).toContain('last admin');
  });

  it('user add refuses an empty password and a short one', async () => {
    const empty = await cliWithStdin(['user', 'add', '--username', 'eve', '--role', 'viewer'], '');
    expect(empty.code).toBe(64);
    expect(empty.stderr).toContain('reads the password from stdin');
    const short = await cliWithStdin(
      ['user', 'add', '--username', 'eve', '--role', 'viewer'],
      'short',
    );
    expect(short.code).toBe(65);
    expect(short.stderr).toContain('at least 12 characters');
  });

  it('answers an unknown command with the usage and exit code 64', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('unknown command: frobnicate');
    expect(r.stderr).toContain('usage:');
  });
});
