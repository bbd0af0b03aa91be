import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import { createTRPCClient, httpLink } from '@trpc/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, type Agent } from '../agent.ts';
import { createAgentMetrics } from './agent-metrics.ts';
import { parseAgentConfig } from '../settings/config.ts';
import path from 'node:path';
import { pino } from 'pino';
import { silentLogger } from '../logger.ts';
import { startStatusServer, type StatusServer } from './status-server.ts';
import type { AgentRouter } from './status-router.ts';
import { putOnGateway, rideOnGateway } from '../testing/gateway-files.ts';
import { startSftpGateway, type SftpGateway } from '../../../../scripts/harness/sftp-gateway.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { buildTestDrop } from '../testing/test-drop.ts';

const log = silentLogger();
let gw: SftpGateway;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  gw = await startSftpGateway();
});
afterAll(async () => {
  await gw?.stop();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(remoteDir: string): Promise<{ agent: Agent; server: StatusServer }> {
  const data = await tempDir('status');
  const metrics = createAgentMetrics();
  const config = parseAgentConfig({
    park: 'gardaland',
    dataDir: data.dir,
    // Central stays out: uploads fail and drops stay buffered.
    central: { url: 'http://127.0.0.1:9', token: 'park-token-0123456789' },
    rides: [rideOnGateway(gw, 'r1', remoteDir)],
    minAgeSeconds: 0,
  });
  const agent = await createAgent(config, { log, observer: metrics.observer });
  const server = await startStatusServer({ agent, metrics, dataDir: config.dataDir, log });
  cleanups.push(
    data.remove,
    () => agent.close(),
    () => server.close(),
  );
  return { agent, server };
}

/** A request with the Host header of our choice (fetch sets its own). */
function rawGet(
  server: StatusServer,
  urlPath: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port: server.port, path: urlPath, headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
  });
}

function client(server: StatusServer, token: string) {
  return createTRPCClient<AgentRouter>({
    links: [httpLink({ url: `${server.url}/trpc`, headers: { authorization: `Bearer ${token}` } })],
  });
}

describe('local status server', () => {
  it('refuses a missing or wrong token with 401 and pulls nothing', async () => {
    const drop = buildTestDrop({ sequence: 31 });
    await putOnGateway(gw, 'status-denied', drop.fileName, drop.zip);
    const { agent, server } = await serve('status-denied');

    const noToken = await fetch(`${server.url}/trpc/pullNow`, { method: 'POST', body: '{}' });
    const wrong = await fetch(`${server.url}/trpc/status`, {
      headers: { authorization: 'Bearer not-the-token' },
    });
    const metrics = await fetch(`${server.url}/metrics`);

    expect([noToken.status, wrong.status, metrics.status]).toEqual([401, 401, 401]);
    await expect(client(server, 'x'.repeat(64)).pullNow.mutate({})).rejects.toThrow(
      /local access token/,
    );
    expect(agent.status().drops.buffered).toBe(0);
    expect(agent.status().rides[0]?.lastPullAt).toBeNull();
  });

  it('writes the token readable by its owner only, and listens on 127.0.0.1 only', async () => {
    const { server } = await serve('status-token');

    expect((await stat(server.tokenFile)).mode & 0o777).toBe(0o600);
    expect((await readFile(server.tokenFile, 'utf8')).trim()).toBe(server.token);
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
    // Not on the other loopback name space: ::1 refuses the connection.
    await expect(fetch(`http://[::1]:${server.port}/metrics`)).rejects.toThrow();
  });

  it('gives the UI link only in a 0600 file, never in its log', async () => {
    const lines: string[] = [];
    const data = await tempDir('status-link');
    cleanups.push(data.remove);
    const agent = await createAgent(
      parseAgentConfig({
        park: 'gardaland',
        dataDir: data.dir,
        central: { url: 'http://127.0.0.1:9', token: 'park-token-0123456789' },
      }),
      { log },
    );
    cleanups.push(() => agent.close());
    const server = await startStatusServer({
      agent,
      metrics: createAgentMetrics(),
      dataDir: data.dir,
      log: pino({ level: 'debug' }, { write: (line: string) => lines.push(line) }),
    });
    cleanups.push(() => server.close());

    expect(server.uiFile).toBe(path.join(data.dir, 'open-ui.html'));
    expect((await stat(server.uiFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(server.uiFile, 'utf8')).toContain(
      `url=http://127.0.0.1:${server.port}/#token=${server.token}`,
    );
    expect(lines.join('')).toContain(server.uiFile);
    expect(lines.join('')).not.toContain(server.token);
  });

  it('answers only requests naming it 127.0.0.1 or localhost (DNS rebinding gets 421)', async () => {
    const { server } = await serve('status-host');
    const auth = { authorization: `Bearer ${server.token}` };
    // A page on evil.example whose name now resolves to 127.0.0.1, even holding the token.
    for (const urlPath of ['/trpc/status', '/metrics', '/', '/trpc/settings.get']) {
      for (const host of ['evil.example', `evil.example:${server.port}`, '127.0.0.1']) {
        const res = await rawGet(server, urlPath, { ...auth, host });
        expect(res.status, `${urlPath} Host: ${host}`).toBe(421);
        expect(res.body).not.toContain('gardaland');
      }
    }
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`]) {
      const res = await rawGet(server, '/trpc/status', { ...auth, host });
      expect(res.status, host).toBe(200);
      expect(res.body).toContain('gardaland');
    }
  });

  it('marks API answers no-store and nosniff, with or without the token', async () => {
    const { server } = await serve('status-headers');
    const host = `127.0.0.1:${server.port}`;
    for (const [urlPath, headers, status] of [
      ['/trpc/status', { authorization: `Bearer ${server.token}` }, 200],
      ['/trpc/status', {}, 401],
      ['/metrics', { authorization: `Bearer ${server.token}` }, 200],
      [
        '/reports/00000000-0000-4000-8000-000000000000/pdf',
        { authorization: `Bearer ${server.token}` },
        501,
      ],
    ] as const) {
      const res = await rawGet(server, urlPath, { ...headers, host });
      expect(res.status, urlPath).toBe(status);
      expect(res.headers['cache-control'], urlPath).toBe('no-store');
      expect(res.headers['x-content-type-options'], urlPath).toBe('nosniff');
    }
  });

  it('serves the status, pulls a ride on demand and shows the buffer in /metrics', async () => {
    const drop = buildTestDrop({ sequence: 32 });
    await putOnGateway(gw, 'status-pull', drop.fileName, drop.zip);
    const { server } = await serve('status-pull');
    const api = client(server, server.token);

    const before = await api.status.query();
    expect(before.rides.map((r) => [r.id, r.lastPullAt])).toEqual([['r1', null]]);

    const pulled = await api.pullNow.mutate({ ride: 'r1' });
    expect(pulled.map((r) => [r.id, r.result?.buffered])).toEqual([['r1', 1]]);
    expect((await api.status.query()).backlog).toMatchObject({
      drops: 1,
      bytes: drop.zip.length,
    });
    await expect(api.pullNow.mutate({ ride: 'r9' })).rejects.toThrow(
      'no ride "r9" in the config; configured rides: r1',
    );

    const res = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain(`zra_agent_buffer_bytes ${drop.zip.length}`);
    expect(text).toContain('zra_agent_pulls_total{ride="r1",outcome="ok"} 1');
    expect(text).toContain(`zra_agent_pulled_bytes_total ${drop.zip.length}`);
    expect(text).toContain('zra_agent_backlog_drops 1');
  });

  it('serves the UI procedures over HTTP: rides, schedule preview, settings, quarantine', async () => {
    const { server } = await serve('status-ui');
    const api = client(server, server.token);

    expect((await api.rides.list.query()).map((r) => [r.id, r.source, r.connection.type])).toEqual([
      ['r1', 'file', 'sftp'],
    ]);
    const [rule] = await api.rides.describeSchedule.query({ rules: ['0 6 * * 1-5'] });
    expect(rule).toMatchObject({ valid: true });
    await api.settings.update.mutate({ uploadBytesPerSecond: 1_048_576 });
    expect(await api.settings.get.query()).toMatchObject({ uploadBytesPerSecond: 1_048_576 });
    expect(await api.quarantine.list.query()).toEqual([]);
    await expect(api.rides.remove.mutate({ rideId: 'r9' })).rejects.toThrow('no ride "r9"');
  });
});
