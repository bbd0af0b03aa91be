import amqp from 'amqplib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { createLogger } from '../logger.ts';
import { createPark } from '../parks/park-store.ts';
import { assertTopology } from '../queue/amqp-topology.ts';
import { createBrokerProbe } from '../queue/broker-probe.ts';
import { deadLetterQueueName } from '../queue/queue-names.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import {
  createParkClient,
  createTestEnvironment,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { checkReadiness } from './readiness.ts';

let env: TestEnvironment;
let central: RunningCentral;

beforeAll(async () => {
  env = await createTestEnvironment('operations');
  // No publisher: the outbox rows stay unpublished, so backlog and lag are known.
  central = await startCentral(env.config, { publisher: false });
});

afterAll(async () => {
  await central?.close();
  await env?.cleanup();
});

/** The value of one sample line of the Prometheus text, or undefined when absent. */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[3] ?? '').split(',');
    if (wanted.every((w) => have.includes(w))) return Number(m[4]);
  }
  return undefined;
}

async function scrape(): Promise<string> {
  const res = await fetch(`${central.metricsUrl}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

describe('/readyz', () => {
  it('is ready when PostgreSQL and RabbitMQ both answer', async () => {
    const res = await fetch(`${central.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, database: 'reachable', broker: 'reachable' });
  });

  it('stays ready when RabbitMQ is unreachable (the outbox keeps uploads), naming the broker as down; /healthz stays up', async () => {
    const noBroker = await startCentral(
      { ...env.config, amqpUrl: 'amqp://guest:guest@127.0.0.1:1' },
      { publisher: false },
    );
    try {
      const res = await fetch(`${noBroker.url}/readyz`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ ok: true, database: 'reachable', broker: 'unreachable' });
      expect(body.errors).toHaveProperty('broker');
      expect((await fetch(`${noBroker.url}/healthz`)).status).toBe(200);
    } finally {
      await noBroker.close();
    }
  });

  it('names the database when PostgreSQL is unreachable', async () => {
    const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none' });
    const broker = createBrokerProbe(
      env.config.amqpUrl,
      env.config.queuePrefix,
      createLogger('silent'),
    );
    try {
      const readiness = await checkReadiness(pool, broker);
      expect(readiness).toMatchObject({ ok: false, database: 'unreachable', broker: 'reachable' });
      expect(readiness.errors?.database).toBeTruthy();
    } finally {
      await broker.close();
      await pool.end();
    }
  });
});

describe('request ids', () => {
  it('echoes a caller-chosen x-request-id', async () => {
    const res = await fetch(`${central.url}/healthz`, {
      headers: { 'x-request-id': 'agent-42.7' },
    });
    expect(res.headers.get('x-request-id')).toBe('agent-42.7');
  });

  it('generates an id when none or an unusable one is sent', async () => {
    const none = await fetch(`${central.url}/healthz`);
    const bad = await fetch(`${central.url}/healthz`, {
      headers: { 'x-request-id': 'a b<script>' },
    });
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    expect(none.headers.get('x-request-id')).toMatch(uuid);
    expect(bad.headers.get('x-request-id')).toMatch(uuid);
  });
});

describe('/metrics', () => {
  it('counts the bytes ingested, the request per procedure and status, the batch and the outbox backlog', async () => {
    const { token } = await createPark(env.pool, {
      id: 'metrics-park',
      name: 'Metrics Park',
      timezone: 'Europe/Rome',
    });
    const drop = buildTestDrop({ park: 'metrics-park', sequence: 1 });
    const client = createParkClient(central.url, token);
    await uploadDrop(client, drop.zip, drop.fileName, 1024);
    const text = await scrape();
    expect(sample(text, 'zra_ingested_bytes_total')).toBe(drop.zip.length);
    const chunks = Math.ceil(drop.zip.length / 1024);
    expect(
      sample(text, 'zra_http_request_duration_seconds_count', {
        route: 'ingest.chunkBytes',
        status: '200',
      }),
    ).toBe(chunks);
    expect(sample(text, 'zra_batches', { state: 'stored' })).toBe(1);
    expect(sample(text, 'zra_outbox_unpublished')).toBe(1);
    expect(sample(text, 'zra_outbox_oldest_unpublished_seconds')).toBeGreaterThan(0);
  });

  it('labels requests for unknown procedures as one route, whatever the caller typed', async () => {
    await fetch(`${central.url}/trpc/no.such.procedure?input=1`);
    const text = await scrape();
    expect(sample(text, 'zra_http_request_duration_seconds_count', { route: 'trpc:unknown' })).toBe(
      1,
    );
    expect(text).not.toContain('no.such.procedure');
  });

  it('reports ready messages per queue, dead-letter queues included', async () => {
    const conn = await amqp.connect(env.config.amqpUrl);
    const dlq = deadLetterQueueName(env.config.queuePrefix, 'postprocess');
    try {
      const ch = await conn.createConfirmChannel();
      await assertTopology(ch, env.config.queuePrefix, env.config.deliveryLimit);
      ch.sendToQueue(dlq, Buffer.from('{}'), { persistent: true });
      await ch.waitForConfirms();
      const text = await scrape();
      expect(sample(text, 'zra_queue_messages_ready', { queue: dlq })).toBe(1);
      expect(
        sample(text, 'zra_queue_messages_ready', { queue: `${env.config.queuePrefix}report` }),
      ).toBe(0);
      expect(sample(text, 'zra_broker_up')).toBe(1);
    } finally {
      await conn.close();
    }
  });

  it('exports job runs and their durations by type and outcome from the job_runs table', async () => {
    const subject = '00000000-0000-4000-8000-000000000001';
    await env.pool.query(
      `INSERT INTO job_runs (type, subject, attempt, worker, started_at, ended_at, outcome)
       VALUES ('postprocess', $1, 1, 'gone-pod', now() - interval '3 s', now(), 'retrying'),
              ('postprocess', $1, 2, 'gone-pod', now() - interval '0.2 s', now(), 'succeeded'),
              ('report', $1, 1, 'gone-pod', now() - interval '100 s', now(), 'failed'),
              ('report', $1, 2, 'live-pod', now(), NULL, NULL)`,
      [subject],
    );
    const text = await scrape();
    const pp = { type: 'postprocess' };
    expect(sample(text, 'zra_job_runs_total', { ...pp, outcome: 'succeeded' })).toBe(1);
    expect(sample(text, 'zra_job_runs_total', { ...pp, outcome: 'retrying' })).toBe(1);
    expect(sample(text, 'zra_job_runs_total', { type: 'report', outcome: 'failed' })).toBe(1);
    const bucket = (labels: Record<string, string>) =>
      sample(text, 'zra_job_run_duration_seconds_bucket', labels);
    expect(bucket({ ...pp, outcome: 'succeeded', le: '0.5' })).toBe(1);
    expect(bucket({ ...pp, outcome: 'retrying', le: '2.5' })).toBe(0);
    expect(bucket({ ...pp, outcome: 'retrying', le: '5' })).toBe(1);
    expect(bucket({ type: 'report', outcome: 'failed', le: '60' })).toBe(0);
    expect(bucket({ type: 'report', outcome: 'failed', le: '+Inf' })).toBe(1);
    const sum = sample(text, 'zra_job_run_duration_seconds_sum', {
      type: 'report',
      outcome: 'failed',
    });
    expect(sum).toBeCloseTo(100, 0);
    // A run still going has no outcome and is not counted yet.
    expect(text).not.toMatch(/outcome=""/);
  });
});
