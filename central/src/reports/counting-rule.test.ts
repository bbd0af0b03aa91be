import { readFile } from 'node:fs/promises';
import type { TRPCClient } from '@trpc/client';
import type { WrittenDrop } from '@zra/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { fleetOverview } from '../dashboard/fleet-overview.ts';
import { parkDetail } from '../dashboard/park-detail.ts';
import { rideDetail } from '../dashboard/ride-detail.ts';
import { parkLocalDays } from '../dashboard/park-local-days.ts';
import { createLogger } from '../logger.ts';
import { createPark } from '../parks/park-store.ts';
import type { AppRouter } from '../server/router.ts';
import {
  rideHourDrop,
  type HourAlarm,
  type HourCycle,
  type RideHourDropSpec,
} from '../testing/ride-hour-drop.ts';
import {
  createParkClient,
  createTestEnvironment,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { startWorker } from '../worker/worker.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';
import { buildReportInput } from './report-input.ts';
import { reportStatus, requestReport } from './report-store.ts';

/*
 * The figures of central (report input, the reporter's summary, the dashboard) against a
 * tiny independent computation over "the latest content of each ride-window", for drops that
 * went through the real ingest, worker and Rust postprocessor under every sending pattern:
 * re-sends, re-zips, re-exports with other sequences (nine of one ride-hour), revisions with
 * lower sequences, alarms across windows and across the period's edges (which start at :30
 * in Asia/Kolkata), and an alarm a later drop raises from warning to fault.
 */

const PARK = 'kolkata';
const RIDE = 'rev-1';
const TZ = 'Asia/Kolkata';
const H = 3_600_000;
const M = 60_000;

let env: TestEnvironment;
let central: RunningCentral;
let client: TRPCClient<AppRouter>;
/** W0: a whole UTC hour 30 h ago, so the dashboard's last three days show everything. */
const W0 = Math.floor(Date.now() / H) * H - 30 * H;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

// ---- the independent model: the latest stored content of each ride-window ----

interface Content {
  start: number;
  cycles: HourCycle[];
  alarms: HourAlarm[];
  /** Commit order among the stored drops. */
  commit: number;
}
const latest = new Map<number, Content>();

type Span = [number, number];

function union(spans: Span[]): Span[] {
  const out: Span[] = [];
  for (const [a, b] of [...spans].sort((x, y) => x[0] - y[0])) {
    const last = out.at(-1);
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else if (b > a) out.push([a, b]);
  }
  return out;
}
const within = (spans: Span[], [lo, hi]: Span) =>
  spans.reduce((s, [a, b]) => s + Math.max(0, Math.min(b, hi) - Math.max(a, lo)), 0);

interface Occurrence {
  code: string;
  severity: string;
  raisedAt: number;
  spans: Span[];
  momentary: boolean;
}

/** Occurrences; each one's severity is its newest row's, whatever period is asked. */
function occurrences(): Occurrence[] {
  const byKey = new Map<string, Occurrence>();
  const newest = new Map<string, number>();
  for (const w of latest.values()) {
    for (const a of w.alarms) {
      const raised = Date.parse(a.raisedAt);
      const cleared = a.clearedAt === null ? null : Date.parse(a.clearedAt);
      const lo = Math.max(raised, w.start);
      const hi = Math.min(cleared ?? w.start + H, w.start + H);
      const key = `${a.code}|${raised}`;
      const o = byKey.get(key) ?? {
        code: a.code,
        severity: a.severity,
        raisedAt: raised,
        spans: [],
        momentary: false,
      };
      if (hi > lo) o.spans.push([lo, hi]);
      if (cleared === raised) o.momentary = true;
      if (w.commit > (newest.get(key) ?? -1)) {
        newest.set(key, w.commit);
        o.severity = a.severity;
      }
      byKey.set(key, o);
    }
  }
  return [...byKey.values()].map((o) => ({ ...o, spans: union(o.spans) }));
}

const downtime = (o: Occurrence) => o.severity === 'fault' || o.severity === 'critical';

/** Every figure of `[from, to)` by the counting rule, from the model alone. */
function expected(from: number, to: number) {
  const occ = occurrences();
  const faults = union(occ.filter(downtime).flatMap((o) => o.spans));
  const hours = [...latest.values()]
    .filter((w) => w.start < to && w.start + H > from)
    .sort((a, b) => a.start - b.start)
    .map((w) => {
      const slot: Span = [Math.max(w.start, from), Math.min(w.start + H, to)];
      const starts = (c: HourCycle) => w.start + c.at * M;
      const counted = w.cycles.filter((c) => starts(c) >= slot[0] && starts(c) < slot[1]);
      const auto = union(w.cycles.map((c): Span => [starts(c), starts(c) + c.minutes * M]));
      const fault = within(faults, slot);
      return {
        hourStart: iso(w.start),
        cycles: counted.length,
        riders: counted.reduce((s, c) => s + c.riders, 0),
        completed: counted.filter((c) => (c.outcome ?? 'completed') === 'completed').length,
        aborted: counted.filter((c) => c.outcome === 'aborted').length,
        estop: counted.filter((c) => c.outcome === 'estop').length,
        autoMinutes: within(auto, slot) / M,
        faultMinutes: fault / M,
        availability: 1 - fault / (slot[1] - slot[0]),
        coveredMs: slot[1] - slot[0],
      };
    });
  const alarms = occ
    .filter(
      (o) =>
        within(o.spans, [from, to]) > 0 || (o.momentary && o.raisedAt >= from && o.raisedAt < to),
    )
    .sort((a, b) => a.raisedAt - b.raisedAt)
    .map((o) => ({
      code: o.code,
      severity: o.severity,
      raisedAt: iso(o.raisedAt),
      durationS: within(o.spans, [from, to]) / 1000,
    }));
  return { hours, alarms };
}

// ---- sending drops through the real pipeline ----

let serial = 0;
let commits = 0;
function drop(start: number, sequence: number, cycles: HourCycle[], alarms: HourAlarm[]) {
  serial += 1;
  const spec: RideHourDropSpec = {
    park: PARK,
    ride: RIDE,
    timezone: TZ,
    sequence,
    start: iso(start),
    cycles,
    alarms,
    serial: `PLC-${serial}`,
  };
  return { spec, zip: rideHourDrop(spec) };
}

async function send(d: { spec: RideHourDropSpec; zip: WrittenDrop }): Promise<string> {
  const r = await uploadDrop(client, d.zip.zip, d.zip.fileName);
  // The model keeps the latest stored content of each ride-window; duplicates change nothing.
  if (r.status === 'stored') {
    const start = Date.parse(d.spec.start);
    commits += 1;
    latest.set(start, { start, cycles: d.spec.cycles, alarms: d.spec.alarms, commit: commits });
  }
  return r.status;
}

const cycles = (hour: number, n: number, riders: (k: number) => number): HourCycle[] =>
  Array.from({ length: n }, (_, k) => ({
    id: `C${hour}-${k}`,
    at: 1 + k * 3,
    minutes: 2,
    riders: riders(k),
    peak: 200 + k,
  }));
const at = (ms: number) => iso(ms);

async function drain(): Promise<void> {
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
  const worker = await startWorker(env.config, {
    drain: true,
    log: createLogger('silent'),
    retryDelayMs: 10,
  });
  await worker.done;
}

beforeAll(async () => {
  env = await createTestEnvironment('counting_rule');
  central = await startCentral(env.config, { scheduler: false, uploadSweeper: false });
  const { token } = await createPark(env.pool, { id: PARK, name: 'Kolkata', timezone: TZ });
  client = createParkClient(central.url, token);
  const W1 = W0 + H;
  const W2 = W0 + 2 * H;
  const W3 = W0 + 3 * H;

  // W0: a PLC re-exports one ride-hour nine times with new sequence numbers; the last export
  // changes one cycle. Eighteen distinct cycles, one six-minute fault.
  const w0Alarms: HourAlarm[] = [
    { code: 'E-101', severity: 'fault', raisedAt: at(W0 + 20 * M), clearedAt: at(W0 + 26 * M) },
  ];
  const w0 = cycles(0, 18, (k) => 10 + k);
  for (let seq = 1; seq <= 8; seq += 1)
    expect(await send(drop(W0, seq, w0, w0Alarms))).toBe('stored');
  const lastExport = w0.map((c, k) =>
    k === 5 ? { ...c, riders: 40, outcome: 'aborted' as const } : c,
  );
  expect(await send(drop(W0, 9, lastExport, w0Alarms))).toBe('stored');

  // W1: a revision with the same sequence, then one with a lower sequence, committed last.
  // A critical alarm is raised at W1+50 and still active when the window ends.
  const e201Raised = at(W1 + 50 * M);
  const w1Alarms = (n: number): HourAlarm[] => [
    {
      code: 'E-102',
      severity: 'fault',
      raisedAt: at(W1 + 10 * M),
      clearedAt: at(W1 + 10 * M + n * M),
    },
    { code: 'E-201', severity: 'critical', raisedAt: e201Raised, clearedAt: null },
  ];
  expect(
    await send(
      drop(
        W1,
        2,
        cycles(1, 10, () => 20),
        w1Alarms(5),
      ),
    ),
  ).toBe('stored');
  expect(
    await send(
      drop(
        W1,
        2,
        cycles(1, 8, () => 21),
        w1Alarms(6),
      ),
    ),
  ).toBe('stored');
  expect(
    await send(
      drop(
        W1,
        1,
        cycles(1, 9, (k) => 22 + k),
        w1Alarms(7),
      ),
    ),
  ).toBe('stored');

  // W2: the critical alarm again (the PLC repeats it with its raisedAt), cleared at W2+12;
  // a warning; E-301 raised at W2+45 as a warning, which W3's drop calls a fault: its
  // fifteen minutes in W2 are downtime in a report of W2 alone too. Sent twice: the second is
  // an exact re-send.
  const e301Raised = at(W2 + 45 * M);
  const w2 = drop(
    W2,
    3,
    cycles(2, 6, () => 30),
    [
      { code: 'E-201', severity: 'critical', raisedAt: e201Raised, clearedAt: at(W2 + 12 * M) },
      { code: 'W-401', severity: 'warning', raisedAt: at(W2 + 30 * M), clearedAt: at(W2 + 40 * M) },
      { code: 'E-301', severity: 'warning', raisedAt: e301Raised, clearedAt: null },
    ],
  );
  expect(await send(w2)).toBe('stored');
  expect(await send(w2)).toBe('duplicate');

  // W3: a momentary info alarm and a fault still active at the end; then the same content
  // zipped again (another zip, same content): a duplicate.
  const w3 = drop(
    W3,
    4,
    cycles(3, 5, (k) => 5 * k),
    [
      { code: 'I-900', severity: 'info', raisedAt: at(W3 + 5 * M), clearedAt: at(W3 + 5 * M) },
      { code: 'E-101', severity: 'fault', raisedAt: at(W3 + 55 * M), clearedAt: null },
      { code: 'E-301', severity: 'fault', raisedAt: e301Raised, clearedAt: at(W3 + 10 * M) },
    ],
  );
  expect(await send(w3)).toBe('stored');
  expect(await send({ spec: w3.spec, zip: rideHourDrop(w3.spec, { level: 0 }) })).toBe('duplicate');

  await drain();
  const unprocessed = await env.pool.query("SELECT id FROM batches WHERE state <> 'processed'");
  expect(unprocessed.rows).toEqual([]);
});

afterAll(async () => {
  await central?.close();
  await env?.cleanup();
});

function inputScope(from: number, to: number) {
  return {
    parkId: PARK,
    rideId: RIDE,
    start: new Date(from),
    end: new Date(to),
    language: 'en' as const,
  };
}

describe('figures against the latest content of each ride-window', () => {
  it('report input over a period with :30 edges', async () => {
    for (const [from, to] of [
      [W0 + 30 * M, W0 + 3 * H + 30 * M],
      [W0, W0 + 4 * H],
      [W0 + 2 * H, W0 + 3 * H],
      [W0 + 55 * M, W0 + 2 * H + 5 * M],
    ] as const) {
      const input = await buildReportInput(env.pool, inputScope(from, to));
      const want = expected(from, to);
      expect(
        input.hourly.map((h) => ({
          hourStart: h.hourStart,
          cycles: h.cycles,
          riders: h.riders,
          completed: h.completed,
          aborted: h.aborted,
          estop: h.estop,
        })),
        `${iso(from)}–${iso(to)}`,
      ).toEqual(
        want.hours.map(({ hourStart, cycles: c, riders, completed, aborted, estop }) => ({
          hourStart,
          cycles: c,
          riders,
          completed,
          aborted,
          estop,
        })),
      );
      for (const [i, h] of want.hours.entries()) {
        expect(input.hourly[i]?.faultMinutes).toBeCloseTo(h.faultMinutes, 9);
        expect(input.hourly[i]?.availability).toBeCloseTo(h.availability, 9);
        expect(input.hourly[i]?.autoMinutes).toBeCloseTo(h.autoMinutes, 6);
      }
      expect(
        input.alarms.map((a) => ({
          code: a.code,
          severity: a.severity,
          raisedAt: a.raisedAt,
          durationS: a.durationS,
        })),
        `${iso(from)}–${iso(to)}`,
      ).toEqual(want.alarms);
    }
  });

  it('the nine exports of one ride-hour count its eighteen cycles once, the last export winning', async () => {
    const input = await buildReportInput(env.pool, inputScope(W0, W0 + H));
    expect(input.hourly).toHaveLength(1);
    expect(input.hourly[0]).toMatchObject({
      cycles: 18,
      riders: 10 * 18 + (17 * 18) / 2 - 15 + 40,
      completed: 17,
      aborted: 1,
    });
  });

  it("the reporter's summary (real worker and Rust reporter) shows the same figures", async () => {
    for (const [from, to] of [
      [W0, W0 + 4 * H],
      // E-201 was raised before this period and cleared inside it: a failure of this period.
      [W0 + 2 * H, W0 + 3 * H],
    ] as const) {
      const id = await requestReport(env.pool, {
        park: PARK,
        ride: RIDE,
        from: iso(from),
        to: iso(to),
      });
      await drain();
      const status = await reportStatus(env.pool, id);
      expect(status?.state, status?.error ?? '').toBe('ready');
      const summary = JSON.parse(await readFile(status?.files?.summary ?? '', 'utf8')) as {
        cycles: number;
        riders: number;
        failures: number;
        mttrS: number | null;
        topAlarms: { code: string; count: number }[];
      };
      const want = expected(from, to);
      expect(summary.cycles).toBe(want.hours.reduce((s, h) => s + h.cycles, 0));
      expect(summary.riders).toBe(want.hours.reduce((s, h) => s + h.riders, 0));
      const failures = want.alarms.filter(
        (a) => a.severity === 'fault' || a.severity === 'critical',
      );
      expect(summary.failures).toBe(failures.length);
      expect(summary.mttrS).toBeCloseTo(
        failures.reduce((s, a) => s + a.durationS, 0) / failures.length,
        3,
      );
      const counts = new Map<string, number>();
      for (const a of want.alarms) counts.set(a.code, (counts.get(a.code) ?? 0) + 1);
      expect(Object.fromEntries(summary.topAlarms.map((t) => [t.code, t.count]))).toEqual(
        Object.fromEntries(counts),
      );
    }
  });

  it("the dashboard's ride page shows the same days and top alarms", async () => {
    const now = Date.now();
    const ride = await rideDetail(env.pool, { park: PARK, ride: RIDE, days: 3 }, now);
    const days = parkLocalDays(TZ, 3, now);
    expect(ride.days.map((d) => d.date)).toEqual(days.map((d) => d.date));
    for (const [i, d] of days.entries()) {
      const want = expected(d.start.getTime(), d.end.getTime());
      const got = ride.days[i];
      expect(got?.cycles, d.date).toBe(want.hours.reduce((s, h) => s + h.cycles, 0));
      expect(got?.riders, d.date).toBe(want.hours.reduce((s, h) => s + h.riders, 0));
      expect(got?.hoursWithData, d.date).toBe(want.hours.length);
      const covered = want.hours.reduce((s, h) => s + h.coveredMs, 0);
      const fault = want.hours.reduce((s, h) => s + h.faultMinutes * M, 0);
      if (covered === 0) expect(got?.availability).toBeNull();
      else expect(got?.availability, d.date).toBeCloseTo(1 - fault / covered, 9);
    }
    const shown = expected(days[0]?.start.getTime() ?? 0, days.at(-1)?.end.getTime() ?? 0);
    const byCode = new Map<string, { count: number; downtimeS: number; activeS: number }>();
    for (const a of shown.alarms) {
      const e = byCode.get(a.code) ?? { count: 0, downtimeS: 0, activeS: 0 };
      e.count += 1;
      e.activeS += a.durationS;
      if (a.severity === 'fault' || a.severity === 'critical') e.downtimeS += a.durationS;
      byCode.set(a.code, e);
    }
    expect(
      Object.fromEntries(
        ride.topAlarms.map((t) => [
          t.code,
          { count: t.count, downtimeS: t.downtimeS, activeS: t.activeS },
        ]),
      ),
    ).toEqual(Object.fromEntries(byCode));
    // The ride's only channel: one p95 over the cycles counted once.
    expect(ride.channels.map((c) => [c.channel, c.cycles])).toEqual([
      ['main_motor.current', [...latest.values()].reduce((s, w) => s + w.cycles.length, 0)],
    ]);
  });

  it("the fleet and park pages' availability today is the same figure", async () => {
    // "Now" during W2: today is the Kolkata day W2 falls in.
    const now = W0 + 2 * H + 30 * M;
    const [today] = parkLocalDays(TZ, 1, now);
    const want = expected(today?.start.getTime() ?? 0, today?.end.getTime() ?? 0);
    const covered = want.hours.reduce((s, h) => s + h.coveredMs, 0);
    const fault = want.hours.reduce((s, h) => s + h.faultMinutes * M, 0);
    const park = await parkDetail(env.pool, { park: PARK, days: 1 }, 600_000, now);
    expect(park.rides[0]?.availabilityToday).toBeCloseTo(1 - fault / covered, 9);
    const fleet = await fleetOverview(env.pool, 600_000, now);
    expect(fleet.parks[0]?.today.availability).toBeCloseTo(1 - fault / covered, 9);
    expect(fleet.parks[0]?.today.date).toBe(today?.date);
  });
});
