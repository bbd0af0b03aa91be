import Database from 'better-sqlite3';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy } from '../../../../scripts/harness/tcp-proxy.ts';
import { createAgent, type Agent } from '../agent.ts';
import { CentralLink, type CentralLinkChange } from './central-link.ts';
import { parseAgentConfig } from '../settings/config.ts';
import { silentLogger } from '../logger.ts';
import { startHttpGateway } from '@zra/gateway/testing';
import { startTestCentral, type TestCentral } from '../testing/test-central.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { buildTestDrop } from '../testing/test-drop.ts';

const log = silentLogger();
let central: TestCentral;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  central = await startTestCentral('central_link_activity', 'gardaland');
});
afterAll(async () => {
  await central?.close();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('central link transitions', () => {
  it('tells each transition once: start-up offline, many failed rounds, heartbeats, back online', () => {
    const clock = { t: Date.parse('2026-06-01T10:00:00Z') };
    const changes: CentralLinkChange[] = [];
    const link = new CentralLink({
      retryBaseMs: 5_000,
      retryMaxMs: 900_000,
      random: () => 0.5,
      now: () => clock.t,
      changed: (c) => changes.push(c),
    });

    // Started while central is away: the first failed heartbeat is the transition.
    link.recordHeartbeat('heartbeat to central failed: fetch failed');
    for (let i = 0; i < 5; i++) {
      clock.t += 60_000;
      link.recordFailure('central is unreachable (ECONNREFUSED): fetch failed');
      link.recordHeartbeat('heartbeat to central failed: fetch failed');
    }
    // A heartbeat that gets through does not end an upload streak: still offline, no entry.
    link.recordHeartbeat(null);
    expect(link.status().state).toBe('offline');
    clock.t += 30_000;
    link.recordSuccess();
    link.recordSuccess();

    expect(changes).toEqual([
      { to: 'offline', reason: 'heartbeat to central failed: fetch failed' },
      { to: 'online', offlineSince: '2026-06-01T10:00:00.000Z', offlineMs: 330_000 },
    ]);
  });
});

describe('the activity log while central is away', () => {
  it('writes one entry when the link goes offline and one when it is back, however many rounds fail between', async () => {
    const gwDir = await tempDir('link-gw');
    const data = await tempDir('link-agent');
    cleanups.push(gwDir.remove, data.remove);
    const gateway = await startHttpGateway(gwDir.dir);
    cleanups.push(() => gateway.close());
    const proxy = await startTcpProxy(central.url);
    cleanups.push(() => proxy.close());
    const agent = await createAgent(
      parseAgentConfig({
        park: 'gardaland',
        dataDir: data.dir,
        central: { url: proxy.url, token: central.token },
        rides: [
          {
            id: 'r1',
            remoteDir: 'r1',
            connection: { type: 'http', url: gateway.url },
          },
        ],
        minAgeSeconds: 0,
      }),
      { log },
    );
    cleanups.push(() => agent.close());
    const folder = path.join(gwDir.dir, 'r1');
    await mkdir(folder, { recursive: true });
    const linkEvents = () => agent.drops.activity().events.filter((e) => e.kind === 'central');

    // Central answers the heartbeat: online, and nothing to say about the link.
    await agent.runOnce();
    expect(agent.status().central.state).toBe('online');
    expect(linkEvents()).toEqual([]);

    proxy.cut();
    const drop = buildTestDrop({ sequence: 61 });
    const file = path.join(folder, drop.fileName);
    await writeFile(file, drop.zip);
    const old = (Date.now() - 60_000) / 1000;
    await utimes(file, old, old);
    for (let i = 0; i < 3; i++) {
      const run = await agent.runOnce();
      expect(run.upload.error).toMatch(/central is unreachable/);
    }
    expect(agent.status().central).toMatchObject({ state: 'offline', failures: 3 });
    expect(agent.status().drops.buffered).toBe(1);
    const offline = linkEvents();
    expect(offline.map((e) => [e.level, e.ride])).toEqual([['warn', null]]);
    expect(offline[0]?.message).toMatch(
      /^central link offline: central is unreachable .*\. Drops keep being pulled into the buffer and are uploaded once central answers again$/,
    );

    proxy.restore();
    const back = await agent.runOnce();

    expect(back.upload).toMatchObject({ acknowledged: 1, error: null });
    const events = linkEvents();
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ level: 'info', ride: null });
    expect(events[0]?.message).toMatch(
      /^central link back online after \d+ s offline; buffered drops are uploaded again$/,
    );
    // Online rounds after that add nothing.
    await agent.runOnce();
    expect(linkEvents()).toHaveLength(2);
  });
});

describe('an outage that outlives a restart', () => {
  it('keeps its "offline since" and is logged once, and a damaged memory starts afresh', async () => {
    const data = await tempDir('link-restart');
    cleanups.push(data.remove);
    const proxy = await startTcpProxy(central.url);
    cleanups.push(() => proxy.close());
    const config = parseAgentConfig({
      park: 'gardaland',
      dataDir: data.dir,
      central: { url: proxy.url, token: central.token },
      rides: [],
    });
    const linkEvents = (a: Agent) => a.drops.activity().events.filter((e) => e.kind === 'central');

    const first = await createAgent(config, { log });
    await first.runOnce();
    const contact = first.status().central.lastContactAt;
    expect(contact).not.toBeNull();
    proxy.cut();
    await first.runOnce();
    const before = first.status().central;
    expect(before.state).toBe('offline');
    await first.close();

    // Power comes back while central is still away.
    const second = await createAgent(config, { log });
    expect(second.status().central).toMatchObject({
      state: 'offline',
      offlineSince: before.offlineSince,
      lastContactAt: contact,
    });
    await second.runOnce();
    expect(second.status().central.offlineSince).toBe(before.offlineSince);
    expect(linkEvents(second).map((e) => e.level)).toEqual(['warn']);

    proxy.restore();
    await second.runOnce();
    expect(second.status().central.state).toBe('online');
    const levels = linkEvents(second).map((e) => e.level);
    await second.close();
    expect(levels).toEqual(['info', 'warn']);

    // A row this version cannot read (a hand edit, a bad disk) is forgotten, never fatal.
    const db = new Database(path.join(data.dir, 'buffer.sqlite'));
    db.prepare("UPDATE central_link SET offline_since = 'yesterday'").run();
    db.close();
    const third = await createAgent(config, { log });
    cleanups.push(() => third.close());
    expect(third.status().central).toMatchObject({ state: 'unknown', offlineSince: null });
  });
});
