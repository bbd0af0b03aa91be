import { readFile } from 'node:fs/promises';
import { localToUtc, writeDropZip } from '@zra/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { createLogger } from '../logger.ts';
import { createPark } from '../parks/park-store.ts';
import { reportStatus, requestReport } from '../reports/report-store.ts';
import {
  createParkClient,
  createTestEnvironment,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { buildTestDropParts } from '../testing/test-drop.ts';
import { startWorker } from '../worker/worker.ts';
import { periodEndingAt } from './report-period.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';

/**
 * Day reports of DST change days through the real worker and Rust reporter (issue 14.5, R6).
 * Both parks open on Sundays at hours that fall into their DST changes, and every change day
 * here is a Sunday: Rome 02:30-03:30 (in the spring gap, then over the repeated hour), Lord
 * Howe 02:00-02:30 (wholly in the spring gap: no opening; in autumn 02:00 comes after the
 * repeated half hour).
 */
const PARKS = {
  rome: {
    timezone: 'Europe/Rome',
    openingHours: {
      open: '09:00',
      close: '19:00',
      days: { sun: { open: '02:30', close: '03:30' } },
    },
  },
  howe: {
    timezone: 'Australia/Lord_Howe',
    openingHours: {
      open: '09:00',
      close: '19:00',
      days: { sun: { open: '02:00', close: '02:30' } },
    },
  },
} as const;

interface DayCase {
  park: keyof typeof PARKS;
  date: string;
  /** The period a daily rule firing at 06:00 the next day covers. */
  period: [string, string];
  /** Hour windows (UTC starts) with a drop of three cycles each. */
  drops: string[];
  /** Expected opening (ride-hours), the part of it with data, and the data outside it. */
  expected: number;
  withData: number;
  outside: number;
  closed: boolean;
}

const DAYS: DayCase[] = [
  // 23 h. 02:30 is skipped: opening 03:00-03:30 CEST = 01:00Z-01:30Z.
  {
    park: 'rome',
    date: '2026-03-29',
    period: ['2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z'],
    drops: ['2026-03-29T01:00:00Z'],
    expected: 0.5,
    withData: 0.5,
    outside: 0.5,
    closed: false,
  },
  // 25 h. From the first 02:30 (CEST, 00:30Z) to 03:30 CET (02:30Z): two hours.
  {
    park: 'rome',
    date: '2026-10-25',
    period: ['2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z'],
    drops: ['2026-10-25T00:00:00Z', '2026-10-25T01:00:00Z'],
    expected: 2,
    withData: 1.5,
    outside: 0.5,
    closed: false,
  },
  // 24.5 h (+11:00 -> +10:30 at 02:00, back to 01:30). 02:00 is first shown at 15:30Z.
  {
    park: 'howe',
    date: '2026-04-05',
    period: ['2026-04-04T13:00:00Z', '2026-04-05T13:30:00Z'],
    drops: ['2026-04-04T15:00:00Z'],
    expected: 0.5,
    withData: 0.5,
    outside: 0.5,
    closed: false,
  },
  // 23.5 h (+10:30 -> +11:00 at 02:00, on to 02:30): 02:00-02:30 is skipped, no opening.
  {
    park: 'howe',
    date: '2026-10-04',
    period: ['2026-10-03T13:30:00Z', '2026-10-04T13:00:00Z'],
    drops: ['2026-10-03T15:00:00Z'],
    expected: 0,
    withData: 0,
    outside: 1,
    closed: true,
  },
];

let env: TestEnvironment;
let central: RunningCentral;
const tokens = new Map<string, string>();

beforeAll(async () => {
  env = await createTestEnvironment('dst_reports');
  central = await startCentral(env.config, { scheduler: false });
  for (const [id, park] of Object.entries(PARKS)) {
    const { token } = await createPark(env.pool, { id, name: id, ...park });
    tokens.set(id, token);
  }
});

afterAll(async () => {
  await central?.close();
  await env?.cleanup();
});

async function drain(): Promise<void> {
  const worker = await startWorker(env.config, {
    drain: true,
    log: createLogger('silent'),
    retryDelayMs: 10,
  });
  await worker.done;
}

async function published(messageId: string): Promise<boolean> {
  const r = await env.pool.query('SELECT published_at FROM outbox WHERE message_id = $1', [
    messageId,
  ]);
  return r.rows[0]?.published_at != null;
}

describe('day reports of DST change days (R6)', () => {
  it('end ready with the day as their period and completeness against the resolved opening', async () => {
    // The drops, post-processed by the real postprocessor first.
    let sequence = 0;
    for (const day of DAYS) {
      for (const start of day.drops) {
        const { header, entries } = buildTestDropParts({
          park: day.park,
          start,
          sequence: ++sequence,
          // Cycle ids of their own: a cycle id counts once per ride (R4).
          salt: sequence,
        });
        const drop = writeDropZip({ ...header, timezone: PARKS[day.park].timezone }, entries);
        const client = createParkClient(central.url, tokens.get(day.park) as string);
        const up = await uploadDrop(client, drop.zip, drop.fileName);
        expect(up.status, `${day.park} ${start}`).toBe('stored');
        if (up.status === 'stored') await waitFor('drop queued', () => published(up.batchId));
      }
    }
    await drain();

    const reports: string[] = [];
    for (const day of DAYS) {
      const { timezone } = PARKS[day.park];
      const [y, m, d] = day.date.split('-').map(Number) as [number, number, number];
      // A daily rule at 06:00 park-local the next day (06:00 exists on every date here).
      const firing = new Date(localToUtc(timezone, y, m, d + 1, 6));
      const period = periodEndingAt(firing, 'day', timezone);
      expect([period.from, period.to].map((t) => t.toISOString().replace('.000Z', 'Z'))).toEqual(
        day.period,
      );
      const id = await requestReport(env.pool, {
        park: day.park,
        ride: 'revolution-1',
        from: period.from.toISOString(),
        to: period.to.toISOString(),
      });
      await waitFor('report queued', () => published(id));
      reports.push(id);
    }
    await drain();

    for (const [i, day] of DAYS.entries()) {
      const at = `${day.park} ${day.date}`;
      const status = await reportStatus(env.pool, reports[i] as string);
      expect(status, at).toMatchObject({ state: 'ready', error: null });
      expect(status?.period, at).toEqual({ start: day.period[0], end: day.period[1] });
      const summary = JSON.parse(await readFile(status?.files?.summary as string, 'utf8'));
      expect(summary.completeness, at).toMatchObject({
        basis: 'openingHours',
        rideHoursExpected: day.expected,
        rideHoursWithData: day.withData,
        rideHoursOutsideOpening: day.outside,
      });
      expect(
        summary.days.map((x: { date: string; closed: boolean }) => [x.date, x.closed]),
        at,
      ).toEqual([[day.date, day.closed]]);
      expect(summary.cycles, `${at}: three cycles per drop`).toBe(3 * day.drops.length);
    }
  });

  it("counts the first half hour of Lord Howe's 23.5 h day, in the UTC hour that straddles its start", async () => {
    // The day starts at 00:00 +10:30 = 13:30Z: of the 13:00Z window's cycles (13:01, 13:11, …,
    // 13:51) the last three belong to it. Another ride than the first case, so only these count.
    const ride = 'revolution-2';
    const [from, to] = ['2026-10-03T13:30:00Z', '2026-10-04T13:00:00Z'];
    const inPeriod: { start: string; riders: number }[] = [];
    let sequence = 0;
    for (const start of ['2026-10-03T13:00:00Z', '2026-10-04T12:00:00Z']) {
      const { header, entries } = buildTestDropParts({
        park: 'howe',
        ride,
        start,
        sequence: ++sequence,
        salt: 100 + sequence,
        cycles: 6,
      });
      const cycles: { start: string; riders: number }[] = JSON.parse(
        String(entries.find((e) => e.path === 'cycles.json')?.content),
      );
      inPeriod.push(...cycles.filter((c) => c.start >= from && c.start < to));
      const drop = writeDropZip({ ...header, timezone: PARKS.howe.timezone }, entries);
      const client = createParkClient(central.url, tokens.get('howe') as string);
      const up = await uploadDrop(client, drop.zip, drop.fileName);
      expect(up.status, start).toBe('stored');
      if (up.status === 'stored') await waitFor('drop queued', () => published(up.batchId));
    }
    await drain();
    const id = await requestReport(env.pool, { park: 'howe', ride, from, to });
    await waitFor('report queued', () => published(id));
    await drain();

    const status = await reportStatus(env.pool, id);
    expect(status).toMatchObject({ state: 'ready', error: null });
    const summary = JSON.parse(await readFile(status?.files?.summary as string, 'utf8'));
    expect(inPeriod.length, 'three cycles of the straddling hour and six of the last').toBe(9);
    expect([summary.cycles, summary.riders, summary.hoursWithData]).toEqual([
      inPeriod.length,
      inPeriod.reduce((sum, c) => sum + c.riders, 0),
      1.5,
    ]);
    expect(summary.days.map((d: { cycles: number }) => d.cycles)).toEqual([inPeriod.length]);
  });
});
