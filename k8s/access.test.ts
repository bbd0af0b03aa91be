/**
 * Least privilege, from the rendered manifests: Pod Security "restricted" on both namespaces;
 * central's PostgreSQL roles (the init script run against the machine's PostgreSQL in a
 * throwaway database); RabbitMQ users per component (the dev definitions imported into the
 * machine's broker, on a vhost of their own).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../central/src/db/migrate.ts';
import { createLogger } from '../central/src/logger.ts';
import { assertTopology } from '../central/src/queue/amqp-topology.ts';
import { deadLetterQueueName, QUEUES, queueName } from '../central/src/queue/queue-names.ts';
import { createTestDatabase, type TestDatabase } from '../scripts/harness/postgres.ts';
import { containers, podTemplates } from './test-support/pod-specs.ts';
import { idOf, OVERLAYS, render, type K8sObject } from './test-support/render.ts';
import {
  hashMatches,
  QUEUE_PATTERN,
  rabbitmqDefinitions,
  USERS,
  type Definitions,
} from './tools/rabbitmq-definitions.mjs';

const run = promisify(execFile);

const one = (objects: K8sObject[], kind: string, name: string): K8sObject => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name.startsWith(name));
  if (!found) throw new Error(`${kind} ${name} is not rendered`);
  return found;
};

/** A value of a rendered Secret (kustomize folds long base64 over several lines). */
function secretValue(objects: K8sObject[], name: string, key: string): string {
  const secret = one(objects, 'Secret', name);
  const data = (secret.data ?? {}) as Record<string, string>;
  const value = data[key];
  if (value === undefined) throw new Error(`Secret ${name} has no key ${key}`);
  return Buffer.from(value.replace(/\s+/g, ''), 'base64').toString('utf8');
}

/** The Secret (name, key) an env variable of a container reads. */
function envSecret(container: { env?: { name: string; valueFrom?: unknown }[] }, name: string) {
  const env = container.env?.find((e) => e.name === name);
  return (env?.valueFrom as { secretKeyRef?: { name: string; key: string } } | undefined)
    ?.secretKeyRef;
}

/** The Pod Security Standard "restricted" (and the baseline it includes) for one pod template. */
function restrictedViolations(objects: K8sObject[]): string[] {
  const allowedVolumes = new Set([
    'configMap',
    'csi',
    'downwardAPI',
    'emptyDir',
    'ephemeral',
    'persistentVolumeClaim',
    'projected',
    'secret',
  ]);
  const wrong: string[] = [];
  for (const pod of podTemplates(objects)) {
    const at = idOf(pod.owner);
    const spec = pod.spec;
    if (spec.hostNetwork || spec.hostPID || spec.hostIPC) wrong.push(`${at}: host namespaces`);
    for (const v of spec.volumes ?? []) {
      const type = Object.keys(v).find((k) => k !== 'name') ?? '';
      if (!allowedVolumes.has(type)) wrong.push(`${at}: volume ${v.name} of type ${type}`);
    }
    if (spec.securityContext?.sysctls?.length) wrong.push(`${at}: sysctls`);
    for (const { container: c } of containers([pod.owner])) {
      const sc = c.securityContext ?? {};
      const podSc = spec.securityContext ?? {};
      const cat = `${at} ${c.name}`;
      if (sc.privileged) wrong.push(`${cat}: privileged`);
      if (sc.allowPrivilegeEscalation !== false) wrong.push(`${cat}: allowPrivilegeEscalation`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) wrong.push(`${cat}: drop ALL`);
      for (const add of sc.capabilities?.add ?? []) {
        if (add !== 'NET_BIND_SERVICE') wrong.push(`${cat}: adds ${add}`);
      }
      if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) wrong.push(`${cat}: runAsNonRoot`);
      if ((sc.runAsUser ?? podSc.runAsUser) === 0) wrong.push(`${cat}: runAsUser 0`);
      const seccomp = (sc.seccompProfile ?? podSc.seccompProfile)?.type;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') wrong.push(`${cat}: seccomp`);
      if ((c.ports ?? []).some((p: { hostPort?: number }) => p.hostPort))
        wrong.push(`${cat}: hostPort`);
    }
  }
  return wrong;
}

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  let objects: K8sObject[];
  beforeAll(async () => {
    objects = await render(`overlays/${overlay}`);
  });

  it('enforces Pod Security "restricted" on every namespace, and every pod template meets it', () => {
    const namespaces = new Set(objects.map((o) => o.metadata.namespace).filter(Boolean));
    for (const ns of namespaces) {
      const labels = one(objects, 'Namespace', ns as string).metadata.labels ?? {};
      expect(labels['pod-security.kubernetes.io/enforce'], ns).toBe('restricted');
    }
    expect(restrictedViolations(objects)).toEqual([]);
  });

  it('connects central with the least database rights: migrations as the owner, the API and jobs as the application role, the backup read-only', () => {
    const api = one(objects, 'Deployment', 'central-api').spec.template.spec;
    expect(envSecret(api.initContainers[0], 'DATABASE_URL')).toEqual({
      name: 'central-database-owner',
      key: 'url',
    });
    expect(envSecret(api.containers[0], 'DATABASE_URL')).toEqual({
      name: 'central-database',
      key: 'url',
    });
    for (const sj of objects.filter((o) => o.kind === 'ScaledJob')) {
      const worker = sj.spec.jobTargetRef.template.spec.containers[0];
      expect(envSecret(worker, 'DATABASE_URL')?.name, sj.metadata.name).toBe('central-database');
    }
    const backup = one(objects, 'CronJob', 'postgres-backup').spec.jobTemplate.spec.template.spec;
    const dump = backup.initContainers.find((c: { name: string }) => c.name === 'pg-dump');
    expect(dump.env.find((e: { name: string }) => e.name === 'PGUSER').value).toBe('zra_backup');
    const postgres = one(objects, 'StatefulSet', 'postgres').spec.template.spec;
    const exporter = postgres.containers.find((c: { name: string }) => c.name === 'exporter');
    expect(exporter.env.find((e: { name: string }) => e.name === 'DATA_SOURCE_USER').value).toBe(
      'zra_monitor',
    );
    // The init script that creates the roles is mounted where the image runs it, executable.
    const initdb = postgres.volumes.find((v: { name: string }) => v.name === 'initdb');
    expect(initdb.configMap.defaultMode).toBe(0o555);
    expect(
      postgres.containers[0].volumeMounts.find((m: { name: string }) => m.name === 'initdb')
        ?.mountPath,
    ).toBe('/docker-entrypoint-initdb.d');
    if (overlay === 'dev') {
      const user = (secret: string) => new URL(secretValue(objects, secret, 'url')).username;
      expect(user('central-database')).toBe('zra_app');
      expect(user('central-database-owner')).toBe('zra_owner');
    }
  });

  it('gives each component its own broker user, and the broker no default administrator', () => {
    const broker = one(objects, 'StatefulSet', 'rabbitmq').spec.template.spec.containers[0];
    const envNames = (broker.env ?? []).map((e: { name: string }) => e.name);
    expect(envNames).not.toContain('RABBITMQ_DEFAULT_USER');
    const conf = one(objects, 'ConfigMap', 'rabbitmq-config').data['rabbitmq.conf'] as string;
    const path = /^definitions\.local\.path\s*=\s*(\S+)$/m.exec(conf)?.[1] ?? '';
    const mount = broker.volumeMounts.find((m: { name: string }) => m.name === 'definitions');
    expect(path).toBe(`${mount.mountPath}/definitions.json`);
    const api = one(objects, 'Deployment', 'central-api').spec.template.spec.containers[0];
    expect(envSecret(api, 'AMQP_URL')?.name).toBe('central-broker');
    for (const sj of objects.filter((o) => o.kind === 'ScaledJob')) {
      const worker = sj.spec.jobTargetRef.template.spec.containers[0];
      expect(envSecret(worker, 'AMQP_URL')?.name, sj.metadata.name).toBe('central-jobs-broker');
    }
  });

  it('sets an absolute memory watermark well below the broker container limit', () => {
    const conf = one(objects, 'ConfigMap', 'rabbitmq-config').data['rabbitmq.conf'] as string;
    expect(conf).not.toMatch(/vm_memory_high_watermark\.relative/);
    const mib = Number(/^vm_memory_high_watermark\.absolute\s*=\s*(\d+)MiB$/m.exec(conf)?.[1]);
    const limit = one(objects, 'StatefulSet', 'rabbitmq').spec.template.spec.containers[0].resources
      .limits.memory as string;
    const limitMiB =
      Number(/^(\d+)Gi$/.exec(limit)?.[1]) * 1024 || Number(/^(\d+)Mi$/.exec(limit)?.[1]);
    expect(mib).toBeGreaterThan(0);
    expect(mib).toBeLessThanOrEqual(limitMiB * 0.7);
  });
});

describe('the dev broker users', () => {
  let objects: K8sObject[];
  let definitions: Definitions;
  /** The password each component's Secret carries, by user name. */
  let passwords: Map<string, string>;
  beforeAll(async () => {
    objects = await render('overlays/dev');
    definitions = JSON.parse(
      secretValue(objects, 'rabbitmq-definitions', 'definitions.json'),
    ) as Definitions;
    passwords = new Map();
    for (const [secret, key] of [
      ['central-broker', 'url'],
      ['central-jobs-broker', 'url'],
      ['keda-rabbitmq', 'host'],
    ] as const) {
      const url = new URL(secretValue(objects, secret, key));
      passwords.set(decodeURIComponent(url.username), decodeURIComponent(url.password));
    }
  });

  it('accept exactly the passwords the components use, and are what k8s/tools/rabbitmq-definitions.mjs makes', () => {
    expect([...passwords.keys()].sort()).toEqual(['central-api', 'central-jobs', 'keda']);
    for (const [name, password] of passwords) {
      const user = definitions.users.find((u) => u.name === name);
      expect(user && hashMatches(user.password_hash, password), name).toBe(true);
    }
    // Same document as the tool's for these passwords (the salts are the committed ones).
    const key = (name: string) => USERS.find((u) => u.name === name)?.key ?? '';
    const salt = (name: string) =>
      Buffer.from(
        definitions.users.find((u) => u.name === name)?.password_hash ?? '',
        'base64',
      ).subarray(0, 4);
    const regenerated = rabbitmqDefinitions(
      {
        admin: 'dev-only-rabbitmq-admin',
        api: passwords.get('central-api') ?? '',
        jobs: passwords.get('central-jobs') ?? '',
        keda: passwords.get('keda') ?? '',
      },
      Object.fromEntries(USERS.map((u) => [key(u.name), salt(u.name)])),
    );
    expect(definitions).toEqual(regenerated);
  });

  it('cover every queue central declares (a new job queue needs its rights here too)', () => {
    const pattern = new RegExp(QUEUE_PATTERN);
    for (const q of QUEUES) {
      expect(pattern.test(queueName('', q)), q).toBe(true);
      expect(pattern.test(deadLetterQueueName('', q)), `${q}.dlq`).toBe(true);
    }
    expect(pattern.test('someone-else')).toBe(false);
  });

  it('give KEDA monitoring only and administrator rights to the operators user alone', () => {
    const keda = definitions.users.find((u) => u.name === 'keda');
    expect(keda?.tags).toEqual(['monitoring']);
    expect(definitions.permissions.find((p) => p.user === 'keda')).toMatchObject({
      configure: '^$',
      write: '^$',
      read: '^$',
    });
    const admins = definitions.users.filter((u) => u.tags.includes('administrator'));
    expect(admins.map((u) => u.name)).toEqual(['zra-admin']);
    for (const p of definitions.permissions.filter((x) => x.user !== 'zra-admin')) {
      expect([p.configure, p.write, p.read], p.user).not.toContain('.*');
    }
  });

  describe("on the machine's RabbitMQ (the definitions imported on a vhost of their own)", () => {
    const suffix = randomBytes(3).toString('hex');
    const vhost = `zra-access-${suffix}`;
    const renamed = (name: string) => `${name}-${suffix}`;
    let work: string;
    const url = (user: string) =>
      `amqp://${encodeURIComponent(renamed(user))}:${encodeURIComponent(passwords.get(user) ?? '')}@127.0.0.1:5672/${encodeURIComponent(vhost)}`;

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'zra-access-'));
      const local: Definitions = {
        users: definitions.users.map((u) => ({ ...u, name: renamed(u.name) })),
        vhosts: [{ name: vhost }],
        permissions: definitions.permissions.map((p) => ({
          ...p,
          user: renamed(p.user),
          vhost,
        })),
      };
      // The broker (another user) reads the file itself.
      chmodSync(work, 0o755);
      writeFileSync(join(work, 'definitions.json'), JSON.stringify(local), { mode: 0o644 });
      await run('rabbitmqctl', ['import_definitions', join(work, 'definitions.json')]);
      // The import is asynchronous: wait until the vhost answers.
      for (let i = 0; i < 50; i++) {
        const { stdout } = await run('rabbitmqctl', ['list_vhosts', '--silent']);
        if (stdout.split('\n').includes(vhost)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
    });

    afterAll(async () => {
      await run('rabbitmqctl', ['delete_vhost', vhost]).catch(() => undefined);
      for (const u of definitions.users) {
        await run('rabbitmqctl', ['delete_user', renamed(u.name)]).catch(() => undefined);
      }
      rmSync(work, { recursive: true, force: true });
    });

    it('lets central-api declare the queues and publish, central-jobs take the message, and neither touch another queue; KEDA opens no queue', async () => {
      const api = await amqp.connect(url('central-api'));
      const jobs = await amqp.connect(url('central-jobs'));
      const keda = await amqp.connect(url('keda'));
      try {
        const apiChannel = await api.createConfirmChannel();
        await assertTopology(apiChannel, '', 5);
        apiChannel.sendToQueue('postprocess', Buffer.from('{"batchId":"x"}'), { persistent: true });
        await apiChannel.waitForConfirms();
        const jobsChannel = await jobs.createChannel();
        await assertTopology(jobsChannel, '', 5);
        const msg = await jobsChannel.get('postprocess');
        expect(msg && msg.content.toString()).toBe('{"batchId":"x"}');
        if (msg) jobsChannel.ack(msg);
        // The broker closes a channel that oversteps its user's rights with ACCESS_REFUSED.
        const refused = async (
          conn: amqp.ChannelModel,
          op: (ch: amqp.Channel) => Promise<unknown>,
        ) => {
          const ch = await conn.createChannel();
          const closed = new Promise<string>((resolve) =>
            ch.once('error', (e: Error) => resolve(e.message)),
          );
          await op(ch).catch(() => undefined);
          return closed;
        };
        for (const conn of [api, jobs, keda]) {
          expect(
            await refused(conn, (ch) => ch.assertQueue('someone-else', { durable: true })),
          ).toMatch(/ACCESS.REFUSED/);
        }
        expect(await refused(keda, (ch) => ch.get('postprocess'))).toMatch(/ACCESS.REFUSED/);
      } finally {
        for (const conn of [api, jobs, keda]) await conn.close().catch(() => undefined);
      }
    });
  });
});

describe("the database roles script, on the machine's PostgreSQL", () => {
  const suffix = randomBytes(3).toString('hex');
  const role = (r: string) => `zra_${r}_${suffix}`;
  let db: TestDatabase;
  let work: string;
  let script: string;

  /** A connection as one of the roles (local connections are trusted: no password needed). */
  async function as<T>(r: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const u = new URL(db.url);
    u.username = role(r);
    const client = new pg.Client({ connectionString: u.toString() });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }

  const applyRoles = () =>
    run('psql', [
      db.url,
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-v',
      `dbname=${db.name}`,
      ...['owner', 'app', 'backup', 'monitor'].flatMap((r) => [
        '-v',
        `${r}_role=${role(r)}`,
        '-v',
        `${r}_password=pw-${r}-${suffix}`,
      ]),
      '-f',
      script,
    ]);

  beforeAll(async () => {
    db = await createTestDatabase('roles');
    work = mkdtempSync(join(tmpdir(), 'zra-roles-'));
    const initdb = one(await render('overlays/dev'), 'ConfigMap', 'postgres-initdb');
    script = join(work, 'zamperla-roles.psql');
    writeFileSync(script, initdb.data['zamperla-roles.psql']);
    // An install from before the roles: the tables belong to the superuser.
    await runMigrations(db.url, createLogger('silent'));
    await applyRoles();
    // Idempotent: a second run (a changed password) changes nothing else.
    await applyRoles();
  });

  afterAll(async () => {
    await db?.drop();
    const admin = new pg.Client({ connectionString: new URL('/postgres', db.url).toString() });
    await admin.connect();
    for (const r of ['owner', 'app', 'backup', 'monitor']) {
      await admin.query(`DROP ROLE IF EXISTS "${role(r)}"`);
    }
    await admin.end();
    rmSync(work, { recursive: true, force: true });
  });

  it('hands what migrations made to the owner, who can migrate further; nobody else can create tables', async () => {
    const owners = await as('owner', (c) =>
      c.query<{ owner: string }>(
        "SELECT DISTINCT tableowner AS owner FROM pg_tables WHERE schemaname = 'public'",
      ),
    );
    expect(owners.rows).toEqual([{ owner: role('owner') }]);
    await as('owner', (c) => c.query('CREATE TABLE later_migration (id int PRIMARY KEY)'));
    for (const r of ['app', 'backup', 'monitor']) {
      await expect(
        as(r, (c) => c.query('CREATE TABLE nope (id int)')),
        r,
      ).rejects.toThrow(/permission denied|no schema has been selected/);
    }
  });

  it('lets the application role read and write rows, also of tables a later migration adds, and nothing more', async () => {
    await as('app', async (c) => {
      await c.query("INSERT INTO parks (id, name, timezone) VALUES ('p1', 'P', 'UTC')");
      expect((await c.query('SELECT count(*)::int AS n FROM parks')).rows).toEqual([{ n: 1 }]);
      await c.query('INSERT INTO later_migration (id) VALUES (1)');
      await c.query('DELETE FROM later_migration');
      await expect(c.query('ALTER TABLE parks ADD COLUMN x int')).rejects.toThrow(/must be owner/);
      await expect(c.query('DROP TABLE later_migration')).rejects.toThrow(/must be owner/);
      await expect(c.query("COPY (SELECT 1) TO PROGRAM 'true'")).rejects.toThrow(
        /pg_execute_server_program|superuser/,
      );
      const rights = await c.query<{ super: boolean; createdb: boolean }>(
        'SELECT rolsuper AS super, rolcreatedb AS createdb FROM pg_roles WHERE rolname = current_user',
      );
      expect(rights.rows).toEqual([{ super: false, createdb: false }]);
    });
  });

  it('lets the backup role read every table and change none', async () => {
    await as('backup', async (c) => {
      expect((await c.query('SELECT count(*)::int AS n FROM parks')).rows).toEqual([{ n: 1 }]);
      expect((await c.query('SELECT count(*)::int AS n FROM later_migration')).rows).toEqual([
        { n: 0 },
      ]);
      await expect(c.query("DELETE FROM parks WHERE id = 'p1'")).rejects.toThrow(
        /permission denied/,
      );
    });
  });
});
