import { createHash } from 'node:crypto';
import AdmZip from 'adm-zip';
import { DROP_FORMAT, formatDropFileName } from '@zra/shared';

/** A small drop zip for tests, with the identities the agent should compute for it. */
export interface TestDrop {
  fileName: string;
  zip: Buffer;
  /** SHA-256 of `zip`. */
  sha256: string;
  /** Content identity per docs/job-contracts.md. */
  contentId: string;
}

export interface TestDropOptions {
  park?: string;
  ride?: string;
  sequence?: number;
  /** Window start, UTC ISO 8601 without milliseconds; the window lasts one hour. */
  windowStart?: string;
  /** Varies the content (riders of the one cycle), so drops differ. */
  riders?: number;
  /** Entries are stored uncompressed: other zip bytes, same content. */
  stored?: boolean;
  /** Replaces manifest fields after the files list is computed (to build invalid drops). */
  manifestPatch?: Record<string, unknown>;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Builds a valid drop-format v1 zip with one cycle, one alarm, counters and one channel. */
export function buildTestDrop(options: TestDropOptions = {}): TestDrop {
  const park = options.park ?? 'gardaland';
  const ride = options.ride ?? 'r1';
  const sequence = options.sequence ?? 1;
  const start = options.windowStart ?? '2026-06-01T10:00:00Z';
  const t0 = Date.parse(start);
  const at = (s: number): string => new Date(t0 + s * 1000).toISOString().replace('.000Z', 'Z');

  const entries = new Map<string, Buffer>([
    [
      'cycles.json',
      json([
        {
          id: 'c1',
          start: at(60),
          end: at(150),
          mode: 'auto',
          outcome: 'completed',
          riders: options.riders ?? 12,
        },
      ]),
    ],
    [
      'alarms.json',
      json([
        { code: 'E-101', severity: 'warning', raisedAt: at(70), clearedAt: at(80), cycleId: 'c1' },
      ]),
    ],
    [
      'counters.json',
      json([{ at: at(0), operatingHours: 1200.5, cycleCounter: 4000, powerOnHours: 3000 }]),
    ],
    [
      'telemetry/main_motor.current.json',
      json({
        channel: 'main_motor.current',
        unit: 'A',
        rateHz: 1,
        start: at(0),
        values: Array.from({ length: 60 }, (_, i) => (i % 7 === 0 ? null : 40 + (i % 5))),
      }),
    ],
  ]);
  const manifest = {
    format: DROP_FORMAT,
    park,
    ride,
    model: 'disko-coaster',
    plc: { serial: 'PLC-0001', firmware: '4.2.1' },
    timezone: 'Europe/Rome',
    window: { start, end: at(3600) },
    sequence,
    files: [...entries].map(([path, data]) => ({ path, sha256: sha256(data), bytes: data.length })),
    ...options.manifestPatch,
  };
  entries.set('manifest.json', json(manifest));

  const zip = new AdmZip();
  for (const [path, data] of entries) {
    zip.addFile(path, data);
    const entry = zip.getEntry(path);
    // Method 0 is STORED: the same entries, other zip bytes.
    if (options.stored && entry) entry.header.method = 0;
  }
  const bytes = zip.toBuffer();
  const lines = [...entries]
    .map(([path, data]) => `${path}\t${sha256(data)}\n`)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return {
    fileName: formatDropFileName({ park, ride, windowStart: start, sequence }),
    zip: bytes,
    sha256: sha256(bytes),
    contentId: createHash('sha256').update(lines.join('')).digest('hex'),
  };
}

/** Bytes that are not a zip at all, under a drop file name. */
export function corruptZip(drop: TestDrop): Buffer {
  const bytes = Buffer.from(drop.zip);
  // Damage the middle (entry data) so the CRC check, not just the header parse, must catch it.
  for (let i = Math.floor(bytes.length / 3); i < Math.floor(bytes.length / 3) + 16; i++) {
    bytes[i] = (bytes[i] ?? 0) ^ 0xff;
  }
  return bytes;
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, null, 1));
}
