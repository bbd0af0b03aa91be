/**
 * The backup, the off-site copy and the restore drill, as the rendered CronJobs run them: the
 * scripts come from the rendered ConfigMap postgres-backup-scripts and run here against the
 * machine's PostgreSQL (a throwaway database with central's schema and rows) and rclone.
 */
import { execFile } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../central/src/db/migrate.ts';
import { createLogger } from '../central/src/logger.ts';
import { createTestDatabase, type TestDatabase } from '../scripts/harness/postgres.ts';
import { OVERLAYS, render, type K8sObject } from './test-support/render.ts';

const run = promisify(execFile);

let objects: K8sObject[];
let db: TestDatabase;
let work: string;
let scripts: string;

/** Runs one of the rendered scripts with libpq pointing at the throwaway database. */
function script(name: string, env: Record<string, string>) {
  const u = new URL(db.url);
  return run(
    name.endsWith('.sh') && name !== 'offsite-copy.sh' ? 'bash' : 'sh',
    [join(scripts, name)],
    {
      env: {
        PATH: process.env.PATH ?? '',
        PGHOST: u.hostname,
        PGPORT: u.port || '5432',
        PGUSER: decodeURIComponent(u.username),
        PGDATABASE: db.name,
        ...env,
      },
    },
  );
}

const dumps = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.startsWith('zra-'))
    .sort();

beforeAll(async () => {
  objects = await render('overlays/dev');
  work = mkdtempSync(join(tmpdir(), 'zra-backups-'));
  scripts = join(work, 'scripts');
  mkdirSync(scripts);
  const configMap = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('postgres-backup-scripts'),
  );
  for (const [file, text] of Object.entries((configMap?.data ?? {}) as Record<string, string>)) {
    writeFileSync(join(scripts, file), text);
  }
  db = await createTestDatabase('backups');
  await runMigrations(db.url, createLogger('silent'));
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  for (let i = 0; i < 25; i++) {
    await client.query('INSERT INTO parks (id, name, timezone) VALUES ($1, $1, $2)', [
      `park-${i}`,
      'Europe/Rome',
    ]);
  }
  await client.end();
});

afterAll(async () => {
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  it('backs up nightly onto the claim, copies off the cluster, and drills a restore weekly, each as the scripts the tests run', async () => {
    const all = await render(`overlays/${overlay}`);
    const cronJob = (name: string) => {
      const found = all.find((o) => o.kind === 'CronJob' && o.metadata.name === name);
      if (!found) throw new Error(`CronJob ${name} is not rendered`);
      return found.spec.jobTemplate.spec.template.spec;
    };
    const backup = cronJob('postgres-backup');
    expect(backup.initContainers.map((c: { command: string[] }) => c.command)).toEqual([
      ['bash', '/scripts/backup.sh'],
    ]);
    expect(backup.containers.map((c: { command: string[] }) => c.command)).toEqual([
      ['sh', '/scripts/offsite-copy.sh'],
    ]);
    const offsite = backup.containers[0].env.find(
      (e: { name: string }) => e.name === 'OFFSITE_REQUIRED',
    ).value;
    // Production cannot skip the off-site copy; a laptop has nowhere to copy to.
    expect(offsite).toBe(overlay === 'prod' ? 'true' : 'false');
    const drill = cronJob('postgres-restore-drill');
    expect(drill.containers[0].command).toEqual(['bash', '/scripts/restore-drill.sh']);
    for (const spec of [backup, drill]) {
      const claims = spec.volumes
        .filter((v: { persistentVolumeClaim?: unknown }) => v.persistentVolumeClaim)
        .map(
          (v: { persistentVolumeClaim: { claimName: string } }) =>
            v.persistentVolumeClaim.claimName,
        );
      expect(claims).toEqual(['postgres-backups']);
    }
  });
});

describe("backup.sh and restore-drill.sh against the machine's PostgreSQL", () => {
  let dir: string;
  beforeAll(() => {
    dir = join(work, 'backups');
    mkdirSync(dir);
  });

  it('dumps with the rows per table of the same snapshot', async () => {
    const { stdout } = await script('backup.sh', { BACKUP_DIR: dir, KEEP_DAYS: '14' });
    expect(stdout).toMatch(/^backup written: zra-\d{8}T\d{6}Z\.dump/m);
    const files = dumps(dir);
    expect(files).toHaveLength(2);
    const counts = readFileSync(join(dir, files.find((f) => f.endsWith('.counts')) ?? ''), 'utf8');
    expect(counts).toContain('parks|25\n');
    expect(counts).toMatch(/^pgmigrations\|\d+$/m);
  });

  it('the drill restores the newest dump into a scratch database, finds every count as taken, and drops it', async () => {
    const { stdout } = await script('restore-drill.sh', { BACKUP_DIR: dir, MAX_AGE_H: '30' });
    expect(stdout).toMatch(
      /restore drill passed: zra-\S+\.dump \(0 h old\) restored into a scratch database; \d+ tables, \d+ rows/,
    );
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const left = await client.query(
      "SELECT datname FROM pg_database WHERE datname LIKE 'zra_restore_drill_%'",
    );
    await client.end();
    expect(left.rows).toEqual([]);
  });

  it("the drill fails, saying which table, when a restored count differs from the dump's", async () => {
    const countsFile = join(dir, dumps(dir).find((f) => f.endsWith('.counts')) ?? '');
    const original = readFileSync(countsFile, 'utf8');
    writeFileSync(countsFile, original.replace('parks|25', 'parks|26'));
    try {
      const failed = await script('restore-drill.sh', { BACKUP_DIR: dir }).then(
        () => null,
        (err: { code: number; stderr: string }) => err,
      );
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toContain('differ from the counts taken with it');
      expect(failed?.stderr).toContain('< parks|26');
      expect(failed?.stderr).toContain('> parks|25');
    } finally {
      writeFileSync(countsFile, original);
    }
  });

  it('the drill fails when the newest dump is damaged or too old', async () => {
    const damaged = join(work, 'damaged');
    mkdirSync(damaged);
    for (const f of dumps(dir)) writeFileSync(join(damaged, f), readFileSync(join(dir, f)));
    const dump = join(damaged, dumps(damaged).find((f) => f.endsWith('.dump')) ?? '');
    truncateSync(dump, 2000);
    const broken = await script('restore-drill.sh', { BACKUP_DIR: damaged }).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(broken?.code).toBe(1);
    expect(broken?.stderr).toContain('the dump is unusable');

    const old = new Date(Date.now() - 40 * 3_600_000);
    for (const f of dumps(damaged)) utimesSync(join(damaged, f), old, old);
    const stale = await script('restore-drill.sh', { BACKUP_DIR: damaged, MAX_AGE_H: '30' }).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(stale?.stderr).toMatch(
      /is 40 h old \(more than 30 h\): the nightly backup is not running/,
    );
  });

  it('offsite-copy.sh copies the dumps to the rclone remote the environment names, never overwriting one', async () => {
    const remote = join(work, 'remote');
    mkdirSync(remote);
    const env = {
      BACKUP_DIR: dir,
      OFFSITE_REMOTE: `offsite:${remote}`,
      RCLONE_CONFIG_OFFSITE_TYPE: 'local',
      XDG_CONFIG_HOME: work,
      XDG_CACHE_HOME: work,
    };
    const { stdout } = await script('offsite-copy.sh', env);
    expect(stdout).toContain('off-site copy done');
    expect(dumps(remote)).toEqual(dumps(dir));
    // A dump already off-site is immutable: a changed local copy is refused, not copied over.
    const dump = dumps(dir).find((f) => f.endsWith('.dump')) ?? '';
    const before = readFileSync(join(remote, dump));
    writeFileSync(
      join(dir, dump),
      Buffer.concat([readFileSync(join(dir, dump)), Buffer.from('x')]),
    );
    await script('offsite-copy.sh', env).catch(() => undefined);
    expect(readFileSync(join(remote, dump))).toEqual(before);
  });

  it('offsite-copy.sh fails with what to do when production has no remote, and skips on a laptop', async () => {
    const failed = await script('offsite-copy.sh', { BACKUP_DIR: dir }).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('create the Secret postgres-backup-offsite');
    const { stdout } = await script('offsite-copy.sh', {
      BACKUP_DIR: dir,
      OFFSITE_REQUIRED: 'false',
    });
    expect(stdout).toContain('off-site copy skipped');
  });
});
