/**
 * The real images, built here (scripts/images/build-images.mjs), run as Kubernetes would run
 * them: everything a container is given comes from the rendered dev overlay (image, args,
 * user and group, read-only root, dropped capabilities, env from the ConfigMap and Secrets,
 * the volumes it mounts, its ports and probe paths), so the test fails when the manifests and
 * the images disagree. The cluster's services are this machine's: PostgreSQL (a throwaway
 * database with central's least-privilege roles) and RabbitMQ (a vhost of its own with the
 * components' users from the dev definitions), reached from each container's own network
 * namespace at 10.0.2.2. The blob-store claim is a host folder owned by the pods' fsGroup.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import AdmZip from 'adm-zip';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cyclesFileSchema, generateDrops, verifyDrop, type GeneratedDrop } from '@zra/shared';
import { createParkClient, sendChunk } from '@zra/central/testing';
import { createAgent, parseAgentConfig } from '@zra/desktop';
import { buildImages } from '../../scripts/images/build-images.mjs';
import { podman } from '../../scripts/images/podman.mjs';
import { createTestDatabase, type TestDatabase } from '../../scripts/harness/postgres.ts';
import { startSftpGateway, type SftpGateway } from '../../scripts/harness/sftp-gateway.ts';
import { startTcpProxy, type TcpProxy } from '../../scripts/harness/tcp-proxy.ts';
import { waitFor } from '../../scripts/harness/wait-for.ts';
import { podTemplates, type PodTemplate } from '../test-support/pod-specs.ts';
import { render, type K8sObject } from '../test-support/render.ts';
import type { Definitions } from '../tools/rabbitmq-definitions.mjs';
import {
  logsOf,
  probeUrl,
  removeContainers,
  runToEnd,
  startContainer,
  type ContainerSpec,
  type PodEnvironment,
  type RunningContainer,
} from './pod-runner.ts';

const run = promisify(execFile);
const PARK = 'cortina-ct';
const RIDE = 'bobsleigh';
/** How a container reaches the host's loopback through slirp4netns. */
const HOST = '10.0.2.2';
const suffix = randomBytes(3).toString('hex');
const names: string[] = [];
const containerName = (what: string) => {
  const name = `zra-ct-${suffix}-${what}`;
  names.push(name);
  return name;
};

let objects: K8sObject[];
let apiPod: PodTemplate;
let postprocessPod: PodTemplate;
let reportPod: PodTemplate;
let env: PodEnvironment;
let db: TestDatabase;
let pool: pg.Pool;
let work: string;
let gateway: SftpGateway;
let drops: GeneratedDrop[];
let vhost: string;
let brokerUsers: string[] = [];
const roles: string[] = [];
let api: RunningContainer;
let token: string;
let reportId: string;

const podOf = (kind: string, name: string): PodTemplate => {
  const owner = objects.find((o) => o.kind === kind && o.metadata.name === name);
  const pod = owner && podTemplates([owner])[0];
  if (!pod) throw new Error(`${kind} ${name} is not rendered`);
  return pod;
};
const containerOf = (pod: PodTemplate, init = false): ContainerSpec =>
  (init ? pod.spec.initContainers : pod.spec.containers)[0] as ContainerSpec;
const secretValue = (name: string, key: string): string => {
  const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === name);
  const value = (secret?.data as Record<string, string> | undefined)?.[key];
  if (value === undefined) throw new Error(`Secret ${name} has no key ${key}`);
  return Buffer.from(value.replace(/\s+/g, ''), 'base64').toString('utf8');
};

/** Runs central's CLI inside a running container, as the operator does with kubectl exec. */
async function cli(container: RunningContainer, args: string[]): Promise<string> {
  const r = await podman([
    'exec',
    container.name,
    'node',
    '--import',
    'tsx',
    'central/src/cli.ts',
    ...args,
  ]);
  if (r.code !== 0) throw new Error(`cli ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout.trim();
}

async function startApi(what: string): Promise<RunningContainer> {
  const main = containerOf(apiPod);
  const started = await startContainer(containerName(what), apiPod, main, env);
  // The kubelet's order: the startup probe, then readiness.
  for (const probe of [main.startupProbe, main.readinessProbe]) {
    await waitFor(
      `${started.name} ${probe?.httpGet?.path}`,
      async () => (await fetch(probeUrl(started, probe)).catch(() => null))?.status === 200,
      { timeoutMs: 90_000, intervalMs: 500 },
    ).catch(async (err: unknown) => {
      throw new Error(`${String(err)}\n${await logsOf(started.name)}`);
    });
  }
  return started;
}

const apiUrl = (c: RunningContainer) => `http://127.0.0.1:${c.hostPorts.get('http')}`;

async function batchStates(): Promise<string[]> {
  const r = await pool.query<{ state: string }>('SELECT state FROM batches ORDER BY id');
  return r.rows.map((row) => row.state);
}

/** Cycles in the generated zips, counted from the zips themselves. */
function cyclesInZips(): number {
  return drops.reduce((n, d) => {
    const entry = new AdmZip(d.zip).getEntry('cycles.json');
    return n + cyclesFileSchema.parse(JSON.parse(entry?.getData().toString('utf8') ?? '[]')).length;
  }, 0);
}

beforeAll(async () => {
  await buildImages({ log: () => undefined });
  objects = await render('overlays/dev');
  apiPod = podOf('Deployment', 'central-api');
  postprocessPod = podOf('ScaledJob', 'central-postprocess');
  reportPod = podOf('ScaledJob', 'central-report');
  work = mkdtempSync(join(tmpdir(), 'zra-containers-'));

  // PostgreSQL: a throwaway database, with the roles the image-side init script creates.
  db = await createTestDatabase('containers');
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => undefined);
  const roleName = (r: string) => `zra_${r}_ct_${suffix}`;
  const initdb = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('postgres-initdb'),
  );
  writeFileSync(join(work, 'roles.psql'), initdb?.data['zamperla-roles.psql'] ?? '');
  await run('psql', [
    db.url,
    '-X',
    '-q',
    '-v',
    'ON_ERROR_STOP=1',
    '-v',
    `dbname=${db.name}`,
    ...['owner', 'app', 'backup', 'monitor'].flatMap((r) => {
      roles.push(roleName(r));
      return ['-v', `${r}_role=${roleName(r)}`, '-v', `${r}_password=ct-${r}`];
    }),
    '-f',
    join(work, 'roles.psql'),
  ]);
  const dbUrl = (r: string) => `postgres://${roleName(r)}:ct-${r}@${HOST}:5432/${db.name}`;

  // RabbitMQ: the dev definitions' users (renamed for this run) on a vhost of their own.
  const definitions = JSON.parse(
    secretValue('rabbitmq-definitions', 'definitions.json'),
  ) as Definitions;
  vhost = `zra-ct-${suffix}`;
  const renamed = (user: string) => `${user}-${suffix}`;
  brokerUsers = definitions.users.map((u) => renamed(u.name));
  chmodSync(work, 0o755);
  writeFileSync(
    join(work, 'definitions.json'),
    JSON.stringify({
      users: definitions.users.map((u) => ({ ...u, name: renamed(u.name) })),
      vhosts: [{ name: vhost }],
      permissions: definitions.permissions.map((p) => ({ ...p, user: renamed(p.user), vhost })),
    }),
    { mode: 0o644 },
  );
  await run('rabbitmqctl', ['import_definitions', join(work, 'definitions.json')]);
  await waitFor(
    'the vhost',
    async () =>
      (await run('rabbitmqctl', ['list_vhosts', '--silent'])).stdout.split('\n').includes(vhost),
    { timeoutMs: 20_000 },
  );
  const amqpUrl = (secret: string) => {
    const u = new URL(secretValue(secret, 'url'));
    return `amqp://${renamed(decodeURIComponent(u.username))}:${u.password}@${HOST}:5672/${encodeURIComponent(vhost)}`;
  };

  // The blob-store claim: a folder of the pods' user and fsGroup.
  const blobs = join(work, 'blob-store');
  mkdirSync(blobs);
  const sc = apiPod.spec.securityContext;
  chownSync(blobs, sc.runAsUser, sc.fsGroup);
  chmodSync(blobs, 0o2775);

  const secrets: Record<string, string> = {
    'central-database/url': dbUrl('app'),
    'central-database-owner/url': dbUrl('owner'),
    'central-broker/url': amqpUrl('central-broker'),
    'central-jobs-broker/url': amqpUrl('central-jobs-broker'),
    // Central pull's key (docs/operations.md, "Central pull"), as the dev overlay renders it.
    'central-gateway-credentials/key': randomBytes(32).toString('base64'),
  };
  env = {
    configMap: (name) => {
      const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
      if (!cm) throw new Error(`ConfigMap ${name} is not rendered`);
      return cm.data as Record<string, string>;
    },
    secret: (name, key) => {
      const value = secrets[`${name}/${key}`];
      if (value === undefined) throw new Error(`the test provides no Secret ${name} (key ${key})`);
      return value;
    },
    claim: (name) => {
      if (name !== 'blob-store') throw new Error(`the test provides no claim ${name}`);
      return blobs;
    },
  };

  // The park's gateway: three afternoon hours of one ride.
  drops = generateDrops({
    park: PARK,
    rides: [{ id: RIDE, model: 'discovery-revolution' }],
    from: '2026-06-06',
    fromHour: 14,
    hours: 3,
    seed: 23,
    rateHz: 5,
  });
  mkdirSync(join(work, 'gateway', RIDE), { recursive: true });
  for (const d of drops) writeFileSync(join(work, 'gateway', RIDE, d.fileName), d.zip);
  gateway = await startSftpGateway({ root: join(work, 'gateway') });
}, 1_500_000);

afterAll(async () => {
  await removeContainers(names);
  await gateway?.stop();
  await pool?.end();
  await db?.drop();
  if (vhost) await run('rabbitmqctl', ['delete_vhost', vhost]).catch(() => undefined);
  for (const u of brokerUsers) await run('rabbitmqctl', ['delete_user', u]).catch(() => undefined);
  const admin = new pg.Client({ connectionString: new URL('/postgres', db.url).toString() });
  await admin.connect();
  for (const r of roles) await admin.query(`DROP ROLE IF EXISTS "${r}"`).catch(() => undefined);
  await admin.end();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the images, run as the manifests say', () => {
  it('migrates with the init container (as the schema owner), then serves: startup, readiness and liveness probes answer', async () => {
    const migrate = await runToEnd(
      containerName('migrate'),
      apiPod,
      containerOf(apiPod, true),
      env,
      120_000,
    );
    expect(migrate.code, migrate.logs).toBe(0);
    expect(migrate.logs).toContain('applied migrations');
    const owners = await pool.query<{ owner: string }>(
      "SELECT DISTINCT tableowner AS owner FROM pg_tables WHERE schemaname = 'public'",
    );
    expect(owners.rows).toEqual([{ owner: roles[0] }]);

    api = await startApi('api');
    const main = containerOf(apiPod);
    expect((await fetch(probeUrl(api, main.livenessProbe))).status).toBe(200);
    // The root filesystem is read-only for the process, as the manifests claim.
    const write = await podman(['exec', api.name, 'sh', '-c', 'touch /app/x']);
    expect(write.code).not.toBe(0);
    expect((await podman(['exec', api.name, 'id', '-u'])).stdout.trim()).toBe(
      String(apiPod.spec.securityContext.runAsUser),
    );
  }, 300_000);

  it("takes the real agent's upload for a park created with the image's CLI; a --drain job container post-processes it and exits 0", async () => {
    token = await cli(api, [
      'park',
      'create',
      '--id',
      PARK,
      '--name',
      'Cortina',
      '--timezone',
      'Europe/Rome',
    ]);
    const agent = await createAgent(
      parseAgentConfig({
        park: PARK,
        dataDir: join(work, 'agent'),
        central: { url: apiUrl(api), token },
        minAgeSeconds: 0,
        rides: [
          {
            id: RIDE,
            remoteDir: RIDE,
            connection: {
              type: 'sftp',
              host: gateway.host,
              port: gateway.port,
              username: gateway.username,
              privateKeyPath: gateway.privateKeyPath,
              hostKeySha256: gateway.hostKeySha256,
            },
          },
        ],
      }),
    );
    try {
      const round = await agent.runOnce();
      expect(round.upload.acknowledged).toBe(drops.length);
    } finally {
      await agent.close();
    }
    // The park's fair share (PARK_QUEUE_SHARE, 1 by default) keeps its later drops in the
    // outbox until the first is processed: the job pod takes each as the API publishes it
    // (WORKER_DRAIN_WAIT_S), instead of exiting with them still to do.
    await waitFor(
      'one queued, the rest held',
      async () => {
        const states = await batchStates();
        return (
          states.filter((s) => s === 'queued').length === 1 &&
          states.filter((s) => s === 'stored').length === drops.length - 1
        );
      },
      { timeoutMs: 30_000 },
    );

    const job = await runToEnd(
      containerName('postprocess'),
      postprocessPod,
      containerOf(postprocessPod),
      env,
      180_000,
    );
    expect(job.code, job.logs).toBe(0);
    expect(job.logs).toContain('queues are empty; worker exits (drain mode)');
    expect(await batchStates()).toEqual(drops.map(() => 'processed'));
    const cycles = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM cycles');
    expect(cycles.rows[0]?.n).toBe(cyclesInZips());
  }, 300_000);

  it('builds a report requested with the CLI in the report job container; its PDF downloads with the park token and names the ride', async () => {
    reportId = await cli(api, [
      'report',
      'request',
      '--park',
      PARK,
      '--ride',
      RIDE,
      '--from',
      '2026-06-06T00:00:00Z',
      '--to',
      '2026-06-07T00:00:00Z',
    ]);
    await waitFor(
      'the report queued',
      async () =>
        (
          await pool.query(
            'SELECT 1 FROM outbox WHERE message_id = $1 AND published_at IS NOT NULL',
            [reportId],
          )
        ).rowCount === 1,
      { timeoutMs: 30_000 },
    );
    const job = await runToEnd(
      containerName('report'),
      reportPod,
      containerOf(reportPod),
      env,
      180_000,
    );
    expect(job.code, job.logs).toBe(0);
    const res = await fetch(`${apiUrl(api)}/files/reports/${reportId}/pdf`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const pdf = join(work, 'report.pdf');
    writeFileSync(pdf, Buffer.from(await res.arrayBuffer()));
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    expect(text).toContain(RIDE);
    expect(text).toMatch(new RegExp(`Cycles\\s+${cyclesInZips()}\\b`));
  }, 300_000);

  it('on SIGTERM mid-upload, finishes the chunk in flight and exits 0 within its grace period; the upload completes on the next API container', async () => {
    const [big] = generateDrops({
      park: PARK,
      rides: [{ id: RIDE, model: 'discovery-revolution' }],
      from: '2026-06-07',
      fromHour: 15,
      hours: 1,
      seed: 29,
      rateHz: 50,
    });
    if (!big) throw new Error('no drop generated');
    const direct = createParkClient(apiUrl(api), token);
    const verdict = verifyDrop(big.zip);
    if (!verdict.ok) throw new Error('the generated drop is invalid');
    const begun = await direct.ingest.begin.mutate({
      sha256: createHash('sha256').update(big.zip).digest('hex'),
      contentId: verdict.contentId,
      bytes: big.zip.length,
      fileName: big.fileName,
    });
    if (begun.status === 'duplicate') throw new Error('the drop is already at central');
    // A park on a slow link: the chunk takes seconds to arrive.
    const slow: TcpProxy = await startTcpProxy({
      targetHost: '127.0.0.1',
      targetPort: api.hostPorts.get('http') ?? 0,
      bytesPerSecond: Math.ceil(big.zip.length / 6),
    });
    try {
      const chunk = sendChunk(createParkClient(slow.url, token), begun.uploadId, 0, big.zip);
      await waitFor('the chunk under way', async () => slow.bytesToTarget > big.zip.length / 4, {
        timeoutMs: 20_000,
        intervalMs: 50,
      });
      // What the kubelet does after preStop: SIGTERM to the container's PID 1.
      await podman(['kill', '--signal', 'TERM', api.name]);
      expect(await chunk).toEqual({ offset: big.zip.length });
      const grace = apiPod.spec.terminationGracePeriodSeconds as number;
      const stopped = await podman(['wait', api.name], { timeoutMs: grace * 1000 });
      expect(stopped.stdout.trim()).toBe('0');
      expect(await logsOf(api.name)).toContain('shutting down: finishing in-flight requests');
    } finally {
      await slow.close();
    }
    const next = await startApi('api-next');
    const committed = await createParkClient(apiUrl(next), token).ingest.commit.mutate({
      uploadId: begun.uploadId,
    });
    expect(committed.status).toBe('stored');
    const stored = await pool.query('SELECT 1 FROM batches WHERE file_name = $1', [big.fileName]);
    expect(stored.rowCount).toBe(1);
  }, 300_000);
});
