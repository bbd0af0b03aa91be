import { localParts, localToUtc } from '@zra/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../db/pool.ts';
import { createLogger } from '../logger.ts';
import { createPark } from '../parks/park-store.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import { missedFirings } from './missed-firings.ts';
import { fireReportRule } from './report-firing.ts';
import { periodEndingAt } from './report-period.ts';
import { addReportRule, listReportRules } from './report-rules.ts';
import { startReportScheduler } from './report-scheduler.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';

let env: TestEnvironment;

beforeAll(async () => {
  env = await createTestEnvironment('scheduler');
  await createPark(env.pool, { id: 'sched-park', name: 'Sched', timezone: 'Europe/Rome' });
  await createPark(env.pool, { id: 'race-park', name: 'Race', timezone: 'America/New_York' });
});

afterAll(async () => {
  await env?.cleanup();
});

const iso = (p: { from: Date; to: Date }) => [p.from.toISOString(), p.to.toISOString()];

describe('report period', () => {
  it('covers the park-local day that just ended for a daily rule firing at 06:00', () => {
    const p = periodEndingAt(new Date('2026-06-02T04:00:00Z'), 'day', 'Europe/Rome');
    expect(iso(p)).toEqual(['2026-05-31T22:00:00.000Z', '2026-06-01T22:00:00.000Z']);
  });

  it('gives the spring-forward day 23 hours', () => {
    const p = periodEndingAt(new Date('2026-03-30T04:00:00Z'), 'day', 'Europe/Rome');
    expect(iso(p)).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
  });

  it('covers the previous Monday-to-Monday week and the previous month', () => {
    const week = periodEndingAt(new Date('2026-06-10T04:00:00Z'), 'week', 'Europe/Rome');
    expect(iso(week)).toEqual(['2026-05-31T22:00:00.000Z', '2026-06-07T22:00:00.000Z']);
    const month = periodEndingAt(new Date('2026-06-01T04:00:00Z'), 'month', 'Europe/Rome');
    expect(iso(month)).toEqual(['2026-04-30T22:00:00.000Z', '2026-05-31T22:00:00.000Z']);
  });

  it('gives every DST change day its real length, 23 to 25 hours, starting at its first instant', () => {
    // [zone, day, from, to, hours]: a daily rule firing the next day at 06:00 and at 00:00.
    const cases: [string, string, string, string, number][] = [
      ['Europe/Rome', '2026-03-29', '2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z', 23],
      ['Europe/Rome', '2026-10-25', '2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z', 25],
      ['America/New_York', '2026-03-08', '2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z', 23],
      ['America/New_York', '2026-11-01', '2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z', 25],
      // +11:00 -> +10:30 and back: half-hour changes.
      ['Australia/Lord_Howe', '2026-04-05', '2026-04-04T13:00:00Z', '2026-04-05T13:30:00Z', 24.5],
      ['Australia/Lord_Howe', '2026-10-04', '2026-10-03T13:30:00Z', '2026-10-04T13:00:00Z', 23.5],
      // Changes at midnight: the repeated hour ends the day before; a skipped midnight starts
      // the day at 01:00.
      ['America/Santiago', '2026-04-04', '2026-04-04T03:00:00Z', '2026-04-05T04:00:00Z', 25],
      ['America/Santiago', '2026-09-06', '2026-09-06T04:00:00Z', '2026-09-07T03:00:00Z', 23],
      ['Asia/Beirut', '2026-03-29', '2026-03-28T22:00:00Z', '2026-03-29T21:00:00Z', 23],
      ['Asia/Beirut', '2026-10-24', '2026-10-23T21:00:00Z', '2026-10-24T22:00:00Z', 25],
      ['Asia/Kolkata', '2026-03-29', '2026-03-28T18:30:00Z', '2026-03-29T18:30:00Z', 24],
    ];
    for (const [zone, date, from, to, hours] of cases) {
      const [y, m, d] = date.split('-').map(Number) as [number, number, number];
      for (const hour of [6, 0]) {
        const firing = new Date(localToUtc(zone, y, m, d + 1, hour));
        const p = periodEndingAt(firing, 'day', zone);
        const at = `${zone} ${date}, fired at ${String(hour).padStart(2, '0')}:00 the day after`;
        expect(iso(p), at).toEqual([from.replace('Z', '.000Z'), to.replace('Z', '.000Z')]);
        expect((p.to.getTime() - p.from.getTime()) / 3_600_000, at).toBe(hours);
        expect(localParts(p.from.getTime(), zone).day, at).toBe(d);
      }
    }
    const march = periodEndingAt(new Date('2026-04-01T04:00:00Z'), 'month', 'Australia/Lord_Howe');
    expect(iso(march)).toEqual(['2026-02-28T13:00:00.000Z', '2026-03-31T13:00:00.000Z']);
    const week = periodEndingAt(new Date('2026-04-06T04:00:00Z'), 'week', 'Australia/Lord_Howe');
    expect(iso(week)).toEqual(['2026-03-29T13:00:00.000Z', '2026-04-05T13:30:00.000Z']);
  });

  it("uses the park's calendar, not UTC's, near midnight", () => {
    // 02:00 UTC on 2 June is still 1 June, 22:00, in New York: yesterday there is 31 May.
    const p = periodEndingAt(new Date('2026-06-02T02:00:00Z'), 'day', 'America/New_York');
    expect(iso(p)).toEqual(['2026-05-31T04:00:00.000Z', '2026-06-01T04:00:00.000Z']);
  });
});

describe('report rules', () => {
  it('refuses an invalid cron expression with an example of a valid one', async () => {
    await expect(
      addReportRule(env.pool, { park: 'sched-park', cron: 'every morning', period: 'day' }),
    ).rejects.toThrow(/0 6 \* \* \*/);
  });

  it("refuses a rule for a ride the park does not have, and defaults to the park's language", async () => {
    await expect(
      addReportRule(env.pool, {
        park: 'sched-park',
        ride: 'nope',
        cron: '0 6 * * *',
        period: 'day',
      }),
    ).rejects.toThrow(/has no ride "nope"/);
    const rule = await addReportRule(env.pool, {
      park: 'sched-park',
      cron: '0 6 * * *',
      period: 'day',
      enabled: false,
    });
    expect(rule).toMatchObject({ language: 'en', timezone: 'Europe/Rome', enabled: false });
  });
});

describe('report firing', () => {
  it('queues exactly one report when the same firing is attempted concurrently', async () => {
    const rule = await addReportRule(env.pool, {
      park: 'sched-park',
      cron: '0 6 * * *',
      period: 'day',
      enabled: false,
    });
    const at = new Date('2026-06-02T04:00:00Z');
    const results = await Promise.all([1, 2, 3, 4].map(() => fireReportRule(env.pool, rule, at)));
    const won = results.filter((r): r is string => r !== null);
    expect(won).toHaveLength(1);
    const reports = await env.pool.query(
      `SELECT r.id, r.period_start, r.period_end FROM reports r
         JOIN report_firings f ON f.report_id = r.id WHERE f.rule_id = $1`,
      [rule.id],
    );
    expect(reports.rows).toEqual([
      {
        id: won[0],
        period_start: new Date('2026-05-31T22:00:00Z'),
        period_end: new Date('2026-06-01T22:00:00Z'),
      },
    ]);
    const outbox = await env.pool.query('SELECT 1 FROM outbox WHERE message_id = $1', [won[0]]);
    expect(outbox.rowCount).toBe(1);
  });

  it('makes three scheduler processes on one database queue exactly one report per firing', async () => {
    const rule = await addReportRule(env.pool, {
      park: 'race-park',
      cron: '* * * * * *', // every second, so the test sees several firings quickly
      period: 'day',
    });
    const log = createLogger('silent');
    // One pool each, as three API processes would have.
    const pools = [1, 2, 3].map(() => createPool(env.config.databaseUrl, log));
    const schedulers = pools.map((pool) => startReportScheduler({ pool, log, reloadMs: 60_000 }));
    const firings = async () => {
      const r = await env.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM report_firings WHERE rule_id = $1',
        [rule.id],
      );
      return r.rows[0]?.n ?? 0;
    };
    try {
      while ((await firings()) < 3) await new Promise((r) => setTimeout(r, 200));
    } finally {
      await Promise.all(schedulers.map((s) => s.stop()));
      await Promise.all(pools.map((p) => p.end()));
    }
    const rows = await env.pool.query<{ scheduled_at: Date; reports: number }>(
      `SELECT f.scheduled_at, count(r.id)::int AS reports
         FROM report_firings f LEFT JOIN reports r ON r.id = f.report_id
        WHERE f.rule_id = $1 GROUP BY f.scheduled_at`,
      [rule.id],
    );
    expect(rows.rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows.rows) expect(row.reports).toBe(1);
    const total = await env.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM reports WHERE park_id = 'race-park'",
    );
    expect(total.rows[0]?.n).toBe(rows.rows.length);
    const stats = schedulers.map((s) => s.stats());
    expect(stats.reduce((n, s) => n + s.enqueued, 0)).toBe(rows.rows.length);
    // Every process fired the rule: the duplicates were there and were refused by the key.
    expect(stats.every((s) => s.fired > 0)).toBe(true);
    expect(stats.reduce((n, s) => n + s.fired, 0)).toBeGreaterThan(rows.rows.length);
    expect((await listReportRules(env.pool)).some((r) => r.id === rule.id)).toBe(true);
  });
});

describe('missed firings', () => {
  async function oldRule(park: string, ageMs: number, enabled = true) {
    const rule = await addReportRule(env.pool, { park, cron: '0 6 * * *', period: 'day', enabled });
    // The rule has existed (and been on) for a while, but no scheduler ran meanwhile.
    await env.pool.query(
      `UPDATE report_rules SET created_at = now() - $2::float8 * interval '1 millisecond',
              enabled_changed_at = now() - $2::float8 * interval '1 millisecond' WHERE id = $1`,
      [rule.id, ageMs],
    );
    return rule;
  }

  async function firingsOf(ruleId: string) {
    const r = await env.pool.query<{ scheduled_at: Date; period_start: Date; published: number }>(
      `SELECT f.scheduled_at, r.period_start,
              (SELECT count(*)::int FROM outbox o WHERE o.message_id = r.id::text) AS published
         FROM report_firings f JOIN reports r ON r.id = f.report_id
        WHERE f.rule_id = $1 ORDER BY f.scheduled_at`,
      [ruleId],
    );
    return r.rows;
  }

  it('makes up each firing missed during three days of downtime once, with two schedulers starting', async () => {
    await createPark(env.pool, { id: 'catchup-park', name: 'Catch-up', timezone: 'Europe/Rome' });
    const rule = await oldRule('catchup-park', 3 * 86_400_000);
    const log = createLogger('silent');
    const pools = [1, 2].map(() => createPool(env.config.databaseUrl, log));
    const schedulers = pools.map((pool) =>
      startReportScheduler({ pool, log, reloadMs: 200, catchUpMs: 35 * 86_400_000 }),
    );
    try {
      // Several reloads of both: later passes must find nothing more to make up.
      await waitFor(
        'both schedulers to reload a few times',
        async () =>
          (await firingsOf(rule.id)).length >= 3 && schedulers.every((s) => s.stats().fired >= 3),
        { timeoutMs: 30_000 },
      );
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      await Promise.all(schedulers.map((s) => s.stop()));
      await Promise.all(pools.map((p) => p.end()));
    }
    const firings = await firingsOf(rule.id);
    // One 06:00 (Rome) in every 24 hours: exactly three in the three days.
    expect(firings).toHaveLength(3);
    for (const f of firings) {
      expect(f.published).toBe(1);
      expect(
        new Date(f.scheduled_at).toLocaleTimeString('en-GB', { timeZone: 'Europe/Rome' }),
      ).toBe('06:00:00');
    }
    // Three different days, each covering the day before its firing.
    expect(new Set(firings.map((f) => f.period_start.toISOString())).size).toBe(3);
    const reports = await env.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM reports WHERE park_id = 'catchup-park'",
    );
    expect(reports.rows[0]?.n).toBe(3);
  });

  it('makes up the firings of DST days once each: a skipped midnight at 01:00, a repeated time once', async () => {
    await createPark(env.pool, { id: 'chile-park', name: 'Chile', timezone: 'America/Santiago' });
    const midnight = await addReportRule(env.pool, {
      park: 'chile-park',
      cron: '0 0 * * *',
      period: 'day',
    });
    const repeated = await addReportRule(env.pool, {
      park: 'sched-park',
      cron: '30 2 * * *',
      period: 'day',
    });
    await env.pool.query(
      `UPDATE report_rules SET created_at = $2, enabled_changed_at = $2 WHERE id = ANY($1::bigint[])`,
      [[midnight.id, repeated.id], '2026-09-03T12:00:00Z'],
    );
    const rules = (await listReportRules(env.pool)).filter((r) =>
      [midnight.id, repeated.id].includes(r.id),
    );
    const periods = async (now: string) => {
      const missed = await missedFirings(env.pool, rules, new Date(now), 100 * 86_400_000);
      for (const m of missed) await fireReportRule(env.pool, m.rule, m.at);
      return missed.map((m) => {
        const p = periodEndingAt(m.at, 'day', m.rule.timezone);
        const short = (d: Date) => d.toISOString().replace(':00.000Z', 'Z');
        return [m.rule.park, short(m.at), short(p.from), short(p.to)];
      });
    };
    const september = await periods('2026-09-08T12:00:00Z');
    expect(september.filter(([park]) => park === 'chile-park')).toEqual([
      ['chile-park', '2026-09-04T04:00Z', '2026-09-03T04:00Z', '2026-09-04T04:00Z'],
      ['chile-park', '2026-09-05T04:00Z', '2026-09-04T04:00Z', '2026-09-05T04:00Z'],
      // 00:00 does not exist on 6 September: 01:00 (-03:00), and the day before is reported.
      ['chile-park', '2026-09-06T04:00Z', '2026-09-05T04:00Z', '2026-09-06T04:00Z'],
      ['chile-park', '2026-09-07T03:00Z', '2026-09-06T04:00Z', '2026-09-07T03:00Z'],
      ['chile-park', '2026-09-08T03:00Z', '2026-09-07T03:00Z', '2026-09-08T03:00Z'],
    ]);
    // Rome's 02:30 comes twice on 25 October: one firing, one report of the 24th.
    const october = (await periods('2026-10-26T12:00:00Z')).filter(([, at]) =>
      (at as string).startsWith('2026-10-2'),
    );
    expect(october.filter(([park]) => park === 'sched-park')).toEqual([
      ['sched-park', '2026-10-20T00:30Z', '2026-10-18T22:00Z', '2026-10-19T22:00Z'],
      ['sched-park', '2026-10-21T00:30Z', '2026-10-19T22:00Z', '2026-10-20T22:00Z'],
      ['sched-park', '2026-10-22T00:30Z', '2026-10-20T22:00Z', '2026-10-21T22:00Z'],
      ['sched-park', '2026-10-23T00:30Z', '2026-10-21T22:00Z', '2026-10-22T22:00Z'],
      ['sched-park', '2026-10-24T00:30Z', '2026-10-22T22:00Z', '2026-10-23T22:00Z'],
      ['sched-park', '2026-10-25T00:30Z', '2026-10-23T22:00Z', '2026-10-24T22:00Z'],
      ['sched-park', '2026-10-26T01:30Z', '2026-10-24T22:00Z', '2026-10-25T23:00Z'],
    ]);
  });

  it('makes up nothing for a disabled rule, nor for the time before it was switched on', async () => {
    await createPark(env.pool, { id: 'quiet-park', name: 'Quiet', timezone: 'Europe/Rome' });
    const off = await oldRule('quiet-park', 3 * 86_400_000, false);
    const on = await oldRule('quiet-park', 3 * 86_400_000);
    await env.pool.query('UPDATE report_rules SET enabled_changed_at = now() WHERE id = $1', [
      on.id,
    ]);
    const log = createLogger('silent');
    const scheduler = startReportScheduler({
      pool: env.pool,
      log,
      reloadMs: 60_000,
      catchUpMs: 35 * 86_400_000,
    });
    await new Promise((r) => setTimeout(r, 1500));
    await scheduler.stop();
    expect(await firingsOf(off.id)).toEqual([]);
    expect(await firingsOf(on.id)).toEqual([]);
  });
});
