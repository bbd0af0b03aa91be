/**
 * The oracle itself, on a case small enough to compute by hand: two windows of one ride, a
 * cycle dispatched a second before the hour (listed again in the next drop), a fault that
 * runs across the hour, a warning, a stale copy, a revision with a new sequence, a re-send and
 * a badly named copy.
 */
import { describe, expect, it } from 'vitest';
import { writeDropZip, type DropHeader } from '@zra/shared';
import { readOracleDrop } from './oracle-drop.ts';
import { expectedReport } from './oracle-report.ts';
import { buildModel, type Delivery } from './oracle.ts';

const T = (hhmmss: string): string => `2026-06-01T${hhmmss}Z`;
const at = (hhmmss: string): number => Date.parse(T(hhmmss));

function drop(start: string, sequence: number, cycles: object[], alarms: object[]) {
  const header: DropHeader = {
    park: 'p',
    ride: 'r',
    model: 'discovery-revolution',
    plc: { serial: 'S', firmware: '1' },
    timezone: 'UTC',
    window: {
      start: T(start),
      end: T(`${String(Number(start.slice(0, 2)) + 1).padStart(2, '0')}:00:00`),
    },
    sequence,
  };
  const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
  return writeDropZip(header, [
    { path: 'cycles.json', content: json(cycles) },
    { path: 'alarms.json', content: json(alarms) },
  ]);
}

const cycle = (id: string, start: string, end: string, outcome: string, riders: number) => ({
  id,
  start: T(start),
  end: T(end),
  mode: 'auto',
  outcome,
  riders,
});
const fault = (cleared: string | null) => ({
  code: 'E-101',
  severity: 'fault',
  raisedAt: T('10:40:00'),
  clearedAt: cleared === null ? null : T(cleared),
  cycleId: null,
});
const warning = {
  code: 'W-401',
  severity: 'warning',
  raisedAt: T('10:10:00'),
  clearedAt: T('10:20:00'),
  cycleId: null,
};

const w10 = drop(
  '10:00:00',
  1,
  [
    cycle('c1', '10:05:00', '10:07:00', 'completed', 10),
    cycle('c2', '10:59:59', '11:02:00', 'aborted', 5),
  ],
  [warning, fault(null)],
);
const c2again = cycle('c2', '10:59:59', '11:02:00', 'aborted', 5);
const c3 = cycle('c3', '11:00:00', '11:02:00', 'estop', 7);
const w11 = drop('11:00:00', 2, [c2again, c3], [warning, fault('11:10:00')]);
const w11rev = drop(
  '11:00:00',
  7,
  [c2again, c3, cycle('c4', '11:30:00', '11:32:00', 'completed', 3)],
  [warning, fault('11:10:00')],
);

const now = at('12:00:00') + 86_400_000;
const deliveries: Delivery[] = [
  { round: 0, ride: 'r', note: 'bad name', drop: readOracleDrop('r', 'w10 (1).zip', w10.zip, now) },
  { round: 0, ride: 'r', note: 'w10', drop: readOracleDrop('r', w10.fileName, w10.zip, now) },
  { round: 0, ride: 'r', note: 'w11', drop: readOracleDrop('r', w11.fileName, w11.zip, now) },
  { round: 1, ride: 'r', note: 're-send', drop: readOracleDrop('r', w10.fileName, w10.zip, now) },
  {
    round: 2,
    ride: 'r',
    note: 'revision',
    drop: readOracleDrop('r', w11rev.fileName, w11rev.zip, now),
  },
];
const model = buildModel(deliveries);
const hours = { open: '00:00', close: '24:00' };

describe('the oracle, by hand', () => {
  it('keeps the revision live, ignores the bad name and the re-send', () => {
    expect(deliveries[0]?.drop.rejection?.code).toBe('name_mismatch');
    expect(model.live.size).toBe(2);
    expect([...model.live.values()].map((w) => w.drop.sequence).sort()).toEqual([1, 7]);
    expect(model.validContents.size).toBe(3);
  });

  it('counts each cycle in the hour it started, once, and the fault once across the hour', () => {
    const r = expectedReport(
      model,
      { ride: 'r', from: at('10:00:00'), to: at('12:00:00') },
      'UTC',
      hours,
    );
    expect([r.cycles, r.riders, r.completed, r.aborted, r.estop]).toEqual([4, 25, 2, 1, 1]);
    // Hour 10: fault 10:40–11:00 (20 min); hour 11: 11:00–11:10 (10 min). The warning is no downtime.
    expect(r.availability).toBeCloseTo((1 - 20 / 60 + 1 - 10 / 60) / 2, 12);
    expect(r.failures).toBe(1);
    expect(r.mttrS).toBeCloseTo(1800, 9);
    expect(r.alarmCodes.sort((a, b) => (a.code < b.code ? -1 : 1))).toEqual([
      { code: 'E-101', count: 1, downtimeS: 1800 },
      { code: 'W-401', count: 1, downtimeS: 0 },
    ]);
    expect(r.completeness).toEqual({
      rideHoursWithData: 2,
      rideHoursExpected: 2,
      rideHoursOutsideOpening: 0,
      ratio: 1,
    });
  });

  it('lists the fault in a period it entered before, with its time inside the period only', () => {
    const r = expectedReport(
      model,
      { ride: 'r', from: at('11:00:00'), to: at('12:00:00') },
      'UTC',
      hours,
    );
    expect([r.cycles, r.riders]).toEqual([2, 10]);
    expect(r.failures).toBe(1);
    expect(r.alarmCodes).toEqual([{ code: 'E-101', count: 1, downtimeS: 600 }]);
    expect(r.availability).toBeCloseTo(1 - 10 / 60, 12);
    const half = expectedReport(
      model,
      { ride: 'r', from: at('10:30:00'), to: at('11:30:00') },
      'UTC',
      hours,
    );
    // Only hour 11 starts in the period; the fault is active for 10:40–11:10 of it.
    expect([half.cycles, half.hoursWithData, half.mttrS]).toEqual([2, 1, 1800]);
    expect(half.alarmCodes.map((a) => a.code)).toEqual(['E-101']);
  });
});
