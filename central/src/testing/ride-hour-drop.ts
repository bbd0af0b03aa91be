import { writeDropZip, type DropZipOptions, type WrittenDrop } from '@zra/shared';

/** One cycle of a {@link rideHourDrop}, in minutes from the window start. */
export interface HourCycle {
  id: string;
  /** Minutes after the window start (may be fractional). */
  at: number;
  /** Minutes it runs. */
  minutes: number;
  mode?: 'auto' | 'manual' | 'maintenance';
  outcome?: 'completed' | 'aborted' | 'estop';
  riders: number;
  /** The main motor current during the cycle: the cycle's peak (idle is 12 A). */
  peak: number;
}

/** One alarm row as the PLC writes it in this window (UTC ISO instants). */
export interface HourAlarm {
  code: string;
  severity: 'info' | 'warning' | 'fault' | 'critical';
  raisedAt: string;
  clearedAt: string | null;
}

/** What a test puts in one ride-hour drop; everything else is a small valid default. */
export interface RideHourDropSpec {
  park: string;
  ride: string;
  model?: string;
  timezone?: string;
  sequence: number;
  /** Window start, a whole UTC hour (ISO); the window lasts one hour. */
  start: string;
  cycles: HourCycle[];
  alarms: HourAlarm[];
  /** A different PLC serial: other content with the same figures (a re-export). */
  serial?: string;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * A one-hour drop with exactly the given cycles and alarms and a 1 Hz main-motor-current
 * channel that sits at each cycle's `peak` while it runs (12 A otherwise), so a test knows
 * every figure the pipeline must derive from it. `zip.level` zips the same content otherwise.
 */
export function rideHourDrop(spec: RideHourDropSpec, zip: DropZipOptions = {}): WrittenDrop {
  const startMs = Date.parse(spec.start);
  const cycles = spec.cycles.map((c) => ({
    id: c.id,
    start: iso(startMs + c.at * 60_000),
    end: iso(startMs + (c.at + c.minutes) * 60_000),
    mode: c.mode ?? 'auto',
    outcome: c.outcome ?? 'completed',
    riders: c.riders,
  }));
  const values = Array.from({ length: 3600 }, (_, s) => {
    const running = spec.cycles.find((c) => s >= c.at * 60 && s <= (c.at + c.minutes) * 60);
    return running ? running.peak : 12;
  });
  const json = (v: unknown) => Buffer.from(`${JSON.stringify(v)}\n`);
  return writeDropZip(
    {
      park: spec.park,
      ride: spec.ride,
      model: spec.model ?? 'discovery-revolution',
      plc: { serial: spec.serial ?? 'PLC-TEST-1', firmware: '1.0.0' },
      timezone: spec.timezone ?? 'Europe/Rome',
      window: { start: iso(startMs), end: iso(startMs + 3_600_000) },
      sequence: spec.sequence,
    },
    [
      { path: 'cycles.json', content: json(cycles) },
      { path: 'alarms.json', content: json(spec.alarms.map((a) => ({ ...a, cycleId: null }))) },
      {
        path: 'counters.json',
        content: json([
          { at: iso(startMs), operatingHours: 1000, cycleCounter: 5000, powerOnHours: 1200 },
        ]),
      },
      {
        path: 'telemetry/main_motor.current.json',
        content: json({
          channel: 'main_motor.current',
          unit: 'A',
          rateHz: 1,
          start: iso(startMs),
          values,
        }),
      },
    ],
    zip,
  );
}
