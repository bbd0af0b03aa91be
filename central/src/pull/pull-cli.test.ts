import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPark } from '../parks/park-store.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import { startSftpGateway, type SftpGateway } from '../../../scripts/harness/sftp-gateway.ts';
import { unsealCredential } from './credential-seal.ts';

const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
const KEY = randomBytes(32);

let env: TestEnvironment;
let gw: SftpGateway;

beforeAll(async () => {
  env = await createTestEnvironment('pull_cli');
  await createPark(env.pool, { id: 'gardaland', name: 'Gardaland', timezone: 'Europe/Rome' });
  gw = await startSftpGateway({ passwordAuth: true });
});
afterAll(async () => {
  await gw?.stop();
  await env?.cleanup();
});

function cli(args: string[], options: { stdin?: string; key?: Buffer | null } = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const key = options.key === undefined ? KEY : options.key;
    const child = spawn(TSX, [CLI, ...args], {
      env: {
        ...process.env,
        DATABASE_URL: env.config.databaseUrl,
        LOG_LEVEL: 'warn',
        GATEWAY_CREDENTIALS_KEY: key ? key.toString('base64') : '',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

describe('cli pull', () => {
  it('sets a ride up for central pull with a password from stdin (sealed), pins a compared host key, queues pull now and a backfill, and prints the status', async () => {
    const login = gw.password;
    if (!login) throw new Error('the harness gateway has no password login');
    const source = await cli(
      [
        'pull',
        'source',
        ...['--park', 'gardaland', '--ride', 'ride-1'],
        ...['--sftp', `${gw.host}:${gw.port}`, '--user', login.username, '--password-stdin'],
        ...['--dir', 'ride-1', '--cron', '*/15 9-22 * * *', '--after', 'move:done'],
        ...['--host-key', gw.hostKeySha256],
      ],
      { stdin: `${login.password}\n` },
    );
    expect(source).toMatchObject({ code: 0, stderr: '' });
    expect(source.stdout).toContain('gardaland/ride-1 is pulled by central');
    const row = await env.pool.query<{ credential_sealed: Buffer; host_key_pinned: string }>(
      "SELECT credential_sealed, host_key_pinned FROM ride_sources WHERE ride_id = 'ride-1'",
    );
    expect(row.rows[0]?.host_key_pinned).toBe(gw.hostKeySha256);
    // Sealed with the key of this shell; the newline of `echo` is not part of the password.
    expect(
      unsealCredential(
        KEY,
        { park: 'gardaland', ride: 'ride-1' },
        row.rows[0]?.credential_sealed ?? Buffer.alloc(0),
      ),
    ).toEqual({ password: login.password });

    const now = await cli(['pull', 'now', '--park', 'gardaland', '--ride', 'ride-1']);
    expect(now.code).toBe(0);
    const backfill = await cli([
      ...['pull', 'backfill', '--park', 'gardaland', '--ride', 'ride-1'],
      ...['--from', '2026-03-29'],
    ]);
    expect(backfill.code).toBe(0);
    const requests = await env.pool.query<{ id: string; reason: string; since: Date | null }>(
      "SELECT id, reason, since FROM download_requests WHERE ride_id = 'ride-1' ORDER BY reason",
    );
    expect(requests.rows.map((r) => [r.id, r.reason])).toEqual([
      [backfill.stdout.trim(), 'backfill'],
      [now.stdout.trim(), 'now'],
    ]);
    // The park's day: 00:00 in Rome on the spring-forward day is 23:00 UTC the day before.
    expect(requests.rows[0]?.since?.toISOString()).toBe('2026-03-28T23:00:00.000Z');
    const outbox = await env.pool.query(
      "SELECT 1 FROM outbox WHERE queue = 'download' AND message_id = ANY($1)",
      [requests.rows.map((r) => r.id)],
    );
    expect(outbox.rowCount).toBe(2);

    const status = await cli(['pull', 'status', '--park', 'gardaland']);
    expect(status.code).toBe(0);
    const rides = JSON.parse(status.stdout) as { ride: string; mode: string; hostKey: unknown }[];
    expect(rides).toMatchObject([
      { ride: 'ride-1', mode: 'central', hostKey: { state: 'pinned', pinned: gw.hostKeySha256 } },
    ]);
    expect(status.stdout).not.toContain(login.password);
    const audit = await env.pool.query<{ action: string; details: unknown }>(
      "SELECT action, details FROM audit_log WHERE action LIKE 'pull %' ORDER BY id",
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['pull source', 'pull now', 'pull backfill']);
    expect(JSON.stringify(audit.rows)).not.toContain(login.password);
  });

  it('refuses to store a credential without GATEWAY_CREDENTIALS_KEY, saying what to set', async () => {
    const r = await cli(
      [
        'pull',
        'source',
        ...['--park', 'gardaland', '--ride', 'ride-2', '--sftp', '127.0.0.1:22', '--user', 'u'],
        ...['--password-stdin', '--dir', 'd', '--cron', '0 * * * *'],
      ],
      { stdin: 'secret', key: null },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/GATEWAY_CREDENTIALS_KEY .* is not set in this shell/);
    const none = await env.pool.query("SELECT 1 FROM ride_sources WHERE ride_id = 'ride-2'");
    expect(none.rowCount).toBe(0);
  });

  it('answers a ride without gateway settings with what to do', async () => {
    const r = await cli(['pull', 'now', '--park', 'gardaland', '--ride', 'nowhere']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/has no gateway settings at central: set them under Central pull/);
  });
});
