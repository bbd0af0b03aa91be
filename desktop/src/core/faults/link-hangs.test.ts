import { verifyDrop } from '@zra/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSftpGateway, type SftpGateway } from '../../../../scripts/harness/sftp-gateway.ts';
import { startTcpProxy } from '../../../../scripts/harness/tcp-proxy.ts';
import { waitFor } from '../../../../scripts/harness/wait-for.ts';
import { createAgent } from '../agent.ts';
import { DropBuffer } from '../buffer/drop-buffer.ts';
import { parseAgentConfig, type RideConfig } from '../settings/config.ts';
import { connectSftpGateway, GatewayUnreachableError } from '@zra/gateway';
import { silentLogger } from '../logger.ts';
import { pullRide } from '../pull/pull.ts';
import { createStatusRouter } from '../status/status-router.ts';
import { putOnGateway, rideOnGateway } from '../testing/gateway-files.ts';
import { startTestCentral, type TestCentral } from '../testing/test-central.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { buildTestDrop } from '../testing/test-drop.ts';

// Issue 15.3: a link that stops answering (the connection stays open, its packets are taken,
// nothing comes back: a lost NAT entry) must turn into an error, a log entry and a retry in
// bounded time, never a round that waits for ever. The harness proxy's blackhole() is that link.

const log = silentLogger();
let gw: SftpGateway;
let central: TestCentral;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  [gw, central] = await Promise.all([
    startSftpGateway(),
    startTestCentral('agent_link_hangs', 'gardaland'),
  ]);
});
afterAll(async () => {
  await Promise.all([gw?.stop(), central?.close()]);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('central stops answering on an open connection', () => {
  it('fails the upload, heartbeat and global view with a sentence, goes offline, and delivers once the link is back', async () => {
    const proxy = await startTcpProxy(central.url);
    cleanups.push(() => proxy.close());
    const data = await tempDir('link-hangs');
    cleanups.push(data.remove);
    const drop = buildTestDrop({ windowStart: '2026-07-03T10:00:00Z' });
    await putOnGateway(gw, 'hangs', drop.fileName, drop.zip);
    const agent = await createAgent(
      parseAgentConfig({
        park: 'gardaland',
        dataDir: data.dir,
        central: { url: proxy.url, token: central.token, timeoutSeconds: 2 },
        rides: [rideOnGateway(gw, 'r1', 'hangs')],
        minAgeSeconds: 0,
        upload: { intervalSeconds: 1, retryBaseSeconds: 1, retryMaxSeconds: 2 },
        heartbeatSeconds: 3600,
        globalViewSeconds: 3600,
      }),
      { log },
    );
    cleanups.push(() => agent.close());
    const api = createStatusRouter(agent).createCaller({ authorized: true });
    await agent.pullNow();

    proxy.blackhole();
    const run = await agent.runOnce();

    const hung =
      /^central did not answer the [a-z.]+ call within 2 s \(no reply on an open connection/;
    expect(run.upload).toMatchObject({ acknowledged: 0, failed: 1, remaining: 1 });
    expect(run.upload.error).toMatch(hung);
    expect(agent.status().central).toMatchObject({ state: 'offline' });
    expect(agent.status().central.lastError).toMatch(hung);
    expect(await agent.sendHeartbeat()).toBe(false);
    expect(agent.status().heartbeat.lastError).toMatch(
      /^heartbeat to central failed: central did not answer/,
    );
    const view = await agent.refreshGlobalView();
    expect(view.error).toMatch(
      /^cannot fetch the park's view from central: central did not answer/,
    );
    const events = (await api.activity.list()).events.map((e) => e.message);
    expect(events).toContainEqual(
      expect.stringMatching(/^central link offline: central did not answer/),
    );

    // The link comes back: the loop's next try delivers the drop, once.
    proxy.restore();
    agent.start();
    await waitFor('the drop acknowledged by central', async () =>
      agent.status().drops.acknowledged === 1 ? true : null,
    );
    const rows = await central.query<{ n: string }>(
      'SELECT count(*) AS n FROM batches WHERE sha256 = $1',
      [drop.sha256],
    );
    expect(rows[0]?.n).toBe('1');
    expect(agent.status().central.state).toBe('online');
  });
});

describe('the SFTP gateway stops answering mid-download', () => {
  it('fails the pull with a sentence within the keepalive bound, records nothing, and the next pull completes it', async () => {
    const drop = buildTestDrop({ windowStart: '2026-07-03T11:00:00Z' });
    await putOnGateway(gw, 'hangs-sftp', drop.fileName, drop.zip);
    // The link goes silent once the server has started sending the file, the first time.
    let armed = false;
    let hangs = 1;
    const proxy = await startTcpProxy({
      targetHost: gw.host,
      targetPort: gw.port,
      onData: (direction, chunk) => {
        if (armed && direction === 'to-client' && chunk.length > 0) proxy.blackhole();
      },
    });
    cleanups.push(() => proxy.close());
    const ride = rideOnGateway(gw, 'r1', 'hangs-sftp');
    const viaProxy: RideConfig = { ...ride, connection: { ...ride.connection, port: proxy.port } };
    const data = await tempDir('link-hangs-sftp');
    cleanups.push(data.remove);
    const buffer = await DropBuffer.open(data.dir, log);
    cleanups.push(() => buffer.close());
    const deps = {
      park: 'gardaland',
      buffer,
      connect: async (r: RideConfig) => {
        if (r.connection.type !== 'sftp') throw new Error('an SFTP ride was expected');
        const client = await connectSftpGateway(r.connection, log, { keepaliveIntervalMs: 500 });
        return {
          ...client,
          list: (dir: string) => client.list(dir),
          // Silence falls once the download has begun.
          download: (dir: string, name: string, to: string) => {
            if (hangs-- > 0) armed = true;
            return client.download(dir, name, to);
          },
          remove: (dir: string, name: string) => client.remove(dir, name),
          move: (dir: string, name: string, to: string) => client.move(dir, name, to),
          exists: (dir: string) => client.exists(dir),
          close: () => client.close(),
        };
      },
      verify: verifyDrop,
      log,
      minAgeMs: 0,
    };

    const hung = await pullRide(viaProxy, deps).catch((err: unknown) => err as Error);

    const message = hung instanceof Error ? hung.message : (hung.failed[0]?.error ?? '');
    expect(message).toMatch(/^the connection to the gateway .* stopped answering/);
    expect(message).toMatch(/the file stays on the gateway and the next pull tries again$/);
    expect(buffer.list()).toEqual([]);

    armed = false;
    proxy.restore();
    const next = await pullRide(viaProxy, deps);
    expect(next).toMatchObject({ buffered: 1, failed: [] });
  });

  it('fails a connection whose handshake never comes within the ready timeout, as unreachable', async () => {
    const proxy = await startTcpProxy({ targetHost: gw.host, targetPort: gw.port });
    cleanups.push(() => proxy.close());
    proxy.blackhole();
    const ride = rideOnGateway(gw, 'r1', 'hangs-handshake');
    if (ride.connection.type !== 'sftp') throw new Error('an SFTP ride was expected');

    const err = await connectSftpGateway({ ...ride.connection, port: proxy.port }, log, {
      readyTimeoutMs: 1000,
    }).catch((e: unknown) => e as Error);

    expect(err).toBeInstanceOf(GatewayUnreachableError);
    expect((err as Error).message).toMatch(
      /^cannot connect to the gateway \S+: Timed out while waiting for handshake: no SSH handshake within 1 s; check that the address and port are the gateway's SFTP service/,
    );
  });
});
