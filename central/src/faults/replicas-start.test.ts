import type { ChildProcess } from 'node:child_process';
import { PG_MIGRATE_LOCK_ID } from 'node-pg-migrate';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CentralConfig } from '../config.ts';
import { startCliProcess } from '../testing/cli-process.ts';
import { watchLogs } from '../testing/process-logs.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import { createTestDatabase, type TestDatabase } from '../../../scripts/harness/postgres.ts';
import { startTcpProxy, throughProxy, type TcpProxy } from '../../../scripts/harness/tcp-proxy.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';

// The test environment gives a broker prefix and a blob folder; each case uses a database of
// its own that nothing has migrated yet.
let env: TestEnvironment;
const databases: TestDatabase[] = [];
const children: ChildProcess[] = [];
let proxy: TcpProxy | undefined;

beforeAll(async () => {
  env = await createTestEnvironment('replicas-start');
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await proxy?.close();
  for (const db of databases) await db.drop();
  await env?.cleanup();
});

async function freshDatabase(label: string): Promise<CentralConfig> {
  const db = await createTestDatabase(label);
  databases.push(db);
  return { ...env.config, databaseUrl: db.url };
}

function start(config: CentralConfig, args: string[]) {
  const proc = startCliProcess(config, args, { env: { PORT: '0', LOG_LEVEL: 'info' } });
  children.push(proc.child);
  return { ...proc, logs: watchLogs(proc.child) };
}

/** Holds node-pg-migrate's migration lock, as a replica applying a long migration does. */
async function holdMigrationLock(url: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: url });
  // The database is dropped at the end even if a case failed while holding it.
  client.on('error', () => undefined);
  await client.connect();
  await client.query('SELECT pg_advisory_lock($1)', [PG_MIGRATE_LOCK_ID]);
  return async () => {
    await client.query('SELECT pg_advisory_unlock($1)', [PG_MIGRATE_LOCK_ID]);
    await client.end();
  };
}

async function appliedMigrations(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ name: string }>('SELECT name FROM pgmigrations ORDER BY id');
    return r.rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

const waiting = (l: Record<string, unknown>) =>
  l.msg === 'another process is applying the database migrations; waiting for it to finish';

describe('replicas starting together', () => {
  it('two migrate processes while another holds the migration lock: both wait, then both exit 0, each migration applied once', async () => {
    const config = await freshDatabase('migrate-together');
    const release = await holdMigrationLock(config.databaseUrl);
    const a = start(config, ['migrate']);
    const b = start(config, ['migrate']);
    await a.logs.waitFor(waiting);
    await b.logs.waitFor(waiting);
    await release();
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    const applied = await appliedMigrations(config.databaseUrl);
    expect(applied.length).toBeGreaterThan(0);
    expect(new Set(applied).size).toBe(applied.length);
  });

  it('two serve processes started together on a fresh database both come up', async () => {
    const config = await freshDatabase('serve-together');
    const release = await holdMigrationLock(config.databaseUrl);
    const replicas = [start(config, ['serve']), start(config, ['serve'])];
    for (const r of replicas) await r.logs.waitFor(waiting);
    await release();
    for (const r of replicas) {
      const listening = await r.logs.waitFor((l) => l.msg === 'central API listening');
      const res = await fetch(`${String(listening.url)}/readyz`);
      expect(res.status).toBe(200);
    }
    for (const r of replicas) {
      r.child.kill('SIGTERM');
      expect(await r.exited).toBe(0);
    }
  });

  it('serve started while its database link is cut waits, says what it waits for, and comes up once the link is back', async () => {
    const config = await freshDatabase('serve-cut');
    proxy = await startTcpProxy(config.databaseUrl);
    proxy.cut();
    const serve = start({ ...config, databaseUrl: throughProxy(config.databaseUrl, proxy.port) }, [
      'serve',
    ]);
    const said = await serve.logs.waitFor(
      (l) => l.dependency === 'postgres' && String(l.msg).startsWith('cannot apply the database'),
    );
    expect(said.msg).toContain('waiting for PostgreSQL and trying again');
    // Still waiting, not exited, after a few more tries.
    await waitFor(
      'a few more tries',
      async () => serve.logs.lines.filter((l) => l.dependency === 'postgres').length >= 3,
      { timeoutMs: 30_000 },
    );
    expect(serve.child.exitCode).toBeNull();
    proxy.restore();
    const listening = await serve.logs.waitFor((l) => l.msg === 'central API listening');
    const res = await fetch(`${String(listening.url)}/readyz`);
    expect(res.status).toBe(200);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });
});
