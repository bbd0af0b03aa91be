import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { DROP_PUT_PATH, generateDrops, generateSmallDrop } from '@zra/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../agent.ts';
import { summarize } from '../status/agent-status.ts';
import { DropBuffer } from '../buffer/drop-buffer.ts';
import { createCentralClient } from '../central/central-client.ts';
import { parseAgentConfig } from '../settings/config.ts';
import { silentLogger } from '../logger.ts';
import { putOnGateway, rideOnGateway } from '../testing/gateway-files.ts';
import { startSftpGateway, type SftpGateway } from '../../../../scripts/harness/sftp-gateway.ts';
import { startTestCentral, type TestCentral } from '../testing/test-central.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { buildTestDrop, corruptZip, type TestDrop } from '../testing/test-drop.ts';
import { startHttpProxy, type HttpProxy } from '../../../../scripts/harness/http-proxy.ts';
import { startTcpProxy } from '../../../../scripts/harness/tcp-proxy.ts';
import { uploadBuffered } from './upload.ts';

const log = silentLogger();
let gw: SftpGateway;
let central: TestCentral;
const cleanups: (() => Promise<void> | void)[] = [];
let counter = 0;

beforeAll(async () => {
  [gw, central] = await Promise.all([
    startSftpGateway(),
    startTestCentral('agent_upload', 'gardaland'),
  ]);
});
afterAll(async () => {
  await Promise.all([gw?.stop(), central?.close()]);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function batches(): Promise<{ sha256: string; id: string; state: string }[]> {
  return central.query('SELECT id, sha256, state FROM batches');
}

/** A buffer holding `drops` as pulled drops, without a gateway in between. */
async function bufferWith(drops: TestDrop[]): Promise<DropBuffer> {
  const t = await tempDir('upload');
  const buffer = await DropBuffer.open(t.dir, log);
  cleanups.push(t.remove, () => buffer.close());
  for (const d of drops) {
    const tmp = buffer.blobs.tmpPath(d.fileName);
    await writeFile(tmp, d.zip);
    await buffer.recordPulledFile(
      tmp,
      { ride: 'r1', name: d.fileName, size: d.zip.length, mtimeMs: 0 },
      {
        sha256: d.sha256,
        contentId: d.contentId,
        ride: 'r1',
        fileName: d.fileName,
        sequence: null,
        windowStart: null,
        windowEnd: null,
        bytes: d.zip.length,
        state: 'buffered',
        reasonCode: null,
        reason: null,
      },
    );
  }
  return buffer;
}

describe('upload to the real central API', () => {
  it('acknowledges pulled drops with central batch ids, never uploads quarantined ones, and a second run uploads nothing', async () => {
    const remoteDir = `upload-${++counter}`;
    const good = [
      buildTestDrop({ sequence: 101 }),
      buildTestDrop({ sequence: 102, windowStart: '2026-06-01T11:00:00Z' }),
    ];
    for (const d of good) await putOnGateway(gw, remoteDir, d.fileName, d.zip);
    const broken = buildTestDrop({ sequence: 103 });
    await putOnGateway(gw, remoteDir, broken.fileName, corruptZip(broken));
    const data = await tempDir('agent');
    cleanups.push(data.remove);
    const config = parseAgentConfig({
      park: 'gardaland',
      dataDir: data.dir,
      central: { url: central.url, token: central.token },
      rides: [rideOnGateway(gw, 'r1', remoteDir)],
    });
    const agent = await createAgent(config, { log });
    cleanups.push(() => agent.close());
    const before = (await batches()).length;

    const first = await agent.runOnce();

    expect(first.upload).toMatchObject({ acknowledged: 2, failed: 0, remaining: 0, error: null });
    expect(first.drops).toEqual({
      buffered: 0,
      uploading: 0,
      acknowledged: 2,
      quarantined: 1,
      rejected: 0,
    });
    const all = await batches();
    expect(all).toHaveLength(before + 2);
    const status = agent.status();
    expect(status.drops.acknowledged).toBe(2);
    expect(status.rides[0]).toMatchObject({ id: 'r1', lastError: null });
    for (const d of good) {
      const batch = all.find((b) => b.sha256 === d.sha256);
      expect(batch?.state).toBe('stored');
    }

    const second = await agent.runOnce();
    expect(second.upload).toMatchObject({ acknowledged: 0, failed: 0, remaining: 0 });
    expect(await batches()).toHaveLength(before + 2);
  });

  it("uploads every drop of shared's generator for two rides exactly once", async () => {
    const generated = generateDrops({
      park: 'gardaland',
      rides: [
        { id: 'disko', model: 'disko-coaster' },
        { id: 'revo', model: 'discovery-revolution' },
      ],
      from: '2026-06-06',
      fromHour: 10,
      hours: 3,
      rateHz: 1,
      seed: 11,
      rareEvents: false,
    });
    const dirs = { disko: `gen-disko-${++counter}`, revo: `gen-revo-${counter}` };
    for (const d of generated) {
      await putOnGateway(gw, dirs[d.ride as keyof typeof dirs], d.fileName, d.zip);
    }
    const data = await tempDir('agent-gen');
    cleanups.push(data.remove);
    const agent = await createAgent(
      parseAgentConfig({
        park: 'gardaland',
        dataDir: data.dir,
        central: { url: central.url, token: central.token },
        rides: [rideOnGateway(gw, 'disko', dirs.disko), rideOnGateway(gw, 'revo', dirs.revo)],
      }),
      { log },
    );
    cleanups.push(() => agent.close());

    const run = await agent.runOnce();

    expect(run.rides.map((r) => r.result?.buffered)).toEqual([3, 3]);
    expect(run.upload).toMatchObject({ acknowledged: 6, failed: 0, remaining: 0 });
    const shas = generated.map((d) => createHash('sha256').update(d.zip).digest('hex'));
    const stored = await central.query<{ sha256: string }>(
      'SELECT sha256 FROM batches WHERE sha256 = ANY($1)',
      [shas],
    );
    expect(stored.map((b) => b.sha256).sort()).toEqual([...shas].sort());
    expect((await agent.runOnce()).upload.acknowledged).toBe(0);
  });

  it('sends a drop in chunks from the offset central already holds (a cut upload resumes)', async () => {
    const drop = buildTestDrop({ sequence: 201 });
    const buffer = await bufferWith([drop]);
    const client = createCentralClient(central.url, central.token);
    // An earlier attempt got 512 bytes through before the link dropped.
    const begun = await client.ingest.begin.mutate({
      sha256: drop.sha256,
      contentId: drop.contentId,
      bytes: drop.zip.length,
      fileName: drop.fileName,
    });
    if (begun.status !== 'upload') throw new Error('expected a fresh upload');
    const form = new FormData();
    form.set('uploadId', begun.uploadId);
    form.set('offset', '0');
    form.set('chunk', new Blob([drop.zip.subarray(0, 512)]));
    await client.ingest.chunk.mutate(form);

    const result = await uploadBuffered({ buffer, client, log, chunkBytes: 500 });

    expect(result).toMatchObject({ acknowledged: 1, failed: 0 });
    const recorded = buffer.get(drop.sha256);
    expect(recorded).toMatchObject({ state: 'acknowledged', centralStatus: 'stored' });
    const [batch] = await central.query<{ id: string; bytes: string }>(
      'SELECT id, bytes FROM batches WHERE sha256 = $1',
      [drop.sha256],
    );
    expect(batch?.id).toBe(recorded?.centralBatchId);
    expect(Number(batch?.bytes)).toBe(drop.zip.length);
  });

  it('sends its chunks as forms to a central from before plain-body chunks (a rolled-back upgrade)', async () => {
    const drops = [buildTestDrop({ sequence: 202 }), buildTestDrop({ sequence: 203 })];
    const buffer = await bufferWith(drops);
    // The real central behind a proxy that hides ingest.chunkBytes, so central answers it as
    // any path it does not have, as an older central does.
    const seen: string[] = [];
    const older = await olderCentral(central.url, seen);
    cleanups.push(older.close);
    const client = createCentralClient(older.url, central.token);

    const result = await uploadBuffered({ buffer, client, log, chunkBytes: 700 });

    expect(result).toMatchObject({ acknowledged: 2, failed: 0 });
    for (const d of drops) {
      expect(buffer.get(d.sha256)).toMatchObject({
        state: 'acknowledged',
        centralStatus: 'stored',
      });
    }
    // One try of the plain form, then forms only.
    const chunkCalls = seen.filter((path) => path.includes('ingest.chunk'));
    expect(chunkCalls[0]).toContain('ingest.chunkBytes');
    expect(chunkCalls.slice(1).every((path) => path.endsWith('/ingest.chunk'))).toBe(true);
    expect(chunkCalls.length).toBeGreaterThan(2);
  });

  it('sends a drop that fits in one chunk whole, in one request each, and central stores it', async () => {
    const drops = [buildTestDrop({ sequence: 204 }), buildTestDrop({ sequence: 205 })];
    const buffer = await bufferWith(drops);
    const seen: string[] = [];
    const proxy = await olderCentral(central.url, seen, []);
    cleanups.push(proxy.close);
    const client = createCentralClient(proxy.url, central.token);

    const result = await uploadBuffered({ buffer, client, log, chunkBytes: 65536 });

    expect(result).toMatchObject({ acknowledged: 2, failed: 0 });
    expect(seen.map((path) => path.replace(/\?.*$/, ''))).toEqual([DROP_PUT_PATH, DROP_PUT_PATH]);
    for (const d of drops) {
      const recorded = buffer.get(d.sha256);
      expect(recorded).toMatchObject({ state: 'acknowledged', centralStatus: 'stored' });
      const [batch] = await central.query<{ id: string; bytes: string }>(
        'SELECT id, bytes FROM batches WHERE sha256 = $1',
        [d.sha256],
      );
      expect(batch?.id).toBe(recorded?.centralBatchId);
      expect(Number(batch?.bytes)).toBe(d.zip.length);
    }
  });

  it('while central has not answered since the link failed, finds it with begin before reading any blob whole', async () => {
    const drops = [buildTestDrop({ sequence: 208 }), buildTestDrop({ sequence: 209 })];
    const buffer = await bufferWith(drops);
    const seen: string[] = [];
    const proxy = await olderCentral(central.url, seen, []);
    cleanups.push(proxy.close);
    const client = createCentralClient(proxy.url, central.token);

    const result = await uploadBuffered({
      buffer,
      client,
      log,
      chunkBytes: 65536,
      centralOnline: () => false,
    });

    expect(result).toMatchObject({ acknowledged: 2, failed: 0 });
    // The first drop chunked (central answered), the second whole.
    expect(seen.map((path) => path.replace(/\?.*$/, '').replace('/trpc/', ''))).toEqual([
      'ingest.begin',
      'ingest.chunkBytes',
      'ingest.commit',
      DROP_PUT_PATH,
    ]);
  });

  it('sends small drops chunked to a central from before whole-drop puts, asking only once', async () => {
    const drops = [buildTestDrop({ sequence: 206 }), buildTestDrop({ sequence: 207 })];
    const buffer = await bufferWith(drops);
    const seen: string[] = [];
    const older = await olderCentral(central.url, seen, ['ingest.put']);
    cleanups.push(older.close);
    const unknownPath: number[] = [];
    const client = createCentralClient(older.url, central.token, {
      onPutPathUnknown: (status) => unknownPath.push(status),
    });

    const result = await uploadBuffered({ buffer, client, log, chunkBytes: 65536 });

    expect(result).toMatchObject({ acknowledged: 2, failed: 0 });
    for (const d of drops) {
      expect(buffer.get(d.sha256)).toMatchObject({
        state: 'acknowledged',
        centralStatus: 'stored',
      });
    }
    // Once its plain path (refused as the dashboard's), once the tRPC call (unknown): then chunks.
    expect(seen.filter((path) => path === DROP_PUT_PATH)).toHaveLength(1);
    expect(unknownPath).toEqual([405]);
    expect(seen.filter((path) => path.includes('ingest.put'))).toHaveLength(1);
    expect(seen.filter((path) => path.includes('ingest.commit'))).toHaveLength(2);
  });

  it('records a drop central already holds as acknowledged "duplicate" without sending it', async () => {
    const drop = buildTestDrop({ sequence: 301 });
    const client = createCentralClient(central.url, central.token);
    await uploadBuffered({ buffer: await bufferWith([drop]), client, log, chunkBytes: 65536 });
    const again = await bufferWith([drop]);

    const result = await uploadBuffered({ buffer: again, client, log, chunkBytes: 65536 });

    expect(result).toMatchObject({ acknowledged: 1, duplicates: 1 });
    expect(again.get(drop.sha256)).toMatchObject({
      state: 'acknowledged',
      centralStatus: 'duplicate',
    });
  });

  it("passes on the wait central's rate limit asks for, and keeps the drops buffered", async () => {
    // Three calls at once, then one every 100 s: the first drop's put costs all three.
    const limited = await startTestCentral('agent-rate-limit', 'park-a', {
      ingestRateLimit: { perSecond: 0.01, burst: 3 },
    });
    cleanups.push(() => limited.close());
    const drops = [
      buildTestDrop({ park: 'park-a', sequence: 451 }),
      buildTestDrop({ park: 'park-a', sequence: 452 }),
      buildTestDrop({ park: 'park-a', sequence: 453 }),
    ];
    const buffer = await bufferWith(drops);
    const client = createCentralClient(limited.url, limited.token);

    const result = await uploadBuffered({ buffer, client, log, chunkBytes: 65536 });

    expect(result.error).toContain('TOO_MANY_REQUESTS');
    expect(result.retryAfterS).toBeGreaterThanOrEqual(250);
    expect(result.acknowledged).toBe(1);
    expect(buffer.get(drops[0]?.sha256 ?? '')?.state).toBe('acknowledged');
    for (const d of drops.slice(1)) expect(buffer.get(d.sha256)?.state).toBe('buffered');
  });

  it("keeps drops buffered with central's message when the park token is refused", async () => {
    const drops = [buildTestDrop({ sequence: 401 }), buildTestDrop({ sequence: 402 })];
    const buffer = await bufferWith(drops);
    const client = createCentralClient(central.url, 'zra_not-a-real-token');

    const result = await uploadBuffered({ buffer, client, log, chunkBytes: 65536 });

    expect(result).toMatchObject({ acknowledged: 0, failed: 1, remaining: 2 });
    expect(result.error).toMatch(/UNAUTHORIZED.*park token not recognised/);
    expect(buffer.counts()).toMatchObject({ buffered: 2, acknowledged: 0 });
    expect(buffer.get(drops[0]?.sha256 ?? '')?.lastUploadError).toMatch(/park token/);
  });

  it('forgets a buffered drop whose blob was damaged on disk instead of sending it', async () => {
    const drop = buildTestDrop({ sequence: 601 });
    const buffer = await bufferWith([drop]);
    await writeFile(buffer.blobs.blobPath(drop.sha256), corruptZip(drop));
    const client = createCentralClient(central.url, central.token);

    const result = await uploadBuffered({ buffer, client, log, chunkBytes: 65536 });

    expect(result).toMatchObject({ acknowledged: 0, damaged: 1, remaining: 0 });
    expect(buffer.list()).toEqual([]);
    expect(
      buffer.isKnownRemoteFile({
        ride: 'r1',
        name: drop.fileName,
        size: drop.zip.length,
        mtimeMs: 0,
      }),
    ).toBe(false);
    expect(await central.query('SELECT 1 FROM batches WHERE sha256 = $1', [drop.sha256])).toEqual(
      [],
    );
  });

  it('rejects a drop central refuses as bad input three times, with its reason, and stops sending it', async () => {
    const drop = buildTestDrop({ sequence: 701 });
    // Central's begin refuses a file name over 255 characters as bad input.
    const buffer = await bufferWith([{ ...drop, fileName: `${'x'.repeat(300)}.zip` }]);
    const client = createCentralClient(central.url, central.token);
    const round = () =>
      uploadBuffered({ buffer, client, log, chunkBytes: 65536, maxRejections: 3 });

    expect(await round()).toMatchObject({ failed: 1, rejected: 0, remaining: 1, error: null });
    expect(await round()).toMatchObject({ failed: 1, rejected: 0, remaining: 1 });
    expect(await round()).toMatchObject({ failed: 0, rejected: 1, remaining: 0 });

    const rejected = buffer.get(drop.sha256);
    expect(rejected).toMatchObject({ state: 'rejected', reasonCode: 'central_rejected' });
    expect(rejected?.reason).toMatch(/central refused \(BAD_REQUEST\)/);
    expect(await round()).toMatchObject({ failed: 0, rejected: 0, acknowledged: 0 });
    expect(buffer.get(drop.sha256)?.rejections).toBe(3);
  });

  it('keeps drops buffered when central cannot be reached, and uploads them once it can', async () => {
    const drop = buildTestDrop({ sequence: 501 });
    const buffer = await bufferWith([drop]);
    const down = createCentralClient('http://127.0.0.1:9', central.token);

    const offline = await uploadBuffered({ buffer, client: down, log, chunkBytes: 65536 });
    expect(offline).toMatchObject({ acknowledged: 0, remaining: 1 });
    expect(offline.error).toMatch(/central is unreachable/);

    const up = createCentralClient(central.url, central.token);
    const online = await uploadBuffered({ buffer, client: up, log, chunkBytes: 65536 });
    expect(online).toMatchObject({ acknowledged: 1, remaining: 0 });
  });
});

describe('upload through an uplink that is cut mid-upload', () => {
  it("keeps the drop buffered and shows offline since the first failure, then resumes from central's offset and acknowledges it once", async () => {
    const drop = generateSmallDrop({
      park: 'gardaland',
      ride: 'r1',
      date: '2026-06-07',
      rateHz: 10,
    });
    const sha = createHash('sha256').update(drop.zip).digest('hex');
    const chunkBytes = 65536;
    expect(drop.zip.length).toBeGreaterThan(4 * chunkBytes);
    const remoteDir = `cut-${++counter}`;
    await putOnGateway(gw, remoteDir, drop.fileName, drop.zip);
    const proxy = await startTcpProxy(central.url);
    const data = await tempDir('agent-cut');
    cleanups.push(data.remove, () => proxy.close());
    const agent = await createAgent(
      parseAgentConfig({
        park: 'gardaland',
        dataDir: data.dir,
        central: { url: proxy.url, token: central.token },
        rides: [rideOnGateway(gw, 'r1', remoteDir)],
        chunkBytes,
      }),
      { log },
    );
    cleanups.push(() => agent.close());
    // begin and about three chunks get through; the fourth is cut mid-body.
    proxy.cutAfter(3.5 * chunkBytes);

    const cut = await agent.runOnce();

    expect(cut.rides[0]?.result?.buffered).toBe(1);
    expect(cut.upload).toMatchObject({ acknowledged: 0, remaining: 1 });
    expect(cut.upload.error).toMatch(/central is unreachable/);
    const offline = agent.status().central;
    expect(offline).toMatchObject({ state: 'offline', failures: 1 });
    expect(offline.lastError).toMatch(/central is unreachable/);
    expect(offline.offlineSince).not.toBeNull();
    expect(Date.parse(offline.nextAttemptAt ?? '')).toBeGreaterThanOrEqual(
      Date.parse(offline.offlineSince ?? ''),
    );
    expect(agent.status().drops).toMatchObject({ buffered: 1, acknowledged: 0 });
    const [held] = await central.query<{ received_bytes: string }>(
      'SELECT received_bytes FROM uploads WHERE sha256 = $1',
      [sha],
    );
    const heldBytes = Number(held?.received_bytes);
    expect(heldBytes).toBeGreaterThan(0);
    expect(heldBytes).toBeLessThan(drop.zip.length);

    // Still cut: the streak goes on and offlineSince stays at its first failure.
    expect((await agent.runOnce()).upload.acknowledged).toBe(0);
    expect(agent.status().central).toMatchObject({
      state: 'offline',
      offlineSince: offline.offlineSince,
      failures: 2,
    });

    proxy.restore();
    proxy.resetCount();
    const back = await agent.runOnce();

    expect(back.upload).toMatchObject({ acknowledged: 1, remaining: 0, error: null });
    // Resumed: what crossed the link is the rest of the file (plus requests), not all of it.
    expect(proxy.bytesToTarget).toBeLessThan(drop.zip.length - heldBytes + 16 * 1024);
    expect(agent.status().central).toMatchObject({
      state: 'online',
      offlineSince: null,
      lastError: null,
      nextAttemptAt: null,
    });
    expect(agent.status().drops).toMatchObject({ buffered: 0, acknowledged: 1 });
    const once = await central.query('SELECT id FROM batches WHERE sha256 = $1', [sha]);
    expect(once).toHaveLength(1);
    expect((await agent.runOnce()).upload.acknowledged).toBe(0);
    expect(await central.query('SELECT id FROM batches WHERE sha256 = $1', [sha])).toHaveLength(1);
  });
});

describe('the running agent and a central that comes back', () => {
  it('drains the backlog by itself once central is reachable again, without a manual round', async () => {
    const drop = buildTestDrop({ sequence: 901 });
    const remoteDir = `drain-${++counter}`;
    await putOnGateway(gw, remoteDir, drop.fileName, drop.zip);
    const proxy = await startTcpProxy(central.url);
    proxy.cut();
    const data = await tempDir('agent-drain');
    cleanups.push(data.remove, () => proxy.close());
    const agent = await createAgent(
      parseAgentConfig({
        park: 'gardaland',
        dataDir: data.dir,
        central: { url: proxy.url, token: central.token },
        rides: [rideOnGateway(gw, 'r1', remoteDir)],
        // Quick retries; the idle interval is long, so only the backoff can bring it back.
        upload: { intervalSeconds: 3600, retryBaseSeconds: 0.05, retryMaxSeconds: 0.2 },
      }),
      { log },
    );
    cleanups.push(() => agent.close());

    agent.start();
    // An upload round failed (a failed heartbeat alone marks the link offline sooner).
    await expect
      .poll(() => agent.status().central.failures, { timeout: 20_000 })
      .toBeGreaterThan(0);
    expect(agent.status().central.state).toBe('offline');
    // Buffered or in a retry that is failing right now: waiting for central either way.
    expect(agent.status().backlog.drops).toBe(1);
    proxy.restore();

    await expect.poll(() => agent.status().drops.acknowledged, { timeout: 20_000 }).toBe(1);
    expect(agent.status().central).toMatchObject({ state: 'online', offlineSince: null });
    expect(
      await central.query('SELECT id FROM batches WHERE sha256 = $1', [drop.sha256]),
    ).toHaveLength(1);
  });
});

describe('buffer cap with the real central', () => {
  it('pauses pulling for every ride with the reason while the buffer is full, and resumes once central acknowledged what it holds', async () => {
    const d1 = buildTestDrop({ ride: 'r1', sequence: 801 });
    const d2 = buildTestDrop({ ride: 'r2', sequence: 802 });
    const dirs = { r1: `full-r1-${++counter}`, r2: `full-r2-${counter}` };
    await putOnGateway(gw, dirs.r1, d1.fileName, d1.zip);
    await putOnGateway(gw, dirs.r2, d2.fileName, d2.zip);
    const proxy = await startTcpProxy(central.url);
    proxy.cut();
    const data = await tempDir('agent-full');
    cleanups.push(data.remove, () => proxy.close());
    const agent = await createAgent(
      parseAgentConfig({
        park: 'gardaland',
        dataDir: data.dir,
        central: { url: proxy.url, token: central.token },
        rides: [rideOnGateway(gw, 'r1', dirs.r1), rideOnGateway(gw, 'r2', dirs.r2)],
        buffer: { maxBytes: d1.zip.length },
        // One ride after the other, so which ride fills the buffer is known.
        maxConcurrentPulls: 1,
      }),
      { log },
    );
    cleanups.push(() => agent.close());
    const fullReason =
      /^buffer full: .* waiting for central; pulling resumes when uploads free space$/;

    const filling = await agent.runOnce();
    expect(filling.rides.map((r) => [r.id, r.result?.buffered ?? null])).toEqual([
      ['r1', 1],
      ['r2', null],
    ]);
    const full = await agent.runOnce();

    for (const ride of full.rides) expect(ride.paused).toMatch(fullReason);
    const status = agent.status();
    expect(status.rides.map((r) => r.pausedReason)).toEqual([
      status.buffer.pullPausedReason,
      status.buffer.pullPausedReason,
    ]);
    expect(status.buffer).toMatchObject({ bytes: d1.zip.length, waitingBytes: d1.zip.length });
    expect(summarize(full)).toMatch(/pulling paused: buffer full/);

    proxy.restore();
    const draining = await agent.runOnce();
    expect(draining.upload.acknowledged).toBe(1);
    expect(agent.status().buffer).toMatchObject({ bytes: 0, pullPausedReason: null });

    const resumed = await agent.runOnce();

    expect(resumed.rides.map((r) => [r.id, r.paused])).toEqual([
      ['r1', null],
      ['r2', null],
    ]);
    expect(resumed.rides[1]?.result?.buffered).toBe(1);
    expect(resumed.upload.acknowledged).toBe(1);
    const stored = await central.query<{ sha256: string }>(
      'SELECT sha256 FROM batches WHERE sha256 = ANY($1)',
      [[d1.sha256, d2.sha256]],
    );
    expect(stored.map((x) => x.sha256).sort()).toEqual([d1.sha256, d2.sha256].sort());
  });
});

/**
 * An HTTP proxy to `target` under which the procedures `hidden` do not exist (by default
 * `ingest.put` and `ingest.chunkBytes`, as before either was added): their paths are renamed,
 * so the real central answers them as unknown procedures (and `POST /ingest/put` with its
 * dashboard's 405, with `ingest.put`). `seen` gets every path.
 */
async function olderCentral(
  target: string,
  seen: string[],
  hidden: readonly string[] = ['ingest.put', 'ingest.chunkBytes'],
): Promise<HttpProxy> {
  return startHttpProxy(target, {
    intercept: (req) => {
      seen.push(req.url ?? '/');
      return false;
    },
    rewritePath: (path) =>
      path === DROP_PUT_PATH && hidden.includes('ingest.put')
        ? `${path}NotYet`
        : hidden.reduce((p, name) => p.replace(`/${name}`, `/${name}NotYet`), path),
  });
}
