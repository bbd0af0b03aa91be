import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import type { HeartbeatInput } from '../agents/heartbeat-schemas.ts';
import { createLogger } from '../logger.ts';
import { createPark } from '../parks/park-store.ts';
import type { AppRouter } from '../server/router.ts';
import { createDashboardClient, type DashboardSession } from '../testing/dashboard-client.ts';
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
import { parkDaysPeriod } from '../admin/day-report-request.ts';
import { fleetOverview } from './fleet-overview.ts';
import { FIXER_BY_CODE, JOB_CODES } from './who-fixes.ts';

/**
 * The dashboard's park-side view (what agents report), its admin changes (parks, users,
 * tokens, report rules) and report requests by park-local day, against the real central.
 */
let env: TestEnvironment;
let central: RunningCentral;
let admin: DashboardSession;
let viewer: DashboardSession;
const tokens: Record<string, string> = {};

async function failure(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TRPCClientError);
  const e = err as TRPCClientError<AppRouter>;
  return { code: e.data?.code, message: e.message };
}

function heartbeat(extra: Partial<HeartbeatInput> = {}): HeartbeatInput {
  return {
    version: '0.2.0',
    buffer: { drops: 3, bytes: 3_000, capBytes: null },
    backlog: {
      drops: 3,
      bytes: 3_000,
      oldestPulledAt: new Date(Date.now() - 3_600_000).toISOString(),
    },
    offlineSince: null,
    ...extra,
  };
}

async function drain(): Promise<void> {
  const worker = await startWorker(env.config, {
    drain: true,
    log: createLogger('silent'),
    retryDelayMs: 10,
  });
  await worker.done;
}

async function published(): Promise<void> {
  await waitFor(
    'the outbox to publish everything',
    async () => {
      const r = await env.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL',
      );
      return r.rows[0]?.n === 0;
    },
    { timeoutMs: 30_000 },
  );
}

beforeAll(async () => {
  env = await createTestEnvironment('dashboard_admin');
  central = await startCentral(env.config, { scheduler: false, uploadSweeper: false });
  await createUser(env.pool, { username: 'admin', password: 'admin password 1', role: 'admin' });
  await createUser(env.pool, { username: 'view', password: 'viewer password 1', role: 'viewer' });
  admin = createDashboardClient(central.url);
  await admin.login('admin', 'admin password 1');
  viewer = createDashboardClient(central.url);
  await viewer.login('view', 'viewer password 1');
  for (const id of ['rome', 'old', 'quiet']) {
    ({ token: tokens[id] as string } = await createPark(env.pool, {
      id,
      name: `Park ${id}`,
      timezone: 'Europe/Rome',
    }));
  }
});

afterAll(async () => {
  await central?.close();
  await env?.cleanup();
});

describe('park-side problems from the heartbeat', () => {
  it('shows failing and paused rides and the quarantine the agent reports, and flags the park', async () => {
    const client = createParkClient(central.url, tokens.rome ?? '');
    await client.agent.heartbeat.mutate(
      heartbeat({
        rides: [
          {
            id: 'revolution-1',
            lastPullAt: '2026-12-02T10:00:00Z',
            lastSuccessAt: '2026-12-02T08:00:00Z',
            lastError: 'the gateway 10.0.0.7:22 does not answer:\n check its power and cable',
            pausedReason: null,
            hostKeyChanged: false,
          },
          {
            id: 'wave-2',
            lastPullAt: '2026-12-02T10:00:00Z',
            lastSuccessAt: '2026-12-02T10:00:00Z',
            lastError: null,
            pausedReason: 'the buffer is full (10 GiB): pulling waits for uploads',
            hostKeyChanged: false,
          },
          {
            id: 'tower-3',
            lastPullAt: null,
            lastSuccessAt: null,
            lastError: null,
            pausedReason: null,
            hostKeyChanged: true,
          },
        ],
        quarantine: { drops: 2, latestAt: '2026-12-02T09:30:00Z' },
      }),
    );
    // An agent before this change sends neither field: "not reported", never "all fine".
    await createParkClient(central.url, tokens.old ?? '').agent.heartbeat.mutate(heartbeat());
    const fleet = await viewer.client.dashboard.fleet.query();
    const rome = fleet.parks.find((p) => p.id === 'rome');
    expect(rome?.attention).toEqual(['rides_failing', 'quarantined_at_park', 'rides_paused']);
    expect(rome?.agent.quarantinedDrops).toBe(2);
    // The fleet page counts the rides; the park page lists them with the agent's words.
    expect(rome?.agent.rideCounts).toEqual({ total: 3, failing: 2, paused: 1 });
    const page = await viewer.client.dashboard.park.query({ park: 'rome' });
    expect(page.agent.rides?.map((r) => [r.id, r.state])).toEqual([
      ['revolution-1', 'failing'],
      ['wave-2', 'paused'],
      ['tower-3', 'failing'],
    ]);
    // The agent's text is one line when shown.
    expect(page.agent.rides?.[0]?.problem).toBe(
      'the gateway 10.0.0.7:22 does not answer: check its power and cable',
    );
    expect(page.agent.rides?.[2]?.problem).toContain('host key');
    expect(page.attention).toEqual(rome?.attention);
    const old = fleet.parks.find((p) => p.id === 'old');
    expect(old?.agent).toMatchObject({ rideCounts: null, quarantinedDrops: null, silent: false });
    expect(old?.attention).toEqual([]);
    const quiet = fleet.parks.find((p) => p.id === 'quiet');
    expect(quiet?.attention).toEqual(['never_heard']);
  });

  it("keeps a silent agent's last known figures, flagged silent", async () => {
    // Judged a minute later with a 1 ms silence threshold: every agent is silent by then.
    const later = await fleetOverview(env.pool, 1, Date.now() + 60_000);
    const rome = later.parks.find((p) => p.id === 'rome');
    expect(rome?.agent.silent).toBe(true);
    expect(rome?.attention[0]).toBe('silent');
    expect(rome?.attention).toContain('rides_failing');
    expect(rome?.agent.backlogDrops).toBe(3);
    expect(rome?.agent.lastHeartbeatAt).not.toBeNull();
    // The backlog's age goes on growing while nobody hears from the park.
    expect(rome?.agent.backlogAgeS).toBeGreaterThanOrEqual(3600 + 60);
  });

  it('refuses a ride report that is not a ride id or too long', async () => {
    const client = createParkClient(central.url, tokens.old ?? '');
    const bad = await failure(
      client.agent.heartbeat.mutate(
        heartbeat({
          rides: [
            {
              id: '../etc',
              lastPullAt: null,
              lastSuccessAt: null,
              lastError: null,
              pausedReason: null,
              hostKeyChanged: false,
            },
          ],
        }),
      ),
    );
    expect(bad.code).toBe('BAD_REQUEST');
  });
});

describe('who fixes a failure', () => {
  it('names a fixer for every job error code central knows', () => {
    expect(JOB_CODES.filter((c) => !FIXER_BY_CODE[c])).toEqual([]);
  });

  it('sends an unknown ride model to an admin at central, not to the park', async () => {
    const drop = buildTestDrop({ park: 'rome', model: 'no-such-model', sequence: 1 });
    const { batchId } = await uploadDrop(
      createParkClient(central.url, tokens.rome ?? ''),
      drop.zip,
      drop.fileName,
    );
    await published();
    await drain();
    const detail = await viewer.client.dashboard.drop.query({ batchId });
    expect(detail.drop.state).toBe('failed');
    expect(detail.failure).toMatchObject({ code: 'unknown_ride_model', fixer: 'central_admin' });
    expect(detail.results).toBeNull();
    expect(detail.rideName).toBe('revolution-1');
    const failures = await viewer.client.dashboard.failures.query({ park: 'rome' });
    expect(failures.failed.map((f) => f.fixer)).toEqual(['central_admin']);
    const fleet = await viewer.client.dashboard.fleet.query();
    expect(fleet.parks.find((p) => p.id === 'rome')?.attention).toContain('failed_drops');
  });
});

describe('reports by park-local day', () => {
  it('turns park-local days into the UTC period, DST days included', () => {
    expect(parkDaysPeriod('Europe/Rome', '2026-12-02', '2026-12-02')).toEqual({
      from: new Date('2026-12-01T23:00:00Z'),
      to: new Date('2026-12-02T23:00:00Z'),
    });
    // 29 March 2026: Rome springs forward, a 23-hour day.
    const spring = parkDaysPeriod('Europe/Rome', '2026-03-29', '2026-03-29');
    expect(spring.to.getTime() - spring.from.getTime()).toBe(23 * 3_600_000);
    // A week across the end of October (fall back): 7 × 24 + 1 hours.
    const week = parkDaysPeriod('Europe/Rome', '2026-10-19', '2026-10-25');
    expect(week.to.getTime() - week.from.getTime()).toBe((7 * 24 + 1) * 3_600_000);
    expect(parkDaysPeriod('America/New_York', '2026-12-31', '2026-12-31')).toEqual({
      from: new Date('2026-12-31T05:00:00Z'),
      to: new Date('2027-01-01T05:00:00Z'),
    });
  });

  it("lets a viewer request a report of a park-local day, and stores the park's midnights", async () => {
    const queued = await viewer.client.dashboard.requestReport.mutate({
      park: 'rome',
      firstDay: '2026-12-02',
      lastDay: '2026-12-02',
    });
    expect(queued).toMatchObject({
      from: '2026-12-01T23:00:00.000Z',
      to: '2026-12-02T23:00:00.000Z',
      timezone: 'Europe/Rome',
    });
    const stored = await viewer.client.dashboard.reports.query({ park: 'rome' });
    expect(stored.reports.find((r) => r.id === queued.reportId)).toMatchObject({
      period: { start: '2026-12-01T23:00:00.000Z', end: '2026-12-02T23:00:00.000Z' },
      timezone: 'Europe/Rome',
    });
    const backwards = await failure(
      viewer.client.dashboard.requestReport.mutate({
        park: 'rome',
        firstDay: '2026-12-03',
        lastDay: '2026-12-02',
      }),
    );
    expect(backwards.code).toBe('BAD_REQUEST');
    const nowhere = await failure(
      viewer.client.dashboard.requestReport.mutate({
        park: 'nowhere',
        firstDay: '2026-12-02',
        lastDay: '2026-12-02',
      }),
    );
    expect(nowhere).toMatchObject({ code: 'NOT_FOUND', message: 'there is no park "nowhere"' });
    // A mutation without the session's CSRF header is refused for viewers too.
    viewer.setCsrf('forged');
    try {
      const forged = await failure(
        viewer.client.dashboard.requestReport.mutate({
          park: 'rome',
          firstDay: '2026-12-02',
          lastDay: '2026-12-02',
        }),
      );
      expect(forged.code).toBe('FORBIDDEN');
    } finally {
      await viewer.login('view', 'viewer password 1');
    }
  });
});

describe('report rules', () => {
  /** The next instant after `now` at which Rome's clock reads 06:00, found by trying each hour. */
  function nextRomeSix(now: number): string {
    const hour = (t: number) =>
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Rome',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(t);
    let t = Math.floor(now / 3_600_000) * 3_600_000 + 3_600_000;
    while (hour(t) !== '06:00') t += 3_600_000;
    return new Date(t).toISOString();
  }

  it("shows a rule's next firing, pauses and deletes it; its reports stay", async () => {
    const rule = await admin.client.admin.addReportRule.mutate({
      park: 'rome',
      cron: '0 6 * * *',
      period: 'day',
    });
    const listed = async () =>
      (await viewer.client.dashboard.reportRules.query()).rules.find((r) => r.id === rule.id);
    const before = Date.now();
    const shown = await listed();
    expect([nextRomeSix(before), nextRomeSix(Date.now())]).toContain(shown?.nextFiringAt);
    await admin.client.admin.setReportRuleEnabled.mutate({ ruleId: rule.id, enabled: false });
    expect(await listed()).toMatchObject({ enabled: false, nextFiringAt: null });
    // A firing that happened before the delete keeps its report.
    await env.pool.query(
      `INSERT INTO reports (id, park_id, period_start, period_end, language)
       VALUES ('00000000-0000-4000-8000-00000000000a', 'rome', now() - interval '1 day', now(), 'en')`,
    );
    await env.pool.query(
      `INSERT INTO report_firings (rule_id, scheduled_at, report_id)
       VALUES ($1, now(), '00000000-0000-4000-8000-00000000000a')`,
      [rule.id],
    );
    const refused = await failure(viewer.client.admin.deleteReportRule.mutate({ ruleId: rule.id }));
    expect(refused.code).toBe('FORBIDDEN');
    expect(await admin.client.admin.deleteReportRule.mutate({ ruleId: rule.id })).toEqual({
      ruleId: rule.id,
    });
    expect(await listed()).toBeUndefined();
    const kept = await env.pool.query(
      "SELECT 1 FROM reports WHERE id = '00000000-0000-4000-8000-00000000000a'",
    );
    expect(kept.rowCount).toBe(1);
    const gone = await failure(admin.client.admin.deleteReportRule.mutate({ ruleId: rule.id }));
    expect(gone.code).toBe('NOT_FOUND');
  });
});

describe('parks: tokens, disable, delete', () => {
  it('labels a token and shows when central last accepted it', async () => {
    const made = await admin.client.admin.createParkToken.mutate({
      park: 'quiet',
      label: 'access node, hall 2',
    });
    const before = await viewer.client.dashboard.park.query({ park: 'quiet' });
    expect(before.tokens.find((t) => t.id === made.tokenId)).toMatchObject({
      label: 'access node, hall 2',
      lastUsedAt: null,
    });
    await createParkClient(central.url, made.token).agent.heartbeat.mutate(heartbeat());
    const after = await viewer.client.dashboard.park.query({ park: 'quiet' });
    const used = after.tokens.find((t) => t.id === made.tokenId)?.lastUsedAt;
    expect(used).not.toBeNull();
    expect(Math.abs(Date.parse(used ?? '') - Date.now())).toBeLessThan(60_000);
  });

  it('a disabled park keeps its data, refuses its tokens and fires no rules; enabled again it works', async () => {
    const rule = await admin.client.admin.addReportRule.mutate({
      park: 'quiet',
      cron: '0 6 * * *',
      period: 'day',
    });
    await admin.client.admin.setParkDisabled.mutate({ park: 'quiet', disabled: true });
    const refused = await failure(
      createParkClient(central.url, tokens.quiet ?? '').agent.heartbeat.mutate(heartbeat()),
    );
    expect(refused.code).toBe('UNAUTHORIZED');
    const fleet = await viewer.client.dashboard.fleet.query();
    expect(fleet.parks.find((p) => p.id === 'quiet')).toMatchObject({
      disabled: true,
      attention: ['disabled'],
    });
    // The park page and the park pickers say so too.
    const page = await viewer.client.dashboard.park.query({ park: 'quiet' });
    expect(page.attention).toEqual(['disabled']);
    const { parks } = await viewer.client.dashboard.parks.query();
    expect(parks.find((p) => p.id === 'quiet')).toMatchObject({ disabled: true });
    expect(parks.filter((p) => p.disabled).map((p) => p.id)).toEqual(['quiet']);
    const rules = await viewer.client.dashboard.reportRules.query();
    expect(rules.rules.find((r) => r.id === rule.id)).toMatchObject({
      parkDisabled: true,
      nextFiringAt: null,
    });
    await admin.client.admin.setParkDisabled.mutate({ park: 'quiet', disabled: false });
    await createParkClient(central.url, tokens.quiet ?? '').agent.heartbeat.mutate(heartbeat());
    await admin.client.admin.deleteReportRule.mutate({ ruleId: rule.id });
  });

  it('deletes a park without data, and refuses one with data (disable it instead)', async () => {
    const withData = await failure(admin.client.admin.deletePark.mutate({ park: 'rome' }));
    expect(withData.code).toBe('PRECONDITION_FAILED');
    expect(withData.message).toContain('disable it instead');
    await admin.client.admin.addReportRule.mutate({
      park: 'quiet',
      cron: '0 6 * * *',
      period: 'day',
    });
    expect(await admin.client.admin.deletePark.mutate({ park: 'quiet' })).toEqual({
      park: 'quiet',
    });
    const fleet = await viewer.client.dashboard.fleet.query();
    expect(fleet.parks.map((p) => p.id)).not.toContain('quiet');
    expect(
      (await viewer.client.dashboard.reportRules.query()).rules.map((r) => r.park),
    ).not.toContain('quiet');
    const forbidden = await failure(viewer.client.admin.deletePark.mutate({ park: 'old' }));
    expect(forbidden.code).toBe('FORBIDDEN');
  });
});

describe('users: disable and delete', () => {
  it('a disabled user is signed out at once and cannot sign in; enabled again they can', async () => {
    await createUser(env.pool, { username: 'temp', password: 'temp password 1', role: 'viewer' });
    const temp = createDashboardClient(central.url);
    await temp.login('temp', 'temp password 1');
    const user = await admin.client.admin.setUserDisabled.mutate({
      username: 'temp',
      disabled: true,
    });
    expect(user.disabledAt).not.toBeNull();
    expect((await failure(temp.client.dashboard.fleet.query())).code).toBe('UNAUTHORIZED');
    const again = createDashboardClient(central.url);
    expect((await failure(again.login('temp', 'temp password 1'))).code).toBe('UNAUTHORIZED');
    const listed = await admin.client.admin.users.query();
    expect(listed.users.find((u) => u.username === 'temp')?.disabledAt).not.toBeNull();
    await admin.client.admin.setUserDisabled.mutate({ username: 'temp', disabled: false });
    await again.login('temp', 'temp password 1');
    await admin.client.admin.deleteUser.mutate({ username: 'temp' });
    expect((await failure(again.client.dashboard.fleet.query())).code).toBe('UNAUTHORIZED');
    expect((await admin.client.admin.users.query()).users.map((u) => u.username)).toEqual([
      'admin',
      'view',
    ]);
  });

  it('refuses to disable or delete oneself, or the last admin who can sign in', async () => {
    const self = await failure(
      admin.client.admin.setUserDisabled.mutate({ username: 'admin', disabled: true }),
    );
    expect(self).toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect(self.message).toContain('ask another admin');
    expect((await failure(admin.client.admin.deleteUser.mutate({ username: 'admin' }))).code).toBe(
      'PRECONDITION_FAILED',
    );
    // A second admin may not take out the first while the first is the only enabled admin.
    await createUser(env.pool, { username: 'boss', password: 'boss password 1', role: 'admin' });
    const boss = createDashboardClient(central.url);
    await boss.login('boss', 'boss password 1');
    await boss.client.admin.setUserDisabled.mutate({ username: 'admin', disabled: true });
    const last = await failure(
      boss.client.admin.setUserRole.mutate({ username: 'boss', role: 'viewer' }),
    );
    expect(last.code).toBe('PRECONDITION_FAILED');
    await boss.client.admin.setUserDisabled.mutate({ username: 'admin', disabled: false });
    await admin.login('admin', 'admin password 1');
  });
});
