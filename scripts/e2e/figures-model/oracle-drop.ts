/**
 * The oracle's own reading of a drop file: bytes and name in, identity, verdict and the raw
 * cycles and alarms out. Written from docs/drop-format.md, docs/job-contracts.md and the
 * issue-14 rules, with adm-zip, node:crypto and its own small schemas: nothing from the
 * project's verifier, content id or postprocessor.
 */
import { createHash } from 'node:crypto';
import AdmZip from 'adm-zip';
import { z } from 'zod';

const HOUR = 3_600_000;
/** R3: a window may start at most this long after the drop was received. */
const FUTURE_SLACK = 15 * 60_000;

const instant = z.string().refine((s) => /Z$/.test(s) && !Number.isNaN(Date.parse(s)));

const manifestSchema = z.object({
  format: z.literal('zamperla.plc/v1'),
  park: z.string(),
  ride: z.string(),
  model: z.string(),
  sequence: z.number().int().nonnegative(),
  window: z.object({ start: instant, end: instant }),
  files: z.array(z.object({ path: z.string(), sha256: z.string() })),
});

const cyclesSchema = z.array(
  z.object({
    id: z.string(),
    start: instant,
    end: instant,
    mode: z.string(),
    outcome: z.enum(['completed', 'aborted', 'estop']),
    riders: z.number().int(),
  }),
);

const alarmsSchema = z.array(
  z.object({
    code: z.string(),
    severity: z.enum(['info', 'warning', 'fault', 'critical']),
    raisedAt: instant,
    clearedAt: instant.nullable(),
    cycleId: z.string().nullable(),
  }),
);

const telemetrySchema = z.object({
  channel: z.string(),
  rateHz: z.number().positive(),
  start: instant,
  values: z.array(z.number().nullable()),
});

/** One channel's samples: sample `i` is at `start + i / rateHz` s (drop-format.md). */
export interface OracleTelemetry {
  channel: string;
  rateHz: number;
  start: number;
  values: (number | null)[];
}

export interface OracleCycle {
  id: string;
  start: number;
  end: number;
  outcome: 'completed' | 'aborted' | 'estop';
  riders: number;
}

export interface OracleAlarm {
  code: string;
  severity: 'info' | 'warning' | 'fault' | 'critical';
  raisedAt: number;
  clearedAt: number | null;
}

/** Which rule rejects a drop, and the code every side must give. */
export interface Rejection {
  rule: 'R1' | 'R2' | 'R3';
  code: 'name_mismatch' | 'window_not_hour' | 'window_in_future';
  why: string;
}

export interface OracleDrop {
  fileName: string;
  /** The gateway folder's ride (the agent's ride config). */
  ride: string;
  sha256: string;
  contentId: string;
  park: string;
  sequence: number;
  windowStart: number;
  windowEnd: number;
  cycles: OracleCycle[];
  alarms: OracleAlarm[];
  telemetry: OracleTelemetry[];
  /** null: valid. */
  rejection: Rejection | null;
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** contentId (job-contracts.md): hash of the sorted "{path}\t{sha256}\n" lines of every entry. */
function contentIdOf(zip: AdmZip): string {
  const lines = zip
    .getEntries()
    .map((e) => `${e.entryName}\t${sha256(e.getData())}\n`)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return sha256(lines.join(''));
}

function stamp(t: number): string {
  return new Date(t).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
}

function json(zip: AdmZip, path: string): unknown {
  const e = zip.getEntry(path);
  return e ? (JSON.parse(e.getData().toString('utf8')) as unknown) : [];
}

/**
 * Reads one file as the gateway offered it. `receivedAt` is when the agent pulled it (R3's
 * future check). The scenario only writes drops whose zip and schemas are sound, so the
 * verdict is about the rules of issue 14: canonical name, hour-aligned window, not future.
 */
export function readOracleDrop(
  ride: string,
  fileName: string,
  bytes: Buffer,
  receivedAt: number,
): OracleDrop {
  const zip = new AdmZip(bytes);
  const manifest = manifestSchema.parse(json(zip, 'manifest.json'));
  const start = Date.parse(manifest.window.start);
  const end = Date.parse(manifest.window.end);
  const cycles = cyclesSchema.parse(json(zip, 'cycles.json')).map((c) => ({
    id: c.id,
    start: Date.parse(c.start),
    end: Date.parse(c.end),
    outcome: c.outcome,
    riders: c.riders,
  }));
  const alarms = alarmsSchema.parse(json(zip, 'alarms.json')).map((a) => ({
    code: a.code,
    severity: a.severity,
    raisedAt: Date.parse(a.raisedAt),
    clearedAt: a.clearedAt === null ? null : Date.parse(a.clearedAt),
  }));
  const telemetry = zip
    .getEntries()
    .filter((e) => e.entryName.startsWith('telemetry/'))
    .map((e) => {
      const t = telemetrySchema.parse(JSON.parse(e.getData().toString('utf8')));
      return { channel: t.channel, rateHz: t.rateHz, start: Date.parse(t.start), values: t.values };
    });
  const canonical = `${manifest.park}_${manifest.ride}_${stamp(start)}_${manifest.sequence}.zip`;
  let rejection: Rejection | null = null;
  if (fileName !== canonical) {
    rejection = {
      rule: 'R1',
      code: 'name_mismatch',
      why: `the file name is not the canonical ${canonical}`,
    };
  } else if (start % HOUR !== 0 || end - start !== HOUR) {
    rejection = {
      rule: 'R2',
      code: 'window_not_hour',
      why: `window ${manifest.window.start}–${manifest.window.end} is not one UTC-aligned hour`,
    };
  } else if (start > receivedAt + FUTURE_SLACK) {
    rejection = {
      rule: 'R3',
      code: 'window_in_future',
      why: `window starts ${manifest.window.start}, after it was received`,
    };
  }
  return {
    fileName,
    ride,
    sha256: sha256(bytes),
    contentId: contentIdOf(zip),
    park: manifest.park,
    sequence: manifest.sequence,
    windowStart: start,
    windowEnd: end,
    cycles,
    alarms,
    telemetry,
    rejection,
  };
}
