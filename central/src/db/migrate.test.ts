import pino from 'pino';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../scripts/harness/postgres.ts';
import {
  startTcpProxy,
  targetOfUrl,
  throughProxy,
  type TcpProxy,
} from '../../../scripts/harness/tcp-proxy.ts';
import { runMigrations } from './migrate.ts';

let db: TestDatabase | undefined;
let link: TcpProxy | undefined;

afterEach(async () => {
  await link?.close();
  await db?.drop();
  link = undefined;
  db = undefined;
});

describe('runMigrations', () => {
  // Seen in the chaos campaign: an API pod starting while the link to PostgreSQL dropped exited
  // instead of waiting, because node-pg-migrate rewraps that failure as plain text.
  it('waits out a connection lost while node-pg-migrate checks its own table, then applies every migration', async () => {
    db = await createTestDatabase('migrate_cut');
    let cutDone = false;
    // Cut at node-pg-migrate's first look at its table (the query is dropped with the link).
    const proxy = await startTcpProxy({
      ...targetOfUrl(db.url),
      onData: (direction, chunk) => {
        if (cutDone || direction !== 'to-target') return;
        if (!chunk.includes('information_schema.tables')) return;
        cutDone = true;
        proxy.cut();
        setTimeout(() => proxy.restore(), 300);
      },
    });
    link = proxy;

    const names = await runMigrations(throughProxy(db.url, proxy.port), pino({ level: 'silent' }));

    expect(cutDone).toBe(true);
    expect(proxy.cuts).toBe(1);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const applied = await client.query<{ name: string }>(
        'SELECT name FROM pgmigrations ORDER BY id',
      );
      expect(applied.rows.map((r) => r.name)).toEqual(names);
      expect(names.length).toBeGreaterThan(10);
    } finally {
      await client.end();
    }
  });
});
