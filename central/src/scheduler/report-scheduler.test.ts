import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../db/pool.ts';
import { createLogger } from '../logger.ts';
import { createPark } from '../parks/park-store.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import { fireReportRule } from './report-firing.ts';
import { periodEndingAt } from './report-period.ts';
import { addReportRule, listReportRules } from './report-rules.ts';
import { startReportScheduler } from './report-scheduler.ts';

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
