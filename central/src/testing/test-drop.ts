import {
  writeDropZip,
  type Cycle,
  type DropHeader,
  type WrittenDrop,
  type ZipInputEntry,
} from '@zra/shared';

/** What a test may vary in a drop; everything else is a small, valid default. */
export interface TestDropOptions {
  park?: string;
  ride?: string;
  model?: string;
  sequence?: number;
  /** Window start (UTC ISO); the window lasts one hour. */
  start?: string;
  cycles?: number;
  /** Changes the content (and so the content id) without changing the header. */
  salt?: number;
}

/**
 * A small valid drop: `cycles` three-minute cycles, one cleared alarm, two counter snapshots
 * and one 1 Hz telemetry channel. Small enough for fast tests, complete enough for the
 * postprocessor.
 */
export function buildTestDrop(options: TestDropOptions = {}): TestDrop {
  const { header, entries } = buildTestDropParts(options);
  return { ...writeDropZip(header, entries), header, entries };
}

/** A written test drop plus the parts it was made of, to re-zip or tamper with. */
export interface TestDrop extends WrittenDrop {
  header: DropHeader;
  entries: ZipInputEntry[];
}

/** The header and entries (without the manifest) of {@link buildTestDrop}. */
export function buildTestDropParts(options: TestDropOptions = {}): {
  header: DropHeader;
  entries: ZipInputEntry[];
} {
  const park = options.park ?? 'test-park';
  const ride = options.ride ?? 'revolution-1';
  const startMs = Date.parse(options.start ?? '2026-06-01T10:00:00Z');
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const count = options.cycles ?? 3;
  const cycles: Cycle[] = Array.from({ length: count }, (_, i) => ({
    id: `c${options.salt ?? 0}-${i + 1}`,
    start: iso(startMs + (i * 10 + 1) * 60_000),
    end: iso(startMs + (i * 10 + 4) * 60_000),
    mode: 'auto',
    outcome: 'completed',
    riders: 20 + i,
  }));
  const alarms = [
    {
      code: 'E-101',
      severity: 'fault',
      raisedAt: iso(startMs + 50 * 60_000),
      clearedAt: iso(startMs + 52 * 60_000),
      cycleId: null,
    },
  ];
  const counters = [
    { at: iso(startMs), operatingHours: 1000, cycleCounter: 5000, powerOnHours: 1200 },
    {
      at: iso(startMs + 3_599_000),
      operatingHours: 1001,
      cycleCounter: 5000 + count,
      powerOnHours: 1201,
    },
  ];
  const values = Array.from({ length: 3600 }, (_, s) => (s % 600 < 180 ? 300 : 12));
  const telemetry = {
    channel: 'main_motor.current',
    unit: 'A',
    rateHz: 1,
    start: iso(startMs),
    values,
  };
  const json = (v: unknown) => Buffer.from(`${JSON.stringify(v)}\n`);
  return {
    header: {
      park,
      ride,
      model: options.model ?? 'discovery-revolution',
      plc: { serial: 'PLC-TEST-1', firmware: '1.0.0' },
      timezone: 'Europe/Rome',
      window: { start: iso(startMs), end: iso(startMs + 3_600_000) },
      sequence: options.sequence ?? 1,
    },
    entries: [
      { path: 'cycles.json', content: json(cycles) },
      { path: 'alarms.json', content: json(alarms) },
      { path: 'counters.json', content: json(counters) },
      { path: 'telemetry/main_motor.current.json', content: json(telemetry) },
    ],
  };
}
