import { stableJson, type DropHeader } from '../drop/write-drop-zip.ts';
import type { ZipInputEntry } from '../drop/zip-writer.ts';
import type { RideModel } from '../ride-model/ride-model.ts';
import { toIso } from './iso-time.ts';
import type { WindowEvents } from './ride-simulator.ts';

/** Identity of a ride's PLC, written into every manifest. */
export interface PlcIdentity {
  serial: string;
  firmware: string;
}

/** Inputs of {@link windowDropParts}. */
export interface WindowDropInput {
  park: string;
  ride: string;
  model: RideModel;
  plc: PlcIdentity;
  timeZone: string;
  sequence: number;
  events: WindowEvents;
  /** Rendered `telemetry/{channel}.json` files, in the model's channel order. */
  telemetry: readonly { channel: string; json: Buffer }[];
}

// zlib level 3 compresses telemetry within ~15 % of level 6 at a quarter of the time, which is
// what keeps a day of 50 Hz data for several rides well under a minute to generate.
export const DROP_ZIP_LEVEL = 3;

// Counters are read as decimals from the PLC; two decimals of an hour is well under a minute.
function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** One window's drop header and entries, in a fixed order, ready to be zipped. */
export function windowDropParts(input: WindowDropInput): {
  header: DropHeader;
  entries: ZipInputEntry[];
} {
  const { events } = input;
  const cycles = events.cycles.map((c) => ({
    id: c.id,
    start: toIso(c.start),
    end: toIso(c.end),
    mode: c.mode,
    outcome: c.outcome,
    riders: c.riders,
  }));
  const alarms = events.alarms.map((a) => ({
    code: a.code,
    severity: a.severity,
    raisedAt: toIso(a.raisedAt),
    clearedAt: a.clearedAt === null ? null : toIso(a.clearedAt),
    cycleId: a.cycleId,
  }));
  const counters = events.counters.map((c) => ({
    at: toIso(c.at),
    operatingHours: round2(c.operatingHours),
    cycleCounter: c.cycleCounter,
    powerOnHours: round2(c.powerOnHours),
  }));
  return {
    header: {
      park: input.park,
      ride: input.ride,
      model: input.model.id,
      plc: input.plc,
      timezone: input.timeZone,
      window: { start: toIso(events.window.start), end: toIso(events.window.end) },
      sequence: input.sequence,
    },
    entries: [
      { path: 'cycles.json', content: stableJson(cycles) },
      { path: 'alarms.json', content: stableJson(alarms) },
      { path: 'counters.json', content: stableJson(counters) },
      ...input.telemetry.map((t) => ({ path: `telemetry/${t.channel}.json`, content: t.json })),
    ],
  };
}
