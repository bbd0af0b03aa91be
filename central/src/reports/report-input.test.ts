import { randomUUID } from 'node:crypto';
import { loadRideModels } from '@zra/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '../db/pool.ts';
import { createPark, setOpeningHours } from '../parks/park-store.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import type { PostprocessResult } from '../worker/postprocess-result.ts';
import { writeBatchResults } from '../worker/write-batch-results.ts';
import { buildReportInput, reportInputSchema } from './report-input.ts';

let env: TestEnvironment;

beforeAll(async () => {
  env = await createTestEnvironment('report_input');
  await createPark(env.pool, { id: 'test-park', name: 'Test Park', timezone: 'Europe/Rome' });
  await env.pool.query(
    `INSERT INTO rides (park_id, id, model, name) VALUES
       ('test-park', 'rev-1', 'discovery-revolution', 'Revolution'),
       ('test-park', 'rev-2', 'discovery-revolution', 'Revolution 2')`,
  );
});

afterAll(async () => {
  await env?.cleanup();
});

const hour = (hourStart: string, localHour: string, cycles: number) => ({
  hourStart,
  localHour,
  cycles,
  riders: cycles * 10,
  completed: cycles,
  aborted: 0,
  estop: 0,
  autoMinutes: cycles * 3,
  faultMinutes: 0,
  availability: 1,
  channels: {},
});

type Alarm = PostprocessResult['alarms'][number];

interface BatchShape {
  ride: string;
  window: { start: string; end: string };
  alarm: Pick<Alarm, 'raisedAt' | 'clearedAt' | 'durationS'>;
  cycles?: PostprocessResult['cycles'];
  breaches?: PostprocessResult['breaches'];
  quality?: PostprocessResult['quality'];
}

const DEFAULT_SHAPE: BatchShape = {
  ride: 'rev-1',
  window: { start: '2026-06-01T10:00:00Z', end: '2026-06-01T11:00:00Z' },
  alarm: { raisedAt: '2026-06-01T10:50:00Z', clearedAt: '2026-06-01T10:52:00Z', durationS: 120 },
};

/** Inserts a processed batch with the given hourly rows and one E-101 alarm. */
async function processedBatch(
  sequence: number,
  cycles: number,
  shape: BatchShape = DEFAULT_SHAPE,
): Promise<string> {
  const id = randomUUID();
  const result: PostprocessResult = {
    format: 'zamperla.postprocess/v1',
    drop: {
      park: 'test-park',
      ride: shape.ride,
      model: 'discovery-revolution',
      sequence,
      timezone: 'Europe/Rome',
      window: shape.window,
      contentId: id.replace(/-/g, '').padEnd(64, '0'),
    },
    cycles: shape.cycles ?? [],
    alarms: [
      {
        code: 'E-101',
        severity: 'fault',
        text: 'Main motor overcurrent',
        component: 'main_motor',
        ...shape.alarm,
        cycleId: null,
      },
    ],
    breaches: shape.breaches ?? [],
    hourly: [hour(shape.window.start, '2026-06-01T12:00:00+02:00', cycles)],
    quality: shape.quality ?? [],
  };
  await withTransaction(env.pool, async (c) => {
    await c.query(
      `INSERT INTO batches (id, park_id, ride_id, sequence, window_start, window_end, sha256,
                            content_id, bytes, file_name, blob_path, state)
       VALUES ($1, 'test-park', $4, $2, $5, $6, $3, $3, 1, 'x.zip', '/x', 'processed')`,
      [id, sequence, result.drop.contentId, shape.ride, shape.window.start, shape.window.end],
    );
    await writeBatchResults(c, { batchId: id, parkId: 'test-park', rideId: shape.ride }, result);
  });
  return id;
}

describe('report input', () => {
  it('holds the processed hours and alarms of the period, without superseded batches', async () => {
    const old = await processedBatch(1, 7);
    const current = await processedBatch(2, 4);
    await env.pool.query('UPDATE batches SET superseded_by = $2 WHERE id = $1', [old, current]);

    const input = await buildReportInput(
      env.pool,
      {
        parkId: 'test-park',
        rideId: 'rev-1',
        start: new Date('2026-06-01T00:00:00Z'),
        end: new Date('2026-06-02T00:00:00Z'),
        language: 'it',
      },
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
        faultMinutes: 0,
        availability: 1,
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

  it('counts an alarm that spans two drops once, with the durations of both parts', async () => {
    const raisedAt = '2026-06-03T10:50:00Z';
    await processedBatch(1, 3, {
      ride: 'rev-2',
      window: { start: '2026-06-03T10:00:00Z', end: '2026-06-03T11:00:00Z' },
      alarm: { raisedAt, clearedAt: null, durationS: 600 },
    });
    await processedBatch(2, 3, {
      ride: 'rev-2',
      window: { start: '2026-06-03T11:00:00Z', end: '2026-06-03T12:00:00Z' },
      alarm: { raisedAt, clearedAt: '2026-06-03T11:05:00Z', durationS: 300 },
    });

    const input = await buildReportInput(env.pool, {
      parkId: 'test-park',
      rideId: 'rev-2',
      start: new Date('2026-06-03T00:00:00Z'),
      end: new Date('2026-06-04T00:00:00Z'),
      language: 'en',
    });
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
  });

  it('gives the daily p95 of per-cycle peaks per channel with the model threshold', async () => {
    const cycle = (id: string, start: string, peaks: Record<string, number>) => ({
      id,
      start,
      end: start.replace(/:00Z$/, ':30Z'),
      mode: 'auto' as const,
      outcome: 'completed' as const,
      riders: 10,
      durationS: 30,
      channels: Object.fromEntries(
        Object.entries(peaks).map(([k, peak]) => [k, { peak, mean: 1, rms: 1, samples: 5 }]),
      ),
    });
    // 20 cycles with motor peaks 1..20 on the 5th (Rome), nearest-rank p95 = 19; one more at
    // 22:30 UTC, which is already the 6th in Rome.
    const day5 = Array.from({ length: 20 }, (_, i) =>
      cycle(`c${i}`, `2026-06-05T10:${String(i).padStart(2, '0')}:00Z`, {
        'main_motor.current': i + 1,
        'cabin.custom': 7,
      }),
    );
    const shape = (start: string, cycles: PostprocessResult['cycles']): BatchShape => ({
      ride: 'rev-1',
      window: { start, end: start.replace('T10:', 'T11:').replace('T22:', 'T23:') },
      alarm: { raisedAt: start, clearedAt: start, durationS: 0 },
      cycles,
    });
    await processedBatch(1, 20, shape('2026-06-05T10:00:00Z', day5));
    // The same cycle id in a later batch counts once; a superseded batch does not count.
    await processedBatch(
      2,
      2,
      shape('2026-06-05T22:00:00Z', [
        cycle('c0', '2026-06-05T10:00:00Z', { 'main_motor.current': 1000 }),
        cycle('late', '2026-06-05T22:30:00Z', { 'main_motor.current': 500 }),
      ]),
    );
    const old = await processedBatch(
      3,
      1,
      shape('2026-06-06T10:00:00Z', [
        cycle('gone', '2026-06-06T10:10:00Z', { 'main_motor.current': 9999 }),
      ]),
    );
    const current = await processedBatch(4, 0, shape('2026-06-06T10:00:00Z', []));
    await env.pool.query('UPDATE batches SET superseded_by = $2 WHERE id = $1', [old, current]);

    const input = await buildReportInput(
      env.pool,
      {
        parkId: 'test-park',
        rideId: 'rev-1',
        start: new Date('2026-06-04T22:00:00Z'),
        end: new Date('2026-06-06T22:00:00Z'),
        language: 'en',
      },
      loadRideModels(),
    );
    expect(input.channels).toEqual([
      {
        ride: 'rev-1',
        channel: 'cabin.custom',
        unit: null,
        threshold: null,
        days: [{ date: '2026-06-05', cycles: 20, p95Peak: 7 }],
      },
      {
        ride: 'rev-1',
        channel: 'main_motor.current',
        unit: 'A',
        threshold: { max: 420 },
        days: [
          { date: '2026-06-05', cycles: 20, p95Peak: 19 },
          { date: '2026-06-06', cycles: 1, p95Peak: 500 },
        ],
      },
    ]);
  });

  it('counts breaches and quality findings per ride, kind and channel', async () => {
    const window = { start: '2026-06-10T10:00:00Z', end: '2026-06-10T11:00:00Z' };
    const alarm = { raisedAt: window.start, clearedAt: window.start, durationS: 0 };
    const breach = (at: string, value: number, kind: 'max' | 'min', limit: number) => ({
      channel: kind === 'max' ? 'main_motor.current' : 'brake.pressure',
      cycleId: null,
      at,
      value,
      limit,
      kind,
    });
    await processedBatch(1, 1, {
      ride: 'rev-2',
      window,
      alarm,
      breaches: [
        breach('2026-06-10T10:20:00Z', 430, 'max', 420),
        breach('2026-06-10T10:05:00Z', 455.5, 'max', 420),
        breach('2026-06-10T10:30:00Z', 110, 'min', 120),
        breach('2026-06-10T10:31:00Z', 101, 'min', 120),
      ],
      quality: [
        { kind: 'gap', channel: 'brake.pressure', at: '2026-06-10T10:40:00Z', detail: '2 s' },
        { kind: 'gap', channel: 'brake.pressure', at: '2026-06-10T10:10:00Z', detail: '3 s' },
        { kind: 'counter_reset', channel: null, at: '2026-06-10T10:00:00Z', detail: '8000 to 0' },
      ],
    });
    const input = await buildReportInput(env.pool, {
      parkId: 'test-park',
      rideId: 'rev-2',
      start: new Date('2026-06-10T00:00:00Z'),
      end: new Date('2026-06-11T00:00:00Z'),
      language: 'en',
    });
    expect(input.anomalies).toEqual([
      {
        ride: 'rev-2',
        kind: 'breach_max',
        channel: 'main_motor.current',
        count: 2,
        first: '2026-06-10T10:05:00Z',
        worst: 455.5,
        limit: 420,
      },
      {
        ride: 'rev-2',
        kind: 'breach_min',
        channel: 'brake.pressure',
        count: 2,
        first: '2026-06-10T10:30:00Z',
        worst: 101,
        limit: 120,
      },
      {
        ride: 'rev-2',
        kind: 'counter_reset',
        channel: null,
        count: 1,
        first: '2026-06-10T10:00:00Z',
        worst: null,
        limit: null,
      },
      {
        ride: 'rev-2',
        kind: 'gap',
        channel: 'brake.pressure',
        count: 2,
        first: '2026-06-10T10:10:00Z',
        worst: null,
        limit: null,
      },
    ]);
  });

  it('is empty for a period without data', async () => {
    const input = await buildReportInput(env.pool, {
      parkId: 'test-park',
      rideId: null,
      start: new Date('2026-07-01T00:00:00Z'),
      end: new Date('2026-07-02T00:00:00Z'),
      language: 'en',
    });
    expect(input.ride).toBeNull();
    expect(input.hourly).toEqual([]);
    expect(input.alarms).toEqual([]);
    expect(input.channels).toEqual([]);
    expect(input.anomalies).toEqual([]);
  });

  it('resolves opening hours to the period days in park-local time, DST day included', async () => {
    // Rome springs forward on 2026-03-29: 09:00-19:00 is 08:00Z-18:00Z the day before and
    // 07:00Z-17:00Z that day (still ten hours).
    const scope = {
      parkId: 'test-park',
      rideId: 'rev-1',
      start: new Date('2026-03-27T23:00:00Z'),
      end: new Date('2026-03-29T22:00:00Z'),
      language: 'en' as const,
    };
    const input = await buildReportInput(env.pool, scope);
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
    const park = await buildReportInput(env.pool, { ...scope, rideId: null });
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
