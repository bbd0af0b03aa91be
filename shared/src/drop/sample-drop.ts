import { stableJson, type DropHeader } from './write-drop-zip.ts';
import type { ZipInputEntry } from './zip-writer.ts';

/** The header of the hand-made sample drop used by tests and test vectors. */
export const SAMPLE_DROP_HEADER: DropHeader = {
  park: 'gardaland-demo',
  ride: 'ride-1',
  model: 'discovery-revolution',
  plc: { serial: 'ZP-0001', firmware: '4.2.1' },
  timezone: 'Europe/Rome',
  window: { start: '2026-06-01T10:00:00Z', end: '2026-06-01T11:00:00Z' },
  sequence: 7,
};

/** Canonical file name of the sample drop. */
export const SAMPLE_DROP_FILE_NAME = 'gardaland-demo_ride-1_20260601T100000Z_7.zip';

/**
 * The entries (without manifest) of a tiny, readable, valid drop: one cycle, one warning, one
 * counter snapshot and five brake-pressure samples, which tests vary to break one rule at a time.
 */
export function sampleDropEntries(
  brakeValues: unknown[] = [160, 161.5, null, null, 159.8],
): ZipInputEntry[] {
  return [
    {
      path: 'cycles.json',
      content: stableJson([
        {
          id: 'c-1',
          start: '2026-06-01T10:01:00Z',
          end: '2026-06-01T10:03:30Z',
          mode: 'auto',
          outcome: 'completed',
          riders: 32,
        },
      ]),
    },
    {
      path: 'alarms.json',
      content: stableJson([
        {
          code: 'W-401',
          severity: 'warning',
          raisedAt: '2026-06-01T10:02:00Z',
          clearedAt: '2026-06-01T10:02:30Z',
          cycleId: 'c-1',
        },
      ]),
    },
    {
      path: 'counters.json',
      content: stableJson([
        {
          at: '2026-06-01T10:00:00Z',
          operatingHours: 1200.5,
          cycleCounter: 8000,
          powerOnHours: 1500,
        },
      ]),
    },
    {
      path: 'telemetry/brake.pressure.json',
      content: stableJson({
        channel: 'brake.pressure',
        unit: 'bar',
        rateHz: 1,
        start: '2026-06-01T10:00:00Z',
        values: brakeValues,
      }),
    },
  ];
}
