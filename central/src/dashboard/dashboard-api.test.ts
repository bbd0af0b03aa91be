import { createHash } from 'node:crypto';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import type { CentralConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { createPark } from '../parks/park-store.ts';
import type { AppRouter } from '../server/router.ts';
import { createDashboardClient, type DashboardSession } from '../testing/dashboard-client.ts';
import { failingBinDir } from '../testing/failing-bin.ts';
import {
  createParkClient,
  createTestEnvironment,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { createUser } from '../users/user-store.ts';
import { startWorker } from '../worker/worker.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';

let env: TestEnvironment;
let central: RunningCentral;
let admin: DashboardSession;
let viewer: DashboardSession;
const tokens: Record<string, string> = {};
/** Park-local midnight of today in Rome plus one hour: "today" whatever the time of the run. */
let todayStart: string;
const batches: Record<string, string> = {};

async function drain(config: CentralConfig = env.config): Promise<void> {
  const worker = await startWorker(config, {
    drain: true,
    log: createLogger('silent'),
    retryDelayMs: 10,
  });
  await worker.done;
}

async function state(batchId: string): Promise<string | undefined> {
  const r = await env.pool.query<{ state: string }>('SELECT state FROM batches WHERE id = $1', [
    batchId,
  ]);
  return r.rows[0]?.state;
}

let salt = 0;
async function upload(park: string, opts: Parameters<typeof buildTestDrop>[0]): Promise<string> {
  // Cycle ids of their own: a cycle id counts once per ride (docs/central.md, counting rule).
  salt += 1;
  const drop = buildTestDrop({ park, salt, ...opts });
  const r = await uploadDrop(
    createParkClient(central.url, tokens[park] ?? ''),
    drop.zip,
    drop.fileName,
  );
  return r.batchId;
}

async function allQueued(): Promise<void> {
  await waitFor(
    'the outbox to publish every batch',
    async () => {
      const r = await env.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM batches WHERE state = 'stored'",
      );
      return r.rows[0]?.n === 0;
    },
    { timeoutMs: 30_000 },
  );
}

async function failure(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TRPCClientError);
  const e = err as TRPCClientError<AppRouter>;
  return { code: e.data?.code, message: e.message };
}

beforeAll(async () => {
  env = await createTestEnvironment('dashboard');
  // The drops below are dated early today (park-local); before 03:00 in Rome some of their
  // windows are still ahead of the clock, so ingest's clock runs a day ahead.
  central = await startCentral(env.config, {
    scheduler: false,
    uploadSweeper: false,
    now: () => Date.now() + 86_400_000,
  });
  await createUser(env.pool, { username: 'admin', password: 'admin password 1', role: 'admin' });
  await createUser(env.pool, { username: 'view', password: 'viewer password 1', role: 'viewer' });
  admin = createDashboardClient(central.url);
  await admin.login('admin', 'admin password 1');
  viewer = createDashboardClient(central.url);
  await viewer.login('view', 'viewer password 1');
  for (const id of ['alpha', 'bravo']) {
    ({ token: tokens[id] as string } = await createPark(env.pool, {
      id,
      name: id.toUpperCase(),
      timezone: 'Europe/Rome',
    }));
  }
  const r = await env.pool.query<{ t: Date }>(
    `SELECT date_trunc('day', now() AT TIME ZONE 'Europe/Rome') AT TIME ZONE 'Europe/Rome'
            + interval '1 hour' AS t`,
  );
  todayStart = (r.rows[0]?.t ?? new Date()).toISOString().replace('.000Z', 'Z');
  const hour = (n: number) =>
    new Date(Date.parse(todayStart) + n * 3_600_000).toISOString().replace('.000Z', 'Z');
  // Through the real pipeline: upload, publish, post-process with the Rust binary.
  batches.one = await upload('alpha', { sequence: 1, start: hour(0), cycles: 3 });
  batches.two = await upload('alpha', { sequence: 2, start: hour(1), cycles: 2 });
  batches.bravo = await upload('bravo', { sequence: 1, start: hour(0), cycles: 1 });
  await allQueued();
  await drain();
  // One that fails for good (the postprocessor calls it invalid) …
  batches.failed = await upload('alpha', { sequence: 3, start: hour(2), cycles: 1 });
  await allQueued();
  await drain({ ...env.config, rustBinDir: await failingBinDir(2, 'the drop is invalid') });
  // … and one that is not a drop at all.
  const junk = Buffer.from('not a zip at all');
  const sha = createHash('sha256').update(junk).digest('hex');
  const client = createParkClient(central.url, tokens.alpha ?? '');
  const begun = await client.ingest.begin.mutate({
    sha256: sha,
    contentId: sha,
    bytes: junk.length,
    fileName: 'junk.zip',
  });
  if (begun.status !== 'upload') throw new Error('junk upload not begun');
  const form = new FormData();
  form.set('uploadId', begun.uploadId);
  form.set('offset', '0');
  form.set('chunk', new Blob([junk]));
  await client.ingest.chunk.mutate(form);
  batches.junk = (await client.ingest.commit.mutate({ uploadId: begun.uploadId })).batchId;
  // The agent of alpha reports a backlog whose oldest drop waits for ten minutes.
  await client.agent.heartbeat.mutate({
    version: '1.2.3',
    buffer: { drops: 4, bytes: 4000, capBytes: null },
    backlog: {
      drops: 2,
      bytes: 2000,
      oldestPulledAt: new Date(Date.now() - 600_000).toISOString(),
    },
    offlineSince: null,
  });
});

afterAll(async () => {
  await central?.close();
  await env?.cleanup();
});

describe('dashboard read API', () => {
  it('fleet: every park with last upload, backlog age, flags, drops today by state, failures, availability', async () => {
    const fleet = await viewer.client.dashboard.fleet.query();
    expect(fleet.parks.map((p) => p.id)).toEqual(['alpha', 'bravo']);
    const [alpha, bravo] = fleet.parks;
    expect(alpha).toMatchObject({
      rides: 1,
      failedNow: 1,
      today: {
        drops: 4,
        byState: { processed: 2, failed: 1, quarantined: 1, stored: 0, queued: 0, processing: 0 },
      },
      agent: { version: '1.2.3', backlogDrops: 2, silent: false, backlogGrowing: false },
    });
    expect(alpha?.lastUploadAt).not.toBeNull();
    expect(alpha?.agent.backlogAgeS).toBeGreaterThanOrEqual(600);
    expect(alpha?.agent.backlogAgeS).toBeLessThan(3600);
    // One two-minute fault alarm per hour of data: availability just under 1.
    expect(alpha?.today.availability).toBeGreaterThan(0.9);
    expect(alpha?.today.availability).toBeLessThan(1);
    expect(bravo?.agent).toMatchObject({ silent: true, lastHeartbeatAt: null, backlogAgeS: null });
    expect(bravo?.today.byState.processed).toBe(1);
  });

  it("parks: every park's name, zone and whether it is disabled, none of the fleet's figures", async () => {
    const { parks } = await viewer.client.dashboard.parks.query();
    expect(parks).toEqual([
      { id: 'alpha', name: 'ALPHA', timezone: 'Europe/Rome', disabled: false },
      { id: 'bravo', name: 'BRAVO', timezone: 'Europe/Rome', disabled: false },
    ]);
  });

  it('park: rides, drops per park-local day by state, agent and token metadata', async () => {
    const park = await viewer.client.dashboard.park.query({ park: 'alpha', days: 7 });
    expect(park.park).toMatchObject({ id: 'alpha', name: 'ALPHA', timezone: 'Europe/Rome' });
    expect(park.rides.map((r) => r.id)).toEqual(['revolution-1']);
    expect(park.rides[0]?.availabilityToday).toBeGreaterThan(0.9);
    expect(park.dropsByDay).toHaveLength(7);
    const today = park.dropsByDay.at(-1);
    expect(today).toMatchObject({ drops: 4, byState: { processed: 2, failed: 1, quarantined: 1 } });
    expect(park.dropsByDay.slice(0, -1).every((d) => d.drops === 0)).toBe(true);
    expect(park.tokens).toHaveLength(1);
    expect(JSON.stringify(park)).not.toMatch(/[0-9a-f]{64}/);
    // What needs a person, as the fleet page says it for the same park.
    const fleet = await viewer.client.dashboard.fleet.query();
    const inFleet = fleet.parks.find((p) => p.id === 'alpha');
    expect(park.failedNow).toBe(1);
    expect(park.attention).toEqual(['failed_drops', 'quarantined_today']);
    expect(park.attention).toEqual(inFleet?.attention);
    const missing = await failure(viewer.client.dashboard.park.query({ park: 'nowhere' }));
    expect(missing.code).toBe('NOT_FOUND');
  });

  it('ride: cycles, riders and availability per day, and the top alarms', async () => {
    const ride = await viewer.client.dashboard.ride.query({
      park: 'alpha',
      ride: 'revolution-1',
      days: 3,
    });
    expect(ride.days).toHaveLength(3);
    const today = ride.days.at(-1);
    // Drops 1 and 2 (3 + 2 cycles of 20, 21, 22 riders); the failed drop has no results.
    expect(today).toMatchObject({ cycles: 5, riders: 20 + 21 + 22 + 20 + 21, hoursWithData: 2 });
    expect(today?.availability).toBeGreaterThan(0.9);
    expect(ride.days[0]).toMatchObject({ cycles: 0, availability: null, hoursWithData: 0 });
    expect(ride.topAlarms).toEqual([
      expect.objectContaining({ code: 'E-101', count: 2, downtimeS: 240 }),
    ]);
  });

  it('drops: filters by park, state and ride, and pages through each drop exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await viewer.client.dashboard.drops.query({ park: 'alpha', limit: 3, cursor });
      expect(page.drops.length).toBeLessThanOrEqual(3);
      seen.push(...page.drops.map((d) => d.batchId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.sort()).toEqual([batches.one, batches.two, batches.failed, batches.junk].sort());
    const quarantined = await viewer.client.dashboard.drops.query({ state: 'quarantined' });
    expect(quarantined.drops.map((d) => [d.park, d.batchId])).toEqual([['alpha', batches.junk]]);
    expect(quarantined.drops[0]?.error?.code).toBe('zip_corrupt');
    const all = await viewer.client.dashboard.drops.query({ ride: 'revolution-1', limit: 500 });
    expect(all.drops).toHaveLength(4);
    const future = await viewer.client.dashboard.drops.query({
      from: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(future.drops).toEqual([]);
    const nowhere = '00000000-0000-4000-8000-000000000000';
    expect(await failure(viewer.client.dashboard.drops.query({ cursor: nowhere }))).toEqual({
      code: 'BAD_REQUEST',
      message: 'cursor is not a batch: pass the nextCursor of the previous page, or omit it',
    });
    expect(await failure(viewer.client.dashboard.reports.query({ cursor: nowhere }))).toEqual({
      code: 'BAD_REQUEST',
      message: 'cursor is not a report: pass the nextCursor of the previous page, or omit it',
    });
  });

  it('drop: one batch with its results, quality findings and attempts', async () => {
    const one = await viewer.client.dashboard.drop.query({ batchId: batches.one ?? '' });
    expect(one.drop).toMatchObject({ batchId: batches.one, park: 'alpha', state: 'processed' });
    expect(one.drop.bytes).toBeGreaterThan(0);
    expect(one.results).toMatchObject({ cycles: 3, alarms: 1 });
    expect(one.results?.hours).toBeGreaterThan(0);
    expect(one.quality).toEqual([]);
    expect(one.jobRuns.map((r) => [r.outcome, r.number])).toEqual([['succeeded', 1]]);
    expect(one).toMatchObject({
      supersededBy: null,
      replaces: [],
      failure: null,
      parkName: 'ALPHA',
      rideName: 'revolution-1',
    });
    expect(one.drop.timezone).toBe('Europe/Rome');
    // Refused at upload: no results at all (not "0 cycles"), and the park's export is at fault.
    const junk = await viewer.client.dashboard.drop.query({ batchId: batches.junk ?? '' });
    expect(junk.results).toBeNull();
    expect(junk.quality).toBeNull();
    expect(junk.rideName).toBeNull();
    expect(junk.failure).toMatchObject({ code: 'zip_corrupt', fixer: 'park' });
    expect(junk.drop.error?.code).toBe('zip_corrupt');
    // Failed in post-processing: no results either; the verifiers disagree, so support.
    const failed = await viewer.client.dashboard.drop.query({ batchId: batches.failed ?? '' });
    expect(failed.results).toBeNull();
    expect(failed.quality).toBeNull();
    expect(failed.failure?.fixer).toBe('support');
    expect(failed.failure?.reason).toContain('the drop is invalid');
    const missing = await failure(
      viewer.client.dashboard.drop.query({ batchId: '00000000-0000-4000-8000-000000000000' }),
    );
    expect(missing.code).toBe('NOT_FOUND');
  });

  it('failures, job runs and queues show the failed batch and where the jobs stand', async () => {
    const failures = await viewer.client.dashboard.failures.query({});
    expect(failures.failed.map((f) => [f.batchId, f.attempts, f.fixer])).toEqual([
      [batches.failed, 1, 'support'],
    ]);
    expect(failures.failed[0]?.error?.reason).toContain('the drop is invalid');
    expect(failures.quarantined.map((q) => q.batchId)).toEqual([batches.junk]);
    const runs = await viewer.client.dashboard.jobRuns.query({ subject: batches.failed });
    expect(runs.runs).toEqual([
      expect.objectContaining({
        type: 'postprocess',
        park: 'alpha',
        timezone: 'Europe/Rome',
        subjectName: expect.stringMatching(/^alpha_revolution-1_.*\.zip$/),
        attempt: 1,
        number: 1,
        outcome: 'failed',
      }),
    ]);
    const ok = await viewer.client.dashboard.jobRuns.query({ outcome: 'succeeded', limit: 2 });
    expect(ok.runs).toHaveLength(2);
    expect(ok.nextCursor).not.toBeNull();
    const rest = await viewer.client.dashboard.jobRuns.query({
      outcome: 'succeeded',
      cursor: ok.nextCursor ?? undefined,
    });
    expect(rest.runs).toHaveLength(1);
    // A run's park is its subject's, kept on the run as it is written.
    const bravo = await viewer.client.dashboard.jobRuns.query({ park: 'bravo' });
    expect(bravo.runs.map((r) => [r.subject, r.park])).toEqual([[batches.bravo, 'bravo']]);
    const alpha = await viewer.client.dashboard.jobRuns.query({
      park: 'alpha',
      type: 'postprocess',
    });
    expect(new Set(alpha.runs.map((r) => r.subject))).toEqual(
      new Set([batches.one, batches.two, batches.failed]),
    );
    expect(await viewer.client.dashboard.jobRuns.query({ outcome: 'running' })).toEqual({
      runs: [],
      nextCursor: null,
    });
    const queues = await viewer.client.dashboard.queues.query();
    expect(queues.broker).toBe('reachable');
    expect(queues.queues.map((q) => [q.queue, q.deadLetter])).toEqual([
      ['postprocess', false],
      ['postprocess', true],
      ['report', false],
      ['report', true],
      ['download', false],
      ['download', true],
    ]);
    expect(queues.queues.every((q) => q.messages === 0)).toBe(true);
    expect(queues.outbox.unpublished).toBe(0);
    expect(queues.batchesByState).toMatchObject({ processed: 3, failed: 1, quarantined: 1 });
  });
});

describe('dashboard.queues with the broker down', () => {
  it('answers unreachable with the reason, and the database-side figures', async () => {
    const noBroker = await startCentral(
      { ...env.config, amqpUrl: 'amqp://guest:guest@127.0.0.1:1' },
      { publisher: false, scheduler: false, uploadSweeper: false, stuckJobSweeper: false },
    );
    try {
      const s = createDashboardClient(noBroker.url);
      await s.login('view', 'viewer password 1');
      const q = await s.client.dashboard.queues.query();
      expect(q).toMatchObject({ broker: 'unreachable', queues: [] });
      expect(q.brokerError).toBeTruthy();
      expect(q.batchesByState.processed).toBeGreaterThan(0);
    } finally {
      await noBroker.close();
    }
  });
});

describe('admin API', () => {
  it('requeues a failed batch: back to the queue through the outbox, then processed', async () => {
    const done = await viewer.client.admin.requeueBatch
      .mutate({ batchId: batches.failed ?? '' })
      .catch((e: unknown) => e);
    expect((done as TRPCClientError<AppRouter>).data?.code).toBe('FORBIDDEN');
    expect(await admin.client.admin.requeueBatch.mutate({ batchId: batches.failed ?? '' })).toEqual(
      {
        batchId: batches.failed,
        state: 'stored',
      },
    );
    await waitFor(
      'the requeued batch to be queued',
      async () => (await state(batches.failed ?? '')) === 'queued',
      {
        timeoutMs: 30_000,
      },
    );
    await drain();
    expect(await state(batches.failed ?? '')).toBe('processed');
    // Runs are numbered across the requeue; the worker's attempt restarts with the new round.
    const detail = await viewer.client.dashboard.drop.query({ batchId: batches.failed ?? '' });
    expect(detail.jobRuns.map((r) => [r.number, r.attempt, r.outcome])).toEqual([
      [2, 1, 'succeeded'],
      [1, 1, 'failed'],
    ]);
    expect(detail.failure).toBeNull();
    expect(detail.results?.cycles).toBe(1);
    const again = await failure(
      admin.client.admin.requeueBatch.mutate({ batchId: batches.failed ?? '' }),
    );
    expect(again.code).toBe('PRECONDITION_FAILED');
    expect(again.message).toContain('only failed batches');
  });

  it('generates a report now; the list links its files, which need a session to download', async () => {
    const { reportId } = await admin.client.admin.requestReport.mutate({
      park: 'alpha',
      ride: 'revolution-1',
      from: new Date(Date.parse(todayStart) - 3_600_000).toISOString(),
      to: new Date(Date.parse(todayStart) + 23 * 3_600_000).toISOString(),
    });
    const queued = await viewer.client.dashboard.reports.query({ park: 'alpha' });
    expect(queued.reports.map((r) => [r.id, r.files])).toEqual([[reportId, null]]);
    await waitFor(
      'the report message to be published',
      async () => {
        const r = await env.pool.query(
          'SELECT 1 FROM outbox WHERE message_id = $1 AND published_at IS NOT NULL',
          [reportId],
        );
        return r.rowCount === 1;
      },
      { timeoutMs: 30_000 },
    );
    await drain();
    const ready = await viewer.client.dashboard.reports.query({ state: 'ready' });
    const report = ready.reports[0];
    expect(report).toMatchObject({
      id: reportId,
      park: 'alpha',
      ride: 'revolution-1',
      state: 'ready',
    });
    expect(JSON.stringify(ready)).not.toContain(env.config.blobDir);
    const pdf = await fetch(`${central.url}${report?.files?.pdf ?? ''}`, {
      headers: { cookie: viewer.cookie() ?? '' },
    });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    const html = await fetch(`${central.url}${report?.files?.html ?? ''}`, {
      headers: { cookie: viewer.cookie() ?? '' },
    });
    expect(html.headers.get('content-security-policy')).toBe('sandbox');
    const anonymous = await fetch(`${central.url}${report?.files?.pdf ?? ''}`);
    expect(anonymous.status).toBe(401);
  });

  it('requeues a failed report, which is then built', async () => {
    const { reportId } = await admin.client.admin.requestReport.mutate({
      park: 'alpha',
      from: new Date(Date.parse(todayStart) - 3_600_000).toISOString(),
      to: new Date(Date.parse(todayStart) + 23 * 3_600_000).toISOString(),
    });
    const published = () =>
      waitFor(
        'the report message to be published',
        async () => {
          const r = await env.pool.query(
            'SELECT 1 FROM outbox WHERE message_id = $1 AND published_at IS NULL',
            [reportId],
          );
          return r.rowCount === 0;
        },
        { timeoutMs: 30_000 },
      );
    await published();
    await drain({ ...env.config, rustBinDir: await failingBinDir(2, 'reporter refused') });
    const failures = await viewer.client.dashboard.failures.query({ park: 'alpha' });
    expect(failures.reports.map((r) => r.id)).toContain(reportId);
    expect(await admin.client.admin.requeueReport.mutate({ reportId })).toEqual({
      reportId,
      state: 'queued',
    });
    await published();
    await drain();
    const ready = await viewer.client.dashboard.reports.query({ state: 'ready', park: 'alpha' });
    expect(ready.reports.map((r) => r.id)).toContain(reportId);
    const again = await failure(admin.client.admin.requeueReport.mutate({ reportId }));
    expect(again.code).toBe('PRECONDITION_FAILED');
  });

  it('creates a park whose token uploads; a revoked token is refused by ingest', async () => {
    const created = await admin.client.admin.createPark.mutate({
      id: 'charlie',
      name: 'Charlie',
      timezone: 'Europe/Rome',
    });
    expect(created.token).toMatch(/^zra_/);
    tokens.charlie = created.token;
    expect(await upload('charlie', { sequence: 1 })).toMatch(/^[0-9a-f-]{36}$/);
    const taken = await failure(
      admin.client.admin.createPark.mutate({ id: 'charlie', name: 'C', timezone: 'Europe/Rome' }),
    );
    expect(taken.code).toBe('CONFLICT');
    const second = await admin.client.admin.createParkToken.mutate({ park: 'charlie' });
    const park = await viewer.client.dashboard.park.query({ park: 'charlie' });
    expect(park.tokens.map((t) => t.id)).toContain(second.tokenId);
    const first = park.tokens.find((t) => t.id !== second.tokenId);
    const revoked = await admin.client.admin.revokeParkToken.mutate({ tokenId: first?.id ?? '' });
    expect(revoked).toMatchObject({ park: 'charlie', tokenId: first?.id });
    const refused = await failure(
      createParkClient(central.url, created.token).agent.heartbeat.mutate({
        version: '1',
        buffer: { drops: 0, bytes: 0, capBytes: null },
        backlog: { drops: 0, bytes: 0, oldestPulledAt: null },
        offlineSince: null,
      }),
    );
    expect(refused.code).toBe('UNAUTHORIZED');
    const drop = buildTestDrop({ park: 'charlie', sequence: 2 });
    const ingest = await failure(
      uploadDrop(createParkClient(central.url, created.token), drop.zip, drop.fileName),
    );
    expect(ingest.code).toBe('UNAUTHORIZED');
    // The new token still works.
    const ok = await uploadDrop(
      createParkClient(central.url, second.token),
      drop.zip,
      drop.fileName,
    );
    expect(ok.status).toBe('stored');
    const missing = await failure(admin.client.admin.revokeParkToken.mutate({ tokenId: '999999' }));
    expect(missing.code).toBe('NOT_FOUND');
  });

  it('creates a park with opening hours and changes them; bad hours are refused', async () => {
    const created = await admin.client.admin.createPark.mutate({
      id: 'delta',
      name: 'Delta',
      timezone: 'Europe/Rome',
      openingHours: { open: '10:00', close: '18:00', days: { mon: null } },
    });
    expect(created.park.id).toBe('delta');
    const set = await admin.client.admin.setOpeningHours.mutate({
      park: 'delta',
      openingHours: { open: '09:30', close: '22:00' },
    });
    expect(set).toEqual({ park: 'delta', openingHours: { open: '09:30', close: '22:00' } });
    const stored = await env.pool.query<{ opening_hours: unknown }>(
      "SELECT opening_hours FROM parks WHERE id = 'delta'",
    );
    expect(stored.rows[0]?.opening_hours).toEqual({ open: '09:30', close: '22:00' });
    const backwards = await failure(
      admin.client.admin.setOpeningHours.mutate({
        park: 'delta',
        openingHours: { open: '22:00', close: '09:30' },
      }),
    );
    expect(backwards.code).toBe('BAD_REQUEST');
    const missing = await failure(
      admin.client.admin.setOpeningHours.mutate({
        park: 'nowhere',
        openingHours: { open: '09:00', close: '19:00' },
      }),
    );
    expect(missing.code).toBe('NOT_FOUND');
    const forbidden = await failure(
      viewer.client.admin.setOpeningHours.mutate({
        park: 'delta',
        openingHours: { open: '09:00', close: '19:00' },
      }),
    );
    expect(forbidden.code).toBe('FORBIDDEN');
  });

  it('names a ride, and refuses a ride the park does not have', async () => {
    const ride = await admin.client.admin.renameRide.mutate({
      park: 'alpha',
      ride: 'revolution-1',
      name: 'Discovery Revolution',
    });
    expect(ride).toMatchObject({ id: 'revolution-1', name: 'Discovery Revolution' });
    const park = await viewer.client.dashboard.park.query({ park: 'alpha' });
    expect(park.rides[0]?.name).toBe('Discovery Revolution');
    const missing = await failure(
      admin.client.admin.renameRide.mutate({ park: 'alpha', ride: 'nope', name: 'X' }),
    );
    expect(missing.code).toBe('NOT_FOUND');
  });

  it('adds and disables a report rule', async () => {
    const rule = await admin.client.admin.addReportRule.mutate({
      park: 'alpha',
      cron: '0 6 * * *',
      period: 'day',
    });
    await admin.client.admin.setReportRuleEnabled.mutate({ ruleId: rule.id, enabled: false });
    const { rules } = await viewer.client.dashboard.reportRules.query();
    expect(rules).toEqual([
      expect.objectContaining({ id: rule.id, enabled: false, park: 'alpha' }),
    ]);
  });
});
