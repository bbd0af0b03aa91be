import { deflateRawSync } from 'node:zlib';
import { sha256Hex } from '../drop/content-id.ts';
import { DEFAULT_DROP_LIMITS, type DropLimits } from '../drop/drop-limits.ts';
import { formatDropFileName } from '../drop/file-name.ts';
import { locateEntryData, readEntryData, readZipArchive } from '../drop/zip-archive.ts';
import { createRandom, type Random } from '../generator/random.ts';
import type { TestVector } from './build-test-vectors.ts';
import {
  EMPTY_STORED_BLOCK,
  buildRawZip,
  zip64Extra,
  type RawZipEntry,
  type RawZipOptions,
} from './raw-zip.ts';

// Seeded mutations of valid drops, for the differential test of the two verifiers: each
// mutated drop goes through TypeScript's verifyDrop and the Rust crate, which must reach the
// same verdict and code. (seed, index) reproduces a mutation exactly.

/** A valid drop to mutate, with its entries decoded. */
export interface MutationBase {
  name: string;
  zip: Buffer;
  fileName: string | null;
  /** Every entry but the manifest, in archive order. */
  entries: { name: string; content: Buffer }[];
  manifest: Record<string, unknown>;
}

/** A mutated drop and what was done to it. */
export interface MutatedDrop {
  /** The mutation, for people reading a failure: enough to see what was done. */
  about: string;
  zip: Buffer;
  fileName: string | null;
  receivedAt?: string;
  limits?: Partial<DropLimits>;
}

/** The valid vectors, decoded: the material every mutation starts from. */
export function mutationBases(vectors: readonly TestVector[]): MutationBase[] {
  return vectors
    .filter((v) => v.code === null && !v.limits && !v.receivedAt)
    .map((v) => {
      const archive = readZipArchive(v.zip, DEFAULT_DROP_LIMITS);
      locateEntryData(v.zip, archive);
      const all = archive.entries.map((e) => ({
        name: e.name ?? '',
        content: readEntryData(v.zip, e),
      }));
      const manifest = all.find((e) => e.name === 'manifest.json');
      if (!manifest) throw new Error(`${v.file} has no manifest`);
      return {
        name: v.file,
        zip: v.zip,
        fileName: v.fileName,
        entries: all.filter((e) => e.name !== 'manifest.json'),
        manifest: JSON.parse(manifest.content.toString('utf8')) as Record<string, unknown>,
      };
    });
}

/**
 * The order bases are mutated in: every base, the small ones more often than those of
 * hundreds of KiB (each of their mutations costs ten times more), so a run stays quick.
 */
export function mutationSchedule(bases: readonly MutationBase[]): MutationBase[] {
  return bases.flatMap((b) => {
    const bytes = b.entries.reduce((n, e) => n + e.content.length, 0);
    const weight = bytes > 512 * 1024 ? 1 : bytes > 64 * 1024 ? 2 : 4;
    return Array.from({ length: weight }, () => b);
  });
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Draft {
  manifest: Record<string, Json>;
  /** The manifest's bytes when a text edit made them; otherwise serialised from `manifest`. */
  manifestBytes: Buffer | null;
  entries: { name: string | Buffer; content: Buffer }[];
  /** Rewrite manifest.files from the entries (so the edit reaches the deeper checks). */
  relist: boolean;
  about: string[];
}

const clone = <T>(v: T): T => structuredClone(v);

/**
 * The nodes of a JSON value with their paths; of a long array (telemetry values) only the
 * first two and the last item, so a 1 MiB entry costs no more to edit than a small one.
 */
function nodes(
  value: Json,
  path: (string | number)[] = [],
  out: { path: (string | number)[]; value: Json }[] = [],
): { path: (string | number)[]; value: Json }[] {
  out.push({ path, value });
  if (Array.isArray(value)) {
    const picked = value.length > 8 ? [0, 1, value.length - 1] : value.map((_, i) => i);
    for (const i of picked) nodes(value[i] as Json, [...path, i], out);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) nodes(v, [...path, k], out);
  }
  return out;
}

function parentOf(root: Json, path: (string | number)[]): Json {
  let node = root;
  for (const key of path.slice(0, -1)) node = (node as Record<string | number, Json>)[key] ?? null;
  return node;
}

const INSTANT_VARIANTS = [
  (s: string) => s.replace('Z', '.0004Z'),
  (s: string) => s.replace(':00Z', ':00.999Z'),
  (s: string) => s.replace(/:\d\dZ$/, 'Z'),
  (s: string) => s.replace('Z', '+00:00'),
  (s: string) =>
    s.replace(/T(\d\d)/, (_m, h: string) => `T${String((Number(h) + 1) % 24).padStart(2, '0')}`),
  (s: string) => s.replace(/-(\d\d)T/, '-31T'),
  (s: string) => s.replace(/^\d{4}/, '2025'),
  (s: string) => s.replace('T', ' '),
  (s: string) => s.toLowerCase(),
];

const NAME_VARIANTS = [
  '../evil.json',
  '/abs.json',
  'C:/x.json',
  'telemetry\\x.json',
  'telemetry/',
  'telemetry/.json',
  'telemetry/a/b.json',
  'telemetry/brake.pressure.json',
  'Cycles.json',
  'cycles.json',
  'alarms.json',
  'counters.json',
  'notes.txt',
  'telemetry/x.y.json',
  'a..b.json',
  'telemetry/main_motor.current.json',
  'manifest.json',
  'é.json',
  '',
  'a\u0000b',
];

/** One random edit of a JSON value (a manifest or entry), described. */
function editValue(r: Random, root: Json): { root: Json; about: string } {
  const all = nodes(root);
  const { path, value } = r.pick(all);
  const where = path.length === 0 ? '(root)' : path.join('.');
  const set = (v: Json, what: string): { root: Json; about: string } => {
    if (path.length === 0) return { root: v, about: `root ${what}` };
    const parent = parentOf(root, path) as Record<string | number, Json>;
    parent[path[path.length - 1] as string | number] = v;
    return { root, about: `${where} ${what}` };
  };
  const ops: (() => { root: Json; about: string })[] = [
    () => {
      if (path.length === 0) return set(null, '= null');
      const parent = parentOf(root, path);
      const key = path[path.length - 1] as string | number;
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else if (parent !== null && typeof parent === 'object') {
        const kept = Object.entries(parent).filter(([k]) => k !== key);
        for (const k of Object.keys(parent)) Reflect.deleteProperty(parent, k);
        Object.assign(parent, Object.fromEntries(kept));
      }
      return { root, about: `${where} deleted` };
    },
    () => set(null, '= null'),
    () => set(0, '= 0'),
    () => set(-1, '= -1'),
    () => set(1.5, '= 1.5'),
    () => set(2 ** 53 + 2, '= 2^53+2'),
    () => set('', '= ""'),
    () => set('x'.repeat(65), '= 65 x'),
    () => set('Zürich ✓', '= unicode'),
    () => set(true, '= true'),
    () => set([], '= []'),
    () => set({}, '= {}'),
    () =>
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? set(Object.values(value), 'object → array of its values')
        : set([value], 'wrapped in a list'),
    () =>
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? set({ ...value, extra: 1 }, 'gets unknown field extra')
        : set({ value }, 'wrapped in an object'),
    () => (typeof value === 'number' ? set(String(value), 'number → string') : set(7, '= 7')),
    () => (typeof value === 'number' ? set(value + 1, '+ 1') : set(-0.5, '= -0.5')),
    () =>
      typeof value === 'string'
        ? set(r.pick(INSTANT_VARIANTS)(value), `instant/string variant of ${JSON.stringify(value)}`)
        : set('2026-06-01T10:00:00Z', '= an instant'),
    () => (typeof value === 'string' ? set(value.toUpperCase(), 'upper-cased') : set('A', '= "A"')),
    () =>
      Array.isArray(value) && value.length > 0
        ? set([...value, clone(value[value.length - 1] as Json)], 'last item repeated')
        : set([1, 2], '= [1, 2]'),
    () =>
      typeof value === 'string'
        ? set(r.pick(NAME_VARIANTS), 'set to a path-like string')
        : set('auto', '= "auto"'),
    () => set({ auto: null }, '= {"auto": null}'),
    // JSON.stringify writes a lone surrogate as a \u escape, which serde refuses.
    () => set(`${typeof value === 'string' ? value : 'x'}\ud800`, 'ends with a lone surrogate'),
    () => set(`\udc00${typeof value === 'string' ? value : 'x'}`, 'starts with a lone surrogate'),
    () => set('Europe/Rome', '= "Europe/Rome"'),
    () =>
      set(
        r.pick([
          'UTC',
          'utc',
          'Etc/GMT+5',
          'America/Argentina/Buenos_Aires',
          'US/Pacific',
          'Mars/Olympus',
          'GMT',
          'EST5EDT',
          'Asia/Calcutta',
          'europe/ROME',
          'Europe/Kyiv',
        ]),
        '= a time zone',
      ),
  ];
  return r.pick(ops)();
}

/** JSON text with two-space indents (as the generator writes), compact or CRLF. */
function serialise(r: Random, value: Json): string {
  const style = r.int(0, 5);
  if (style === 0) return JSON.stringify(value);
  if (style === 1) return JSON.stringify(value, null, 2).replace(/\n/g, '\r\n');
  if (style === 2) return `${JSON.stringify(value, null, '\t')}\n`;
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** JSON text with one object's first key written twice. */
function withDuplicateKey(r: Random, value: Json): string | null {
  const objects = nodes(value).filter(
    (n) =>
      n.value !== null &&
      typeof n.value === 'object' &&
      !Array.isArray(n.value) &&
      Object.keys(n.value).length > 0,
  );
  if (objects.length === 0) return null;
  const target = r.pick(objects).value as Record<string, Json>;
  const write = (v: Json): string => {
    if (Array.isArray(v)) return `[${v.map(write).join(',')}]`;
    if (v !== null && typeof v === 'object') {
      const members = Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${write(x)}`);
      if (v === target) members.unshift(members[members.length - 1] ?? '');
      return `{${members.join(',')}}`;
    }
    return JSON.stringify(v);
  };
  return write(value);
}

const NUMBER_LITERALS = [
  '1e400',
  '-1e400',
  '-0',
  '1E+2',
  '1e99',
  '1.0',
  '12345678901234567890123',
  '0.1e-400',
  '1e-7',
  '00',
  '1.',
  '.5',
  '+1',
  'NaN',
  '0x10',
];

/** Edits of an entry's bytes that a JSON value cannot express. */
function editText(r: Random, text: string): { bytes: Buffer; about: string } {
  const ops: (() => { bytes: Buffer; about: string })[] = [
    () => ({
      bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
      about: 'BOM prepended',
    }),
    () => ({ bytes: Buffer.alloc(0), about: 'emptied' }),
    () => ({ bytes: Buffer.from(`${text} x`), about: 'garbage appended' }),
    () => ({ bytes: Buffer.from(`\n \t${text}\r\n`), about: 'whitespace around' }),
    () => ({
      bytes: Buffer.from(text.slice(0, r.int(0, Math.max(0, text.length - 1)))),
      about: 'cut short',
    }),
    () => {
      const numbers = [...text.matchAll(/-?\d+(\.\d+)?([eE][+-]?\d+)?/g)];
      if (numbers.length === 0) return { bytes: Buffer.from(text), about: 'unchanged (no number)' };
      const m = r.pick(numbers);
      const lit = r.pick(NUMBER_LITERALS);
      const at = m.index;
      return {
        bytes: Buffer.from(text.slice(0, at) + lit + text.slice(at + m[0].length)),
        about: `number ${m[0]} → ${lit}`,
      };
    },
    () => {
      // String values, not keys: an unknown key is refused by both whatever it holds.
      const strings = [...text.matchAll(/:\s*"[^"\\]*"/g)];
      if (strings.length === 0) return { bytes: Buffer.from(text), about: 'unchanged (no string)' };
      const m = r.pick(strings);
      const esc = r.pick([
        '\\ud800',
        '\\udc00',
        '\\ud83d\\ude00',
        '\\u0041',
        '\\ud800\\u0041',
        '\\u00e9',
        '\\/',
        '\\t',
      ]);
      const at = m.index + m[0].indexOf('"') + 1;
      return {
        bytes: Buffer.from(text.slice(0, at) + esc + text.slice(at)),
        about: `escape ${esc} in a string`,
      };
    },
    () => {
      const strings = [...text.matchAll(/:\s*"[A-Za-z][^"\\]*"/g)];
      if (strings.length === 0) return { bytes: Buffer.from(text), about: 'unchanged (no string)' };
      const hit = r.pick(strings);
      const at = hit.index + hit[0].indexOf('"') + 1;
      const bad = r.pick([[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0x01]]);
      return {
        bytes: Buffer.concat([
          Buffer.from(text.slice(0, at)),
          Buffer.from(bad),
          Buffer.from(text.slice(at)),
        ]),
        about: `bytes ${bad.join(',')} in a string`,
      };
    },
    () => {
      const keys = [...text.matchAll(/"([a-z])([A-Za-z]*)":/g)];
      if (keys.length === 0) return { bytes: Buffer.from(text), about: 'unchanged (no key)' };
      const m = r.pick(keys);
      const first = m[1] ?? 'a';
      const esc = `\\u00${first.charCodeAt(0).toString(16)}`;
      return {
        bytes: Buffer.from(`${text.slice(0, m.index + 1)}${esc}${text.slice(m.index + 2)}`),
        about: `key "${first}${m[2] ?? ''}" spelled with an escape`,
      };
    },
    () => ({ bytes: Buffer.from(text, 'utf16le'), about: 'UTF-16' }),
  ];
  return r.pick(ops)();
}

// Most entries of a mutated drop are the base's own buffers: hash and deflate those once.
const hashes = new WeakMap<Buffer, string>();
const deflated = new WeakMap<Buffer, Buffer>();

function hashOf(content: Buffer): string {
  let h = hashes.get(content);
  if (h === undefined) hashes.set(content, (h = sha256Hex(content)));
  return h;
}

function deflatedOf(content: Buffer): Buffer {
  let d = deflated.get(content);
  if (d === undefined) deflated.set(content, (d = deflateRawSync(content)));
  return d;
}

function listedFiles(entries: Draft['entries']): Json[] {
  return entries
    .filter((e) => typeof e.name === 'string' && e.name !== 'manifest.json')
    .map((e) => ({ path: e.name as string, sha256: hashOf(e.content), bytes: e.content.length }));
}

/** One content edit of the draft: a JSON value edit or a text edit of the manifest or an entry. */
function editContent(r: Random, d: Draft): void {
  const targetIsManifest = r.chance(0.45) || d.entries.length === 0;
  const index = r.int(0, Math.max(0, d.entries.length - 1));
  const entry = d.entries[index];
  const target = targetIsManifest || !entry ? 'manifest.json' : String(entry.name);
  let value: Json;
  if (targetIsManifest || !entry) value = d.manifest;
  else {
    try {
      value = JSON.parse(entry.content.toString('utf8')) as Json;
    } catch {
      value = null;
    }
  }
  const kind = r.int(0, 9);
  let bytes: Buffer;
  if (kind <= 4) {
    const edited = editValue(r, clone(value));
    d.about.push(`${target}: ${edited.about}`);
    if (targetIsManifest || !entry) {
      if (edited.root !== null && typeof edited.root === 'object' && !Array.isArray(edited.root)) {
        d.manifest = edited.root;
        // A listing edit must survive; anything else is relisted so deeper checks run.
        if (edited.about.startsWith('files')) d.relist = false;
        return;
      }
      d.manifestBytes = Buffer.from(serialise(r, edited.root));
      return;
    }
    bytes = Buffer.from(serialise(r, edited.root));
  } else if (kind <= 5) {
    const text = withDuplicateKey(r, value);
    d.about.push(`${target}: a key written twice`);
    bytes = Buffer.from(text ?? 'null');
  } else {
    const base =
      targetIsManifest || !entry ? serialise(r, withFiles(d)) : entry.content.toString('utf8');
    const edited = editText(r, base);
    d.about.push(`${target}: ${edited.about}`);
    bytes = edited.bytes;
  }
  if (targetIsManifest || !entry) d.manifestBytes = bytes;
  else entry.content = bytes;
}

/** The manifest with its files listed from the current entries. */
function withFiles(d: Draft): Json {
  return d.relist ? { ...d.manifest, files: listedFiles(d.entries) } : d.manifest;
}

/** One edit of which entries the archive holds and under which names. */
function editEntries(r: Random, d: Draft): void {
  const i = r.int(0, Math.max(0, d.entries.length - 1));
  const e = d.entries[i];
  const op = r.int(0, 6);
  if (op === 6 && e) {
    // Same length, other content, the old listing kept: only the SHA-256 can tell.
    const listed = listedFiles(d.entries);
    const text = e.content.toString('latin1');
    const digits = [...text.matchAll(/[0-8]/g)];
    const at = digits.length > 0 ? r.pick(digits).index : -1;
    if (at >= 0) {
      e.content = Buffer.from(`${text.slice(0, at)}9${text.slice(at + 1)}`, 'latin1');
    }
    d.manifest = { ...d.manifest, files: listed };
    d.relist = false;
    d.about.push(`a digit of ${String(e.name)} changed, listing kept`);
  } else if (op === 0 && e) {
    const to = r.chance(0.2) ? Buffer.from([0x74, 0xff, 0x2e]) : r.pick(NAME_VARIANTS);
    d.about.push(`entry ${String(e.name)} renamed to ${JSON.stringify(String(to))}`);
    e.name = to;
    if (r.chance(0.5)) d.relist = false;
  } else if (op === 1 && e) {
    d.entries.push({ name: e.name, content: r.chance(0.5) ? e.content : Buffer.from('[]') });
    d.about.push(`entry ${String(e.name)} added a second time`);
  } else if (op === 2 && e) {
    d.entries.splice(i, 1);
    d.about.push(`entry ${String(e.name)} removed${r.chance(0.5) ? ' (still listed)' : ''}`);
    if (d.about.at(-1)?.endsWith('(still listed)')) d.relist = false;
  } else if (op === 3) {
    const name = r.pick(NAME_VARIANTS);
    d.entries.push({ name, content: Buffer.from(r.pick(['[]', '{}', '', 'x'])) });
    d.about.push(`entry ${JSON.stringify(name)} added${r.chance(0.5) ? ' (unlisted)' : ''}`);
    if (d.about.at(-1)?.endsWith('(unlisted)')) d.relist = false;
  } else if (op === 4) {
    d.relist = false;
    d.manifest = { ...d.manifest, files: listedFiles(d.entries).slice(0, -1) };
    d.about.push('manifest lists one entry less');
  } else {
    d.entries.reverse();
    d.about.push('entries in reverse order');
  }
}

const HOUR = 3_600_000;

/** Shifts the window (aligned or not) and says so. */
function editWindow(r: Random, d: Draft): void {
  const w = d.manifest.window as { start: string; end: string } | undefined;
  const start = typeof w?.start === 'string' ? Date.parse(w.start) : NaN;
  if (Number.isNaN(start)) return;
  const shift = r.pick([
    0,
    1,
    -1,
    1000,
    60_000,
    30 * 60_000,
    HOUR,
    -HOUR,
    24 * HOUR,
    -365 * 24 * HOUR,
  ]);
  const length = r.pick([HOUR, HOUR, HOUR, HOUR - 1, HOUR + 1, 2 * HOUR, 30 * 60_000, 0, -HOUR]);
  const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
  let s = iso(start + shift);
  if (r.chance(0.15)) s = r.pick(INSTANT_VARIANTS)(s);
  d.manifest = { ...d.manifest, window: { start: s, end: iso(start + shift + length) } };
  d.about.push(`window shifted ${shift} ms, ${length} ms long (${s})`);
}

/** The drop's canonical file name, when its manifest is sound enough to have one. */
function canonicalName(m: Record<string, Json>): string | null {
  const w = m.window as { start?: unknown } | null;
  const start = typeof w?.start === 'string' ? Date.parse(w.start) : NaN;
  if (
    typeof m.park !== 'string' ||
    typeof m.ride !== 'string' ||
    typeof m.sequence !== 'number' ||
    Number.isNaN(start)
  ) {
    return null;
  }
  try {
    return formatDropFileName({
      park: m.park,
      ride: m.ride,
      windowStart: new Date(start).toISOString(),
      sequence: m.sequence,
    });
  } catch {
    return null;
  }
}

/** How the archive is written: per entry method and level, padding, extra fields, flags. */
function pack(
  r: Random,
  d: Draft,
  manifestBytes: Buffer,
  edit: boolean,
): { entries: RawZipEntry[]; opts: RawZipOptions } {
  const all: RawZipEntry[] = [{ name: 'manifest.json', content: manifestBytes }, ...d.entries].map(
    (e) => {
      const method = r.chance(0.8) ? 8 : 0;
      // A random level now and then; otherwise the cached default-level data.
      const data = method === 8 && !r.chance(0.2) ? deflatedOf(e.content) : undefined;
      return {
        name: e.name,
        content: e.content,
        method,
        level: r.int(1, 9),
        ...(data ? { data } : {}),
      };
    },
  );
  if (r.chance(0.1)) all.push(all.shift() as RawZipEntry);
  const opts: RawZipOptions = {};
  if (!edit) return { entries: all, opts };
  const e = r.pick(all);
  const manifest = all.find((x) => x.name === 'manifest.json');
  const edits: (() => string)[] = [
    () => {
      if (manifest)
        manifest.name = r.pick([
          'Manifest.json',
          'data/manifest.json',
          'manifest.json ',
          'manifest',
        ]);
      return `manifest renamed to ${JSON.stringify(manifest?.name ?? null)}`;
    },
    () => {
      if (manifest) all.splice(all.indexOf(manifest), 1);
      return 'manifest left out';
    },
    () => (
      (e.data = Buffer.concat([EMPTY_STORED_BLOCK, EMPTY_STORED_BLOCK])),
      (e.method = 8),
      'deflate data that is only empty blocks'
    ),
    () => {
      e.method = 8;
      e.data = Buffer.concat([EMPTY_STORED_BLOCK, deflateOf(e.content)]);
      return 'deflate data padded with an empty stored block';
    },
    () => (
      (e.method = 8),
      (e.data = Buffer.concat([deflateOf(e.content), Buffer.from([0])])),
      'a byte after the deflate stream'
    ),
    () => (
      (e.method = 8),
      (e.data = deflateOf(e.content).subarray(0, -1)),
      'deflate stream cut by a byte'
    ),
    () => ((e.flags = 0x0808), 'data-descriptor flag'),
    () => ((e.flags = 0x0801), 'encrypted flag'),
    () => ((e.flags = 0), 'no UTF-8 flag'),
    () => ((e.method = r.pick([1, 9, 12, 14, 93, 99])), `method ${e.method}`),
    () => ((e.centralExtra = zip64Extra(e.content.length, 0)), 'zip64 extra field'),
    () => (
      (e.localExtra = zip64Extra(e.content.length, 0)),
      'zip64 extra field in the local header only'
    ),
    () => (
      (e.centralExtra = Buffer.from([0x55, 0x54, 0x05, 0x00, 1, 2, 3, 4, 5])),
      'a timestamp extra field'
    ),
    () => (
      (e.centralExtra = Buffer.from([0x01, 0x00, 0x40, 0x00])),
      'an extra field that overruns'
    ),
    () => ((e.localName = `${String(e.name)}x`), 'local header names another file'),
    () => ((e.crc = r.int(0, 0xffffffff)), 'wrong CRC'),
    // An entry an edit emptied has no size one short.
    () => (
      (e.size = e.content.length + r.pick(e.content.length > 0 ? [-1, 1, 1000] : [1, 1000])),
      'wrong size'
    ),
    () => ((e.compressedSize = r.pick([0, 1, 0xffffffff, 0xfffffffe])), 'wrong compressed size'),
    () => ((e.size = 0xffffffff), 'size 0xffffffff'),
    () => ((e.diskStart = r.pick([1, 0xffff])), 'disk start set'),
    () => ((e.localOffset = r.pick([0, 1, 0xffffffff, 100_000])), 'local offset moved'),
    () => ((opts.zip64EndRecord = true), 'zip64 end record'),
    () => ((opts.comment = Buffer.from('made by a PLC')), 'archive comment'),
    () => ((opts.end = { commentLength: 5 }), 'comment length without a comment'),
    () => ((opts.end = { totalEntries: all.length + r.pick([-1, 1]) }), 'entry count off by one'),
    () => ((opts.end = { diskEntries: all.length + 1 }), 'disk entry count differs'),
    () => ((opts.end = { disk: 1 }), 'disk number 1'),
    () => ((opts.end = { centralOffset: r.int(0, 2000) }), 'central directory offset moved'),
    () => ((opts.end = { centralSize: r.int(0, 2000) }), 'central directory size changed'),
    () => ((opts.prefix = Buffer.from('#!/bin/sh\n')), 'bytes before the first entry'),
  ];
  d.about.push(`packed with ${r.pick(edits)()} (${String(e.name)})`);
  return { entries: all, opts };
}

function deflateOf(content: Buffer): Buffer {
  return deflatedOf(content);
}

/** Byte-level damage to a finished archive. */
function damage(r: Random, zip: Buffer, about: string[]): Buffer {
  const out = Buffer.from(zip);
  const op = r.int(0, 6);
  if (zip.length === 0) return out;
  if (op <= 1) {
    const n = r.int(1, 3);
    for (let k = 0; k < n; k++) {
      const at = r.int(0, out.length - 1);
      out[at] = (out[at] as number) ^ r.int(1, 255);
    }
    about.push(`${n} byte(s) flipped`);
    return out;
  }
  if (op === 2) {
    // Inside the headers: the central directory and end record are the last ~500 bytes.
    const at = r.int(Math.max(0, out.length - 600), out.length - 1);
    out[at] = (out[at] as number) ^ (1 << r.int(0, 7));
    about.push(`header bit flipped at ${at} of ${out.length}`);
    return out;
  }
  if (op === 3) {
    const keep = r.chance(0.5) ? r.int(0, out.length - 1) : out.length - r.int(1, 30);
    about.push(`truncated to ${Math.max(0, keep)} of ${out.length} bytes`);
    return out.subarray(0, Math.max(0, keep));
  }
  if (op === 4) {
    const tail = r.pick([
      Buffer.alloc(r.int(1, 64)),
      Buffer.from('PK\u0005\u0006'),
      out.subarray(-22),
    ]);
    about.push(`${tail.length} bytes appended`);
    return Buffer.concat([out, tail]);
  }
  if (op === 5) {
    const at = r.int(0, out.length - 1);
    about.push(`a byte inserted at ${at}`);
    return Buffer.concat([out.subarray(0, at), Buffer.from([r.int(0, 255)]), out.subarray(at)]);
  }
  const at = r.int(0, out.length - 1);
  about.push(`the byte at ${at} removed`);
  return Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
}

/** Limits set around the drop's own sizes, so the edges are reached with small files. */
function edgeLimits(r: Random, zip: Buffer, d: Draft, manifestBytes: Buffer): Partial<DropLimits> {
  const sizes = [manifestBytes.length, ...d.entries.map((e) => e.content.length)];
  const delta = r.pick([-1, 0, 1]);
  switch (r.int(0, 4)) {
    case 0:
      return { maxZipBytes: Math.max(0, zip.length + delta) };
    case 1:
      return { maxEntries: Math.max(0, sizes.length + delta) };
    case 2:
      return { maxEntryBytes: Math.max(0, Math.max(...sizes) + delta) };
    case 3:
      return { maxTotalBytes: Math.max(0, sizes.reduce((a, b) => a + b, 0) + delta) };
    default:
      return { ratioCheckAboveBytes: r.pick([0, 10, 100]), maxRatio: r.int(1, 40) };
  }
}

/**
 * Mutation `index` of `base` under `seed`: a few content, entry, window, packing or byte edits,
 * a file name (mostly the canonical one of the edited manifest), sometimes a reception time
 * near the `window_in_future` edge or limits near the drop's own sizes.
 */
export function mutateDrop(base: MutationBase, seed: number, index: number): MutatedDrop {
  const r = createRandom(seed, 0x6d757461, index);
  const d: Draft = {
    manifest: clone(base.manifest) as Record<string, Json>,
    manifestBytes: null,
    entries: base.entries.map((e) => ({ name: e.name, content: e.content })),
    relist: true,
    about: [`${base.name}:`],
  };
  const mode = r.pick([
    'content',
    'content',
    'content',
    'entries',
    'window',
    'pack',
    'bytes',
    'limits',
    'mixed',
  ]);
  if (mode === 'content' || mode === 'mixed') {
    for (let n = r.int(1, 2); n > 0; n--) editContent(r, d);
  }
  if (mode === 'entries' || (mode === 'mixed' && r.chance(0.5))) editEntries(r, d);
  if (mode === 'window' || (mode === 'mixed' && r.chance(0.5))) editWindow(r, d);
  const manifestBytes = d.manifestBytes ?? Buffer.from(serialise(r, withFiles(d)));
  const packed = pack(r, d, manifestBytes, mode === 'pack' || (mode === 'mixed' && r.chance(0.5)));
  let zip = buildRawZip(packed.entries, packed.opts);
  if (mode === 'bytes' || (mode === 'mixed' && r.chance(0.3))) zip = damage(r, zip, d.about);
  const limits = mode === 'limits' ? edgeLimits(r, zip, d, manifestBytes) : undefined;
  if (limits) d.about.push(`limits ${JSON.stringify(limits)}`);

  const canonical = canonicalName(d.manifest);
  const namePick = r.int(0, 9);
  let fileName: string | null;
  if (namePick <= 6) fileName = canonical ?? base.fileName;
  else if (namePick === 7) fileName = null;
  else if (namePick === 8) fileName = base.fileName;
  else
    fileName = r.pick([
      'drop.zip',
      `${canonical ?? 'x'}.zip`,
      (canonical ?? 'a_b_20260601T100000Z_1.zip').replace(/_(\d+)\.zip$/, '_0$1.zip'),
      (canonical ?? '').toUpperCase(),
    ]);
  // A file name is text on every file system: half a UTF-16 character cannot be one.
  if (fileName !== null && /[\uD800-\uDFFF]/.test(fileName)) fileName = base.fileName;
  if (fileName !== base.fileName) d.about.push(`file name ${JSON.stringify(fileName)}`);

  let receivedAt: string | undefined;
  const w = d.manifest.window as { start?: unknown } | null;
  const start = typeof w?.start === 'string' ? Date.parse(w.start) : NaN;
  if (r.chance(0.3) && !Number.isNaN(start)) {
    const ahead = r.pick([
      15 * 60_000,
      15 * 60_000 + 1,
      15 * 60_000 - 1,
      0,
      16 * 60_000,
      60 * 60_000,
      -HOUR,
    ]);
    receivedAt = new Date(start - ahead).toISOString();
    d.about.push(`received at ${receivedAt}`);
  }
  return {
    about: d.about.join(' '),
    zip,
    fileName,
    ...(receivedAt ? { receivedAt } : {}),
    ...(limits ? { limits } : {}),
  };
}
