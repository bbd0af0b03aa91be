/**
 * A drop as the scenario edits it: the header, the cycles and alarms as plain JSON, and every
 * other entry (counters, telemetry) as the bytes the generator wrote. The scenario side only:
 * the oracle reads zips on its own (oracle-drop.ts) and never sees these objects.
 */
import AdmZip from 'adm-zip';
import {
  stableJson,
  writeDropZip,
  writeZip,
  type DropHeader,
  type ZipInputEntry,
} from '@zra/shared';

export interface CycleJson {
  id: string;
  start: string;
  end: string;
  mode: 'auto' | 'manual' | 'maintenance';
  outcome: 'completed' | 'aborted' | 'estop';
  riders: number;
}

export interface AlarmJson {
  code: string;
  severity: 'info' | 'warning' | 'fault' | 'critical';
  raisedAt: string;
  clearedAt: string | null;
  cycleId: string | null;
}

export interface DropContent {
  header: DropHeader;
  cycles: CycleJson[];
  alarms: AlarmJson[];
  /** Every entry but the manifest, in the manifest's order; cycles/alarms are re-rendered. */
  entries: ZipInputEntry[];
}

/** The generator's level, so an edited drop looks like one the PLC wrote. */
const LEVEL = 3;

/** UTC ISO 8601 with `Z`, without `.000` for whole seconds (as the generator writes times). */
export function iso(ms: number): string {
  const s = new Date(ms).toISOString();
  return s.endsWith('.000Z') ? `${s.slice(0, -5)}Z` : s;
}

export function ms(isoTime: string): number {
  const t = Date.parse(isoTime);
  if (Number.isNaN(t)) throw new Error(`not an instant: ${isoTime}`);
  return t;
}

function entryText(zip: AdmZip, path: string): string {
  const e = zip.getEntry(path);
  if (!e) throw new Error(`the generated drop has no ${path}`);
  return e.getData().toString('utf8');
}

/** Reads a drop the scenario (or the generator) wrote, for editing. */
export function readContent(zipBytes: Buffer): DropContent {
  const zip = new AdmZip(zipBytes);
  const manifest = JSON.parse(entryText(zip, 'manifest.json')) as DropHeader & {
    files: { path: string }[];
    format: string;
  };
  const { files, ...rest } = manifest;
  const header: DropHeader = {
    park: rest.park,
    ride: rest.ride,
    model: rest.model,
    plc: rest.plc,
    timezone: rest.timezone,
    window: rest.window,
    sequence: rest.sequence,
  };
  const entries = files.map((f) => ({
    path: f.path,
    content: Buffer.from(zip.getEntry(f.path)?.getData() ?? Buffer.alloc(0)),
  }));
  const has = (p: string): boolean => files.some((f) => f.path === p);
  return {
    header: structuredClone(header),
    cycles: has('cycles.json') ? (JSON.parse(entryText(zip, 'cycles.json')) as CycleJson[]) : [],
    alarms: has('alarms.json') ? (JSON.parse(entryText(zip, 'alarms.json')) as AlarmJson[]) : [],
    entries,
  };
}

export function cloneContent(c: DropContent): DropContent {
  return {
    header: structuredClone(c.header),
    cycles: structuredClone(c.cycles),
    alarms: structuredClone(c.alarms),
    entries: c.entries.map((e) => ({ path: e.path, content: e.content })),
  };
}

/** Writes the content as a drop under its canonical name (manifest hashes computed anew). */
export function writeContent(c: DropContent): { fileName: string; zip: Buffer } {
  const byStart = (a: { start?: string; raisedAt?: string }, b: typeof a): number =>
    ms(a.start ?? a.raisedAt ?? '') - ms(b.start ?? b.raisedAt ?? '');
  const cycles = [...c.cycles].sort(byStart);
  const alarms = [...c.alarms].sort(byStart);
  const paths = c.entries.map((e) => e.path);
  for (const p of ['cycles.json', 'alarms.json']) if (!paths.includes(p)) paths.unshift(p);
  const entries = paths.map((path) => {
    if (path === 'cycles.json') return { path, content: stableJson(cycles) };
    if (path === 'alarms.json') return { path, content: stableJson(alarms) };
    const e = c.entries.find((x) => x.path === path);
    if (!e) throw new Error(`no entry ${path}`);
    return e;
  });
  const written = writeDropZip(c.header, entries, { level: LEVEL });
  return { fileName: written.fileName, zip: written.zip };
}

/**
 * The same entries (manifest included, byte for byte) in other zip bytes: stored instead of
 * deflated and stamped with another time. Same content id, other SHA-256.
 */
export function rezip(zipBytes: Buffer): Buffer {
  const zip = new AdmZip(zipBytes);
  const entries = zip.getEntries().map((e) => ({ path: e.entryName, content: e.getData() }));
  const out = writeZip(entries, { time: new Date(Date.UTC(2030, 0, 1)), level: 0 });
  if (out.equals(zipBytes)) throw new Error('re-zipping gave the same bytes');
  return out;
}
