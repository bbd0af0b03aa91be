import { createHash } from 'node:crypto';
import { crc32, inflateRawSync } from 'node:zlib';
import {
  DEFAULT_DROP_LIMITS,
  computeContentId,
  formatDropFileName,
  manifestSchema,
  unsafeEntryNameReason,
  type DropLimits,
  type Manifest,
  type VerifiedEntry,
} from '@zra/shared';

/** Random access to the bytes of an uploaded file. */
export interface RangeReader {
  size: number;
  /** Bytes [start, end). */
  read(start: number, end: number): Promise<Buffer>;
}

/**
 * What the quick check found: a drop whose outline is sound (its identity taken from the
 * manifest), or a reason to run the full check, which then says what is wrong in its own words.
 */
export type Outline =
  | { ok: true; manifest: Manifest; contentId: string; entries: VerifiedEntry[] }
  | { ok: false; suspect: string };

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_BYTES = 22;
const MAX_COMMENT_BYTES = 0xffff;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const CENTRAL_BYTES = 46;
const LOCAL_SIGNATURE = 0x04034b50;
const LOCAL_BYTES = 30;
const HOUR_MS = 3_600_000;
const MANIFEST = 'manifest.json';

interface Entry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

class Suspect extends Error {}

/** The reader failed (the blob store's outage): not the drop's fault, so not a suspect. */
class ReadFailed extends Error {}

function suspect(why: string): never {
  throw new Suspect(why);
}

/**
 * The check commit makes before it takes responsibility for a drop (docs/central.md, "How a
 * drop moves"): only what is cheap and needed to file it. It reads the zip's end record and
 * central directory and inflates `manifest.json` alone (a few KiB of a drop whatever its size):
 * the archive's structure and limits from the directory, the manifest against its schema, a
 * one-hour UTC window, the directory's entries against the manifest's list and sizes, and the
 * file name. The drop's identity comes from the manifest's hashes (and the manifest's own);
 * the postprocess job checks every entry in full (CRCs, hashes, schemas) before anything is
 * counted, and quarantines the drop when one does not match.
 *
 * It never words a rejection itself: whatever it finds wrong (or cannot read) makes the drop
 * suspect, and commit runs shared's `verifyDrop` for the verdict, so a refused drop carries
 * exactly the code and sentence the park agent shows for it.
 */
export async function outlineDrop(
  reader: RangeReader,
  fileName: string,
  limits: DropLimits = DEFAULT_DROP_LIMITS,
): Promise<Outline> {
  const checked: RangeReader = {
    size: reader.size,
    read: (start, end) =>
      reader.read(start, end).catch((err: unknown) => {
        throw new ReadFailed('read failed', { cause: err });
      }),
  };
  try {
    return await outline(checked, fileName, limits);
  } catch (err) {
    if (err instanceof ReadFailed) throw err.cause;
    if (err instanceof Suspect) return { ok: false, suspect: err.message };
    return {
      ok: false,
      suspect: `unreadable: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

async function outline(
  reader: RangeReader,
  fileName: string,
  limits: DropLimits,
): Promise<Outline> {
  const size = reader.size;
  if (size === 0 || size > limits.maxZipBytes) suspect('size');
  const tailStart = Math.max(0, size - EOCD_BYTES - MAX_COMMENT_BYTES);
  const tail = await reader.read(tailStart, size);
  const end = findEndRecord(tail);
  if (end < 0) suspect('no end record');
  if (end >= 20 && tail.readUInt32LE(end - 20) === ZIP64_LOCATOR_SIGNATURE) suspect('zip64');
  const count = tail.readUInt16LE(end + 10);
  const centralSize = tail.readUInt32LE(end + 12);
  const centralOffset = tail.readUInt32LE(end + 16);
  if (
    tail.readUInt16LE(end + 4) !== 0 ||
    tail.readUInt16LE(end + 6) !== 0 ||
    tail.readUInt16LE(end + 8) !== count ||
    count > limits.maxEntries ||
    centralOffset + centralSize !== tailStart + end
  ) {
    suspect('end record');
  }
  const central =
    centralOffset >= tailStart
      ? tail.subarray(centralOffset - tailStart, end)
      : await reader.read(centralOffset, centralOffset + centralSize);
  const entries = readCentral(central, count);
  checkEntries(entries, limits);
  const manifestEntry = entries.find((e) => e.name === MANIFEST) ?? suspect('no manifest');
  const raw = await readEntry(reader, manifestEntry, centralOffset);
  const manifest = parseManifest(raw);
  checkListed(manifest, entries);
  if (fileName !== canonicalName(manifest)) suspect('file name');
  const listed: VerifiedEntry[] = manifest.files.map((f) => ({
    path: f.path,
    sha256: f.sha256,
    bytes: f.bytes,
  }));
  const own = { path: MANIFEST, sha256: sha256Hex(raw), bytes: raw.length };
  // In archive order, as verifyDrop lists them.
  const byPath = new Map([own, ...listed].map((e) => [e.path, e]));
  const ordered = entries.map((e) => byPath.get(e.name) ?? suspect('entry'));
  return { ok: true, manifest, contentId: computeContentId(ordered), entries: ordered };
}

/** The last end record whose comment runs exactly to the end (as the verifiers find it). */
function findEndRecord(tail: Buffer): number {
  for (let at = tail.length - EOCD_BYTES; at >= 0; at--) {
    if (
      tail.readUInt32LE(at) === EOCD_SIGNATURE &&
      at + EOCD_BYTES + tail.readUInt16LE(at + 20) === tail.length
    ) {
      return at;
    }
  }
  return -1;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function readCentral(central: Buffer, count: number): Entry[] {
  const entries: Entry[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_BYTES > central.length || central.readUInt32LE(at) !== CENTRAL_SIGNATURE) {
      suspect('central header');
    }
    const nameLength = central.readUInt16LE(at + 28);
    const extraLength = central.readUInt16LE(at + 30);
    const commentLength = central.readUInt16LE(at + 32);
    const next = at + CENTRAL_BYTES + nameLength + extraLength + commentLength;
    if (next > central.length) suspect('central header length');
    // Zip64 records and sizes, other disks: the full check words them.
    const extra = central.subarray(
      at + CENTRAL_BYTES + nameLength,
      at + CENTRAL_BYTES + nameLength + extraLength,
    );
    if (hasZip64Extra(extra) || central.readUInt16LE(at + 34) !== 0) suspect('zip64 or disk');
    entries.push({
      name: utf8.decode(central.subarray(at + CENTRAL_BYTES, at + CENTRAL_BYTES + nameLength)),
      flags: central.readUInt16LE(at + 8),
      method: central.readUInt16LE(at + 10),
      crc: central.readUInt32LE(at + 16),
      compressedSize: central.readUInt32LE(at + 20),
      size: central.readUInt32LE(at + 24),
      localOffset: central.readUInt32LE(at + 42),
    });
    at = next;
  }
  if (at !== central.length) suspect('central directory length');
  return entries;
}

/** Whether an extra field holds a zip64 record (id 1), or runs past its end. */
function hasZip64Extra(extra: Buffer): boolean {
  let at = 0;
  while (at + 4 <= extra.length) {
    const id = extra.readUInt16LE(at);
    at += 4 + extra.readUInt16LE(at + 2);
    if (id === 1 || at > extra.length) return true;
  }
  return false;
}

function checkEntries(entries: Entry[], limits: DropLimits): void {
  const seen = new Set<string>();
  let total = 0;
  for (const e of entries) {
    if (unsafeEntryNameReason(e.name) !== null || seen.has(e.name)) suspect('entry name');
    seen.add(e.name);
    if (e.flags & 1 || (e.method !== 0 && e.method !== 8)) suspect('encryption or method');
    if (e.size > limits.ratioCheckAboveBytes) {
      if (Math.floor(e.size / Math.max(e.compressedSize, 1)) > limits.maxRatio) suspect('ratio');
    }
    if (e.size > limits.maxEntryBytes) suspect('entry size');
    total += e.size;
  }
  if (total > limits.maxTotalBytes) suspect('total size');
}

/** One entry's bytes: its local header, then its data inflated and checked (CRC, length). */
async function readEntry(reader: RangeReader, e: Entry, centralOffset: number): Promise<Buffer> {
  if (e.localOffset + LOCAL_BYTES > centralOffset) suspect('local header');
  const header = await reader.read(e.localOffset, e.localOffset + LOCAL_BYTES);
  if (header.readUInt32LE(0) !== LOCAL_SIGNATURE) suspect('local header');
  const dataOffset =
    e.localOffset + LOCAL_BYTES + header.readUInt16LE(26) + header.readUInt16LE(28);
  if (dataOffset + e.compressedSize > centralOffset) suspect('entry data');
  const nameAndData = await reader.read(e.localOffset + LOCAL_BYTES, dataOffset + e.compressedSize);
  if (nameAndData.subarray(0, header.readUInt16LE(26)).toString('utf8') !== e.name) {
    suspect('local name');
  }
  const compressed = nameAndData.subarray(dataOffset - e.localOffset - LOCAL_BYTES);
  const data =
    e.method === 0
      ? compressed
      : inflateRawSync(compressed, { maxOutputLength: Math.max(e.size, 1) });
  if (data.length !== e.size || crc32(data) >>> 0 !== e.crc >>> 0) suspect('manifest bytes');
  return data;
}

function parseManifest(raw: Buffer): Manifest {
  const parsed = manifestSchema.safeParse(JSON.parse(utf8.decode(raw)));
  if (!parsed.success) suspect('manifest schema');
  const m = parsed.data;
  const paths = new Set(m.files.map((f) => f.path));
  if (paths.size !== m.files.length || paths.has(MANIFEST)) suspect('manifest files');
  const start = Date.parse(m.window.start);
  if (start % HOUR_MS !== 0 || Date.parse(m.window.end) - start !== HOUR_MS) suspect('window');
  return m;
}

/** Every listed file is in the directory with the listed size, and nothing else is. */
function checkListed(m: Manifest, entries: Entry[]): void {
  const inZip = new Map(entries.map((e) => [e.name, e]));
  for (const f of m.files) {
    if (inZip.get(f.path)?.size !== f.bytes) suspect('listed file');
  }
  if (entries.length !== m.files.length + 1) suspect('unlisted entry');
}

function canonicalName(m: Manifest): string {
  return formatDropFileName({
    park: m.park,
    ride: m.ride,
    windowStart: new Date(Date.parse(m.window.start)).toISOString().replace('.000Z', 'Z'),
    sequence: m.sequence,
  });
}

function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
