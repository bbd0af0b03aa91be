/**
 * The API's probes under real outages (links cut through a TCP proxy): liveness never asks a
 * dependency, so an outage cannot restart every API pod; readiness follows PostgreSQL only,
 * because uploads go on through the outbox while RabbitMQ is away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { createPark } from '../parks/park-store.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import {
  createParkClient,
  createTestEnvironment,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { startTcpProxy, type TcpProxy } from '../../../scripts/harness/tcp-proxy.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';

let env: TestEnvironment;
let dbLink: TcpProxy;
let brokerLink: TcpProxy;
let central: RunningCentral;

beforeAll(async () => {
  env = await createTestEnvironment('probes');
  dbLink = await startTcpProxy(env.config.databaseUrl);
  brokerLink = await startTcpProxy(env.config.amqpUrl);
  const viaProxy = (url: string, proxy: TcpProxy) => {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(proxy.port);
    return u.toString();
  };
  central = await startCentral({
    ...env.config,
    databaseUrl: viaProxy(env.config.databaseUrl, dbLink),
    amqpUrl: viaProxy(env.config.amqpUrl, brokerLink),
  });
});

afterAll(async () => {
  await central?.close();
  await dbLink?.close();
  await brokerLink?.close();
  await env?.cleanup();
});

async function probe(path: '/healthz' | '/readyz') {
  const res = await fetch(`${central.url}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('probes', () => {
  it('with PostgreSQL cut: /healthz stays 200 (no restart), /readyz is 503 naming the database; ready again once the link is back', async () => {
    expect((await probe('/readyz')).status).toBe(200);
    dbLink.cut();
    try {
      expect(await probe('/healthz')).toEqual({ status: 200, body: { ok: true } });
      const ready = await probe('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ ok: false, database: 'unreachable' });
      expect(String((ready.body.errors as Record<string, string>).database)).toMatch(/PostgreSQL/);
    } finally {
      dbLink.restore();
    }
    await waitFor('ready again', async () => (await probe('/readyz')).status === 200, {
      timeoutMs: 20_000,
    });
  });

  it('with RabbitMQ cut: /readyz stays 200 naming the broker as down, an upload is stored, and the outbox queues it once the broker is back', async () => {
    const { token } = await createPark(env.pool, {
      id: 'probe-park',
      name: 'Probe Park',
      timezone: 'UTC',
    });
    brokerLink.cut();
    let batchId: string;
    try {
      const ready = await probe('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ ok: true, database: 'reachable', broker: 'unreachable' });
      const drop = buildTestDrop({ park: 'probe-park', start: '2026-05-02T08:00:00Z' });
      const result = await uploadDrop(
        createParkClient(central.url, token),
        drop.zip,
        drop.fileName,
      );
      expect(result.status).toBe('stored');
      batchId = (result as { batchId: string }).batchId;
      const state = await env.pool.query<{ state: string }>(
        'SELECT state FROM batches WHERE id = $1',
        [batchId],
      );
      expect(state.rows[0]?.state).toBe('stored');
    } finally {
      brokerLink.restore();
    }
    await waitFor(
      'the outbox queued the batch',
      async () =>
        (
          await env.pool.query<{ state: string }>('SELECT state FROM batches WHERE id = $1', [
            batchId,
          ])
        ).rows[0]?.state === 'queued',
      { timeoutMs: 60_000 },
    );
  });
});
