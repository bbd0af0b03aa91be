import { randomUUID } from 'node:crypto';
import { loadRideModels } from '@zra/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '../db/pool.ts';
import { createPark, setOpeningHours } from '../parks/park-store.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import type { PostprocessResult } from '../worker/postprocess-result.ts';
import { writeBatchResults } from '../worker/write-batch-results.ts';
import { buildReportInput, reportInputSchema, type ReportScope } from './report-input.ts';

let env: TestEnvironment;

beforeAll(async () => {
  env = await createTestEnvironment('report_input');
  await createPark(env.pool, { id: 'test-park', name: 'Test Park', timezone: 'Europe/Rome' });
  await createPark(env.pool, { id: 'kolkata', name: 'Kolkata', timezone: 'Asia/Kolkata' });
  await env.pool.query(
    `INSERT INTO rides (park_id, id, model, name) VALUES
       ('test-park', 'rev-1', 'discovery-revolution', 'Revolution'),
       ('test-park', 'rev-2', 'discovery-revolution', 'Revolution 2'),
       ('test-park', 'rev-3', 'discovery-revolution', 'Revolution 3'),
       ('test-park', 'rev-4', 'discovery-revolution', 'Revolution 4'),
       ('kolkata', 'rev-1', 'discovery-revolution', 'Revolution')`,
  );
});

afterAll(async () => {
  await env?.cleanup();
});

type Cycle = PostprocessResult['cycles'][number];
type Alarm = PostprocessResult['alarms'][number];

const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const at = (base: string, minutes: number) => iso(Date.parse(base) + minutes * MIN);

/** A completed auto cycle starting `minutes` after `base`, running three minutes. */
function cycle(
  id: string,
  base: string,
  minutes: number,
  riders = 10,
  peaks: Record<string, number> = {},
): Cycle {
  return {
    id,
    start: at(base, minutes),
    end: at(base, minutes + 3),
    mode: 'auto',
    outcome: 'completed',
    riders,
    durationS: 180,
    channels: Object.fromEntries(
      Object.entries(peaks).map(([k, peak]) => [k, { peak, mean: 1, rms: 1, samples: 5 }]),
    ),
  };
}

const TEXTS: Record<string, [Alarm['severity'], string]> = {
  'E-101': ['fault', 'Main motor overcurrent'],
  'E-201': ['critical', 'Brake pressure low'],
  'W-401': ['warning', 'Structure vibration high'],
};

function alarm(code: string, raisedAt: string, clearedAt: string | null): Alarm {
  const [severity, text] = TEXTS[code] ?? ['fault', code];
  return {
    code,
    severity,
    text,
    component: 'main_motor',
    raisedAt,
    clearedAt,
    durationS: 0,
    cycleId: null,
  };
}

interface BatchShape {
  park?: string;
  ride: string;
  /** Window start; the window lasts `minutes` (60 unless a legacy misaligned window). */
  start: string;
  minutes?: number;
  cycles?: Cycle[];
  alarms?: Alarm[];
  breaches?: PostprocessResult['breaches'];
  quality?: PostprocessResult['quality'];
  /** The live batch of the same ride-window this one is a revision of. */
  replaces?: string;
}

/**
 * Inserts a processed batch with the results the postprocessor would have written for it:
 * hourly rows per UTC hour slot of the window (cycles by start hour, fault minutes of the
 * window), alarm durations clipped to the window.
 */
async function processedBatch(shape: BatchShape): Promise<string> {
  const id = randomUUID();
  const park = shape.park ?? 'test-park';
  const ws = Date.parse(shape.start);
  const we = ws + (shape.minutes ?? 60) * MIN;
  const cycles = shape.cycles ?? [];
  const alarms = (shape.alarms ?? []).map((a) => {
    const lo = Math.max(Date.parse(a.raisedAt), ws);
    const hi = Math.min(a.clearedAt ? Date.parse(a.clearedAt) : we, we);
    return { ...a, durationS: Math.max(0, hi - lo) / 1000 };
  });
  const hourly: PostprocessResult['hourly'] = [];
  for (let h = Math.floor(ws / 3_600_000) * 3_600_000; h < we; h += 3_600_000) {
    const from = Math.max(h, ws);
    const to = Math.min(h + 3_600_000, we);
    const inHour = cycles.filter(
      (c) => Math.floor(Date.parse(c.start) / 3_600_000) * 3_600_000 === h,
    );
    const faultMs = alarms
      .filter((a) => a.severity === 'fault' || a.severity === 'critical')
      .reduce((sum, a) => {
        const lo = Math.max(Date.parse(a.raisedAt), from);
        const hi = Math.min(a.clearedAt ? Date.parse(a.clearedAt) : to, to);
        return sum + Math.max(0, hi - lo);
      }, 0);
    hourly.push({
      hourStart: iso(h),
      localHour: `${iso(h).slice(0, 19)}+00:00`,
      cycles: inHour.length,
      riders: inHour.reduce((s, c) => s + c.riders, 0),
      completed: inHour.length,
      aborted: 0,
      estop: 0,
      autoMinutes: inHour.length * 3,
      faultMinutes: faultMs / MIN,
      availability: 1 - faultMs / (to - from),
      channels: {},
    });
  }
  const contentId = id.replace(/-/g, '').padEnd(64, '0');
  const result: PostprocessResult = {
    format: 'zamperla.postprocess/v1',
    drop: {
      park,
      ride: shape.ride,
      model: 'discovery-revolution',
      sequence: 1,
      timezone: 'Europe/Rome',
      window: { start: iso(ws), end: iso(we) },
      contentId,
    },
    cycles,
    alarms,
    breaches: shape.breaches ?? [],
    hourly,
    quality: shape.quality ?? [],
  };
  await withTransaction(env.pool, async (c) => {
    await c.query(
      `INSERT INTO batches (id, park_id, ride_id, sequence, window_start, window_end, sha256,
                            content_id, bytes, file_name, blob_path, state, processed_at)
       VALUES ($1, $2, $3, 1, $4, $5, $6, $6, 1, 'x.zip', '/x', 'processed', now())`,
      [id, park, shape.ride, iso(ws), iso(we), contentId],
    );
    if (shape.replaces) {
      await c.query('UPDATE batches SET superseded_by = $1 WHERE id = $2', [id, shape.replaces]);
    }
    await writeBatchResults(c, { batchId: id, parkId: park, rideId: shape.ride }, result);
  });
  return id;
}

function scope(ride: string | null, start: string, end: string, park = 'test-park'): ReportScope {
  return { parkId: park, rideId: ride, start: new Date(start), end: new Date(end), language: 'en' };
}

describe('report input', () => {
  it('holds the processed hours and alarms of the period, without superseded batches', async () => {
    const start = '2026-06-01T10:00:00Z';
    const old = await processedBatch({
      ride: 'rev-1',
      start,
      cycles: [1, 2, 3, 4, 5, 6, 7].map((i) => cycle(`old-${i}`, start, i * 5)),
      alarms: [alarm('E-101', at(start, 50), at(start, 52))],
    });
    await processedBatch({
      ride: 'rev-1',
      start,
      replaces: old,
      cycles: [1, 2, 3, 4].map((i) => cycle(`c${i}`, start, i * 5)),
      alarms: [alarm('E-101', at(start, 50), at(start, 52))],
    });

    const input = await buildReportInput(
      env.pool,
      { ...scope('rev-1', '2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z'), language: 'it' },
      loadRideModels(),
    );
    expect(reportInputSchema.safeParse(input).success).toBe(true);
    expect(input.ride).toEqual({ id: 'rev-1', name: 'Revolution', model: 'discovery-revolution' });
    expect(input.period).toEqual({ start: '2026-06-01T00:00:00Z', end: '2026-06-02T00:00:00Z' });
    expect(input.hourly).toEqual([
      {
        ride: 'rev-1',
        hourStart: '2026-06-01T10:00:00Z',
        localHour: '2026-06-01T12:00:00+02:00',
        cycles: 4,
        riders: 40,
        completed: 4,
        aborted: 0,
        estop: 0,
        autoMinutes: 12,
        faultMinutes: 2,
        availability: 1 - 2 / 60,
      },
    ]);
    // The stored text is English; an Italian report gets the model's Italian text.
    expect(input.alarms).toEqual([
      {
        ride: 'rev-1',
        code: 'E-101',
        severity: 'fault',
        text: 'Sovracorrente motore principale',
        raisedAt: '2026-06-01T10:50:00Z',
        durationS: 120,
      },
    ]);
  });

  it('counts an alarm that spans two drops once, with the time of both parts', async () => {
    const raisedAt = '2026-06-03T10:50:00Z';
    await processedBatch({
      ride: 'rev-2',
      start: '2026-06-03T10:00:00Z',
      alarms: [alarm('E-101', raisedAt, null)],
    });
    await processedBatch({
      ride: 'rev-2',
      start: '2026-06-03T11:00:00Z',
      alarms: [alarm('E-101', raisedAt, '2026-06-03T11:05:00Z')],
    });

    const input = await buildReportInput(
      env.pool,
      scope('rev-2', '2026-06-03T00:00:00Z', '2026-06-04T00:00:00Z'),
    );
    expect(input.alarms).toEqual([
      {
        ride: 'rev-2',
        code: 'E-101',
        severity: 'fault',
        text: 'Main motor overcurrent',
        raisedAt,
        durationS: 900,
      },
    ]);
    expect(input.hourly.map((h) => [h.hourStart, h.faultMinutes])).toEqual([
      ['2026-06-03T10:00:00Z', 10],
      ['2026-06-03T11:00:00Z', 5],
    ]);
  });

  it('counts each cycle and alarm once when legacy windows of one ride overlap', async () => {
    // Eighteen distinct cycles and one ten-minute fault between 13:00 and 14:00, sent in six
    // overlapping windows (13:00, 13:10 … 13:50, one hour each), every one still live: each
    // window holds the cycles that started in it and its share of the fault.
    const hour = '2026-06-05T13:00:00Z';
    const all = Array.from({ length: 18 }, (_, i) => cycle(`C${100 + i}`, hour, i * 3 + 1, 10 + i));
    const fault = alarm('E-101', at(hour, 20), at(hour, 30));
    for (let k = 0; k < 6; k += 1) {
      const ws = Date.parse(at(hour, k * 10));
      const inWindow = (ms: number) => ms >= ws && ms < ws + 3_600_000;
      await processedBatch({
        ride: 'rev-3',
        start: iso(ws),
        cycles: all.filter((c) => inWindow(Date.parse(c.start))),
        alarms: Date.parse(fault.clearedAt ?? '') > ws ? [fault] : [],
      });
    }
    const input = await buildReportInput(
      env.pool,
      scope('rev-3', '2026-06-05T00:00:00Z', '2026-06-06T00:00:00Z'),
    );
    const h13 = input.hourly.find((h) => h.hourStart === hour);
    expect(h13).toMatchObject({
      cycles: 18,
      riders: all.reduce((s, c) => s + c.riders, 0),
      completed: 18,
      faultMinutes: 10,
    });
    expect(h13?.availability).toBeCloseTo(1 - 10 / 60, 9);
    // 14:00–14:50 is covered by the later windows but holds no cycle.
    expect(input.hourly.find((h) => h.hourStart === '2026-06-05T14:00:00Z')).toMatchObject({
      cycles: 0,
      faultMinutes: 0,
      availability: 1,
    });
    expect(input.alarms).toEqual([
      expect.objectContaining({ code: 'E-101', raisedAt: fault.raisedAt, durationS: 600 }),
    ]);
  });

  it('takes a cycle held by two live batches from the newest commit', async () => {
    const hour = '2026-06-06T09:00:00Z';
    await processedBatch({
      ride: 'rev-3',
      start: hour,
      cycles: [
        cycle('X1', hour, 40, 7, { 'main_motor.current': 5 }),
        cycle('X2', hour, 45, 8, { 'main_motor.current': 6 }),
      ],
    });
    // A legacy window starting at 09:30 holds X1 again, re-exported with 30 riders.
    await processedBatch({
      ride: 'rev-3',
      start: at(hour, 30),
      cycles: [cycle('X1', hour, 40, 30, { 'main_motor.current': 900 })],
    });
    const input = await buildReportInput(
      env.pool,
      scope('rev-3', '2026-06-06T00:00:00Z', '2026-06-07T00:00:00Z'),
    );
    expect(input.hourly.find((h) => h.hourStart === hour)).toMatchObject({ cycles: 2, riders: 38 });
    // Channel health counts X1 once too, with the newest export's peak (nearest-rank p95 of
    // 6 and 900).
    expect(input.channels?.map((c) => [c.channel, c.days])).toEqual([
      ['main_motor.current', [{ date: '2026-06-06', cycles: 2, p95Peak: 900 }]],
    ]);
  });

  it('lists an alarm raised before the period with its time inside it, and clips one that outlasts it', async () => {
    // E-201 raised at 09:30, cleared 10:20; E-101 raised 10:53:12, active for three windows.
    await processedBatch({
      ride: 'rev-4',
      start: '2026-06-07T09:00:00Z',
      alarms: [alarm('E-201', '2026-06-07T09:30:00Z', null)],
    });
    await processedBatch({
      ride: 'rev-4',
      start: '2026-06-07T10:00:00Z',
      cycles: [cycle('K1', '2026-06-07T10:00:00Z', 25)],
      alarms: [
        alarm('E-201', '2026-06-07T09:30:00Z', '2026-06-07T10:20:00Z'),
        alarm('E-101', '2026-06-07T10:53:12Z', null),
        alarm('W-401', '2026-06-07T10:30:00Z', '2026-06-07T10:45:00Z'),
      ],
    });
    await processedBatch({
      ride: 'rev-4',
      start: '2026-06-07T11:00:00Z',
      alarms: [alarm('E-101', '2026-06-07T10:53:12Z', null)],
    });
    await processedBatch({
      ride: 'rev-4',
      start: '2026-06-07T12:00:00Z',
      alarms: [alarm('E-101', '2026-06-07T10:53:12Z', '2026-06-07T12:07:00Z')],
    });

    const input = await buildReportInput(
      env.pool,
      scope('rev-4', '2026-06-07T10:00:00Z', '2026-06-07T11:00:00Z'),
    );
    expect(input.alarms.map((a) => [a.code, a.raisedAt, a.durationS])).toEqual([
      ['E-201', '2026-06-07T09:30:00Z', 1200],
      ['W-401', '2026-06-07T10:30:00Z', 900],
      ['E-101', '2026-06-07T10:53:12Z', 408],
    ]);
    // Availability comes from the same alarms: 20 + 6.8 fault minutes; the warning is no
    // downtime.
    expect(input.hourly).toHaveLength(1);
    expect(input.hourly[0]?.faultMinutes).toBeCloseTo(26.8, 9);
    expect(input.hourly[0]?.availability).toBeCloseTo(1 - 26.8 / 60, 9);
    const downtime = input.alarms
      .filter((a) => a.severity === 'fault' || a.severity === 'critical')
      .reduce((s, a) => s + a.durationS, 0);
    expect(downtime / 60).toBeCloseTo(input.hourly[0]?.faultMinutes ?? -1, 9);
  });

  it('clips exactly to a period that starts at half past a UTC hour (Asia/Kolkata)', async () => {
    // Kolkata's day starts at 18:30 UTC. The 18:00 UTC window straddles it.
    const w = '2026-06-08T18:00:00Z';
    await processedBatch({
      park: 'kolkata',
      ride: 'rev-1',
      start: w,
      cycles: [cycle('early', w, 20, 11), cycle('late', w, 40, 13)],
      alarms: [alarm('E-101', at(w, 10), at(w, 50))],
    });
    await processedBatch({
      park: 'kolkata',
      ride: 'rev-1',
      start: '2026-06-08T19:00:00Z',
      cycles: [cycle('next', '2026-06-08T19:00:00Z', 10, 17)],
    });
    const input = await buildReportInput(
      env.pool,
      scope('rev-1', '2026-06-08T18:30:00Z', '2026-06-09T18:30:00Z', 'kolkata'),
    );
    expect(input.hourly).toEqual([
      {
        ride: 'rev-1',
        hourStart: '2026-06-08T18:00:00Z',
        localHour: '2026-06-08T23:30:00+05:30',
        cycles: 1,
        riders: 13,
        completed: 1,
        aborted: 0,
        estop: 0,
        autoMinutes: 3,
        faultMinutes: 20,
        availability: 1 - 20 / 30,
      },
      {
        ride: 'rev-1',
        hourStart: '2026-06-08T19:00:00Z',
        localHour: '2026-06-09T00:30:00+05:30',
        cycles: 1,
        riders: 17,
        completed: 1,
        aborted: 0,
        estop: 0,
        autoMinutes: 3,
        faultMinutes: 0,
        availability: 1,
      },
    ]);
    expect(input.alarms).toEqual([
      expect.objectContaining({ code: 'E-101', raisedAt: '2026-06-08T18:10:00Z', durationS: 1200 }),
    ]);
  });

  it('gives the daily p95 of per-cycle peaks per channel with the model threshold', async () => {
    // 20 cycles with motor peaks 1..20 on the 10th (Rome), nearest-rank p95 = 19; one more at
    // 22:30 UTC, which is already the 11th in Rome.
    const w = '2026-06-10T10:00:00Z';
    const day10 = Array.from({ length: 20 }, (_, i) =>
      cycle(`c${i}`, w, i * 2, 10, { 'main_motor.current': i + 1, 'cabin.custom': 7 }),
    );
    await processedBatch({ ride: 'rev-1', start: w, cycles: day10 });
    // c0 again in a later window, but starting outside it: it does not count there.
    await processedBatch({
      ride: 'rev-1',
      start: '2026-06-10T22:00:00Z',
      cycles: [
        cycle('c0', w, 0, 10, { 'main_motor.current': 1000 }),
        cycle('late', '2026-06-10T22:00:00Z', 30, 10, { 'main_motor.current': 500 }),
      ],
    });
    // A superseded batch does not count.
    const old = await processedBatch({
      ride: 'rev-1',
      start: '2026-06-11T10:00:00Z',
      cycles: [cycle('gone', '2026-06-11T10:00:00Z', 10, 10, { 'main_motor.current': 9999 })],
    });
    await processedBatch({ ride: 'rev-1', start: '2026-06-11T10:00:00Z', replaces: old });

    const input = await buildReportInput(
      env.pool,
      scope('rev-1', '2026-06-09T22:00:00Z', '2026-06-11T22:00:00Z'),
      loadRideModels(),
    );
    expect(input.channels).toEqual([
      {
        ride: 'rev-1',
        channel: 'cabin.custom',
        unit: null,
        threshold: null,
        days: [{ date: '2026-06-10', cycles: 20, p95Peak: 7 }],
      },
      {
        ride: 'rev-1',
        channel: 'main_motor.current',
        unit: 'A',
        threshold: { max: 420 },
        days: [
          { date: '2026-06-10', cycles: 20, p95Peak: 19 },
          { date: '2026-06-11', cycles: 1, p95Peak: 500 },
        ],
      },
    ]);
  });

  it('counts breaches and quality findings per ride, kind and channel', async () => {
    const breach = (when: string, value: number, kind: 'max' | 'min', limit: number) => ({
      channel: kind === 'max' ? 'main_motor.current' : 'brake.pressure',
      cycleId: null,
      at: when,
      value,
      limit,
      kind,
    });
    const breaches = [
      breach('2026-06-12T10:20:00Z', 430, 'max', 420),
      breach('2026-06-12T10:05:00Z', 455.5, 'max', 420),
      breach('2026-06-12T10:30:00Z', 110, 'min', 120),
      breach('2026-06-12T10:31:00Z', 101, 'min', 120),
    ];
    const quality = [
      {
        kind: 'gap' as const,
        channel: 'brake.pressure',
        at: '2026-06-12T10:40:00Z',
        detail: '2 s',
      },
      {
        kind: 'gap' as const,
        channel: 'brake.pressure',
        at: '2026-06-12T10:10:00Z',
        detail: '3 s',
      },
      {
        kind: 'counter_reset' as const,
        channel: null,
        at: '2026-06-12T10:00:00Z',
        detail: '8000 to 0',
      },
    ];
    await processedBatch({ ride: 'rev-2', start: '2026-06-12T10:00:00Z', breaches, quality });
    // A legacy window overlapping it repeats two of the same breaches and one finding.
    await processedBatch({
      ride: 'rev-2',
      start: '2026-06-12T10:30:00Z',
      breaches: breaches.slice(2),
      quality: quality.slice(0, 1),
    });
    const input = await buildReportInput(
      env.pool,
      scope('rev-2', '2026-06-12T00:00:00Z', '2026-06-13T00:00:00Z'),
    );
    expect(input.anomalies).toEqual([
      {
        ride: 'rev-2',
        kind: 'breach_max',
        channel: 'main_motor.current',
        count: 2,
        first: '2026-06-12T10:05:00Z',
        worst: 455.5,
        limit: 420,
      },
      {
        ride: 'rev-2',
        kind: 'breach_min',
        channel: 'brake.pressure',
        count: 2,
        first: '2026-06-12T10:30:00Z',
        worst: 101,
        limit: 120,
      },
      {
        ride: 'rev-2',
        kind: 'counter_reset',
        channel: null,
        count: 1,
        first: '2026-06-12T10:00:00Z',
        worst: null,
        limit: null,
      },
      {
        ride: 'rev-2',
        kind: 'gap',
        channel: 'brake.pressure',
        count: 2,
        first: '2026-06-12T10:10:00Z',
        worst: null,
        limit: null,
      },
    ]);
  });

  it('is empty for a period without data', async () => {
    const input = await buildReportInput(
      env.pool,
      scope(null, '2026-07-01T00:00:00Z', '2026-07-02T00:00:00Z'),
    );
    expect(input.ride).toBeNull();
    expect(input.hourly).toEqual([]);
    expect(input.alarms).toEqual([]);
    expect(input.channels).toEqual([]);
    expect(input.anomalies).toEqual([]);
  });

  it('resolves opening hours to the period days in park-local time, DST day included', async () => {
    // Rome springs forward on 2026-03-29: 09:00-19:00 is 08:00Z-18:00Z the day before and
    // 07:00Z-17:00Z that day (still ten hours).
    const s = scope('rev-1', '2026-03-27T23:00:00Z', '2026-03-29T22:00:00Z');
    const input = await buildReportInput(env.pool, s);
    expect(input.openingHours).toEqual({
      rides: ['rev-1'],
      days: [
        { date: '2026-03-28', open: '2026-03-28T08:00:00Z', close: '2026-03-28T18:00:00Z' },
        { date: '2026-03-29', open: '2026-03-29T07:00:00Z', close: '2026-03-29T17:00:00Z' },
      ],
    });

    // A park report expects every ride the park had by the period's end; Sundays closed.
    await env.pool.query(
      "UPDATE rides SET created_at = '2026-01-01T00:00:00Z' WHERE park_id = 'test-park' AND id = 'rev-2'",
    );
    await setOpeningHours(env.pool, 'test-park', {
      open: '09:30',
      close: '19:00',
      days: { sun: null },
    });
    const park = await buildReportInput(env.pool, { ...s, rideId: null });
    expect(park.openingHours).toEqual({
      rides: ['rev-2'],
      days: [
        { date: '2026-03-28', open: '2026-03-28T08:30:00Z', close: '2026-03-28T18:00:00Z' },
        { date: '2026-03-29', open: null, close: null },
      ],
    });
    await setOpeningHours(env.pool, 'test-park', { open: '09:00', close: '19:00' });
  });
});
