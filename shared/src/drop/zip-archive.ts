import { crc32, inflateRawSync } from 'node:zlib';
import type { DropLimits } from './drop-limits.ts';
import { unsafeEntryNameReason } from './entry-name.ts';
import { formatBytes, formatExactBytes, reject } from './rejection.ts';

// The zip structure rules of docs/drop-format.md ("The archive"), read by hand rather than
// through a zip library: the Rust crate (archive.rs) applies the very same rules in the same
// order, so the two verifiers cannot disagree on a damaged or unusual archive because two
// libraries happen to read it differently.

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_BYTES = 22;
const MAX_COMMENT_BYTES = 0xffff;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_BYTES = 20;
const CENTRAL_SIGNATURE = 0x02014b50;
const CENTRAL_BYTES = 46;
const LOCAL_SIGNATURE = 0x04034b50;
const LOCAL_BYTES = 30;
const ZIP64_EXTRA_ID = 0x0001;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
const FLAG_ENCRYPTED = 1;
const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;

/** One entry as the central directory declares it. */
export interface ZipEntry {
  /** The name, or null when its bytes are not UTF-8. */
  name: string | null;
  nameBytes: Buffer;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  /** Where the entry's data starts; set by {@link locateEntryData}. */
  dataOffset: number;
}

/** The central directory of an archive that passed the structure rules. */
export interface ZipArchive {
  entries: ZipEntry[];
  /** Offset of the central directory: every entry's data lies before it. */
  centralOffset: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function damaged(what: string): never {
  return reject(
    'zip_corrupt',
    `The file is not a readable zip archive: ${what}. It may be truncated or damaged: copy it again from the gateway, or export the window again.`,
  );
}

function zip64(what: string): never {
  return reject(
    'zip64',
    `The archive uses zip64 extensions (${what}); drops are far below 4 GiB and must be plain zip files: turn zip64 off in the PLC's export (e.g. Info-ZIP \`zip -fz-\`).`,
  );
}

/** Whether an extra field holds a zip64 record; stops at the first record that overruns it. */
function hasZip64Extra(extra: Buffer): boolean {
  let at = 0;
  while (at + 4 <= extra.length) {
    const id = extra.readUInt16LE(at);
    const size = extra.readUInt16LE(at + 2);
    if (at + 4 + size > extra.length) return false;
    if (id === ZIP64_EXTRA_ID) return true;
    at += 4 + size;
  }
  return false;
}

/** The end-of-central-directory record: the last one whose comment runs exactly to the end. */
function findEndRecord(zip: Buffer): number {
  const last = zip.length - EOCD_BYTES;
  const first = Math.max(0, last - MAX_COMMENT_BYTES);
  for (let at = last; at >= first; at--) {
    if (
      zip.readUInt32LE(at) === EOCD_SIGNATURE &&
      at + EOCD_BYTES + zip.readUInt16LE(at + 20) === zip.length
    ) {
      return at;
    }
  }
  return -1;
}

/**
 * Reads the central directory (nothing is inflated): the end record, zip64 markers, one disk,
 * the entry count against the limit, then every central header in order. Rejects with
 * `zip_corrupt`, `zip64` or `too_large`.
 */
export function readZipArchive(zip: Buffer, limits: DropLimits): ZipArchive {
  if (zip.length === 0) {
    reject(
      'zip_corrupt',
      'The file is empty (0 bytes): the PLC export or the copy did not finish. Export the window again.',
    );
  }
  const end = findEndRecord(zip);
  if (end < 0) damaged('it has no end-of-central-directory record');
  if (
    end >= ZIP64_LOCATOR_BYTES &&
    zip.readUInt32LE(end - ZIP64_LOCATOR_BYTES) === ZIP64_LOCATOR_SIGNATURE
  ) {
    zip64('a zip64 end-of-central-directory locator');
  }
  const disk = zip.readUInt16LE(end + 4);
  const centralDisk = zip.readUInt16LE(end + 6);
  const diskEntries = zip.readUInt16LE(end + 8);
  const totalEntries = zip.readUInt16LE(end + 10);
  const centralSize = zip.readUInt32LE(end + 12);
  const centralOffset = zip.readUInt32LE(end + 16);
  if (
    disk === U16_MAX ||
    centralDisk === U16_MAX ||
    diskEntries === U16_MAX ||
    totalEntries === U16_MAX ||
    centralSize === U32_MAX ||
    centralOffset === U32_MAX
  ) {
    zip64('the end record defers to a zip64 record');
  }
  if (disk !== 0 || centralDisk !== 0 || diskEntries !== totalEntries) {
    damaged('it claims to be part of a split (multi-disk) archive');
  }
  if (totalEntries > limits.maxEntries) {
    reject(
      'too_large',
      `The archive holds ${totalEntries} entries; at most ${limits.maxEntries} are allowed: a drop holds one hour of one ride (the manifest, cycles, alarms, counters and one file per channel).`,
    );
  }
  if (centralOffset + centralSize !== end) {
    damaged('its central directory is not where its end record says');
  }
  const entries: ZipEntry[] = [];
  let at = centralOffset;
  for (let i = 0; i < totalEntries; i++) {
    if (at + CENTRAL_BYTES > end || zip.readUInt32LE(at) !== CENTRAL_SIGNATURE) {
      damaged(`central directory entry ${i + 1} is missing or damaged`);
    }
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const next = at + CENTRAL_BYTES + nameLength + extraLength + commentLength;
    if (next > end) damaged(`central directory entry ${i + 1} runs past the directory`);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const diskStart = zip.readUInt16LE(at + 34);
    const localOffset = zip.readUInt32LE(at + 42);
    const nameBytes = zip.subarray(at + CENTRAL_BYTES, at + CENTRAL_BYTES + nameLength);
    const extra = zip.subarray(
      at + CENTRAL_BYTES + nameLength,
      at + CENTRAL_BYTES + nameLength + extraLength,
    );
    if (
      compressedSize === U32_MAX ||
      size === U32_MAX ||
      localOffset === U32_MAX ||
      diskStart === U16_MAX ||
      hasZip64Extra(extra)
    ) {
      zip64(`entry ${i + 1} has zip64 sizes`);
    }
    if (diskStart !== 0) damaged(`entry ${i + 1} claims to start on another disk`);
    let name: string | null;
    try {
      name = utf8.decode(nameBytes);
    } catch {
      name = null;
    }
    entries.push({
      name,
      nameBytes,
      flags: zip.readUInt16LE(at + 8),
      method: zip.readUInt16LE(at + 10),
      crc: zip.readUInt32LE(at + 16),
      compressedSize,
      size,
      localOffset,
      dataOffset: -1,
    });
    at = next;
  }
  if (at !== end) damaged('its central directory is longer than its entries');
  return { entries, centralOffset };
}

/** The entry's name; valid after {@link checkEntryNamesAndSizes}. */
export function entryName(e: ZipEntry): string {
  return e.name ?? '';
}

/**
 * From the central directory, before anything is inflated: every name is safe and unique
 * (`unsafe_entry_name`), then per entry the ratio (`zip_bomb`) and size (`too_large`), then the
 * total size (`too_large`).
 */
export function checkEntryNamesAndSizes(entries: readonly ZipEntry[], limits: DropLimits): void {
  const seen = new Set<string>();
  for (const e of entries) {
    if (e.name === null) {
      reject(
        'unsafe_entry_name',
        `An entry name is not UTF-8 text; write entry names in UTF-8 (plain ASCII such as "telemetry/brake.pressure.json").`,
      );
    }
    const unsafe = unsafeEntryNameReason(e.name);
    if (unsafe) {
      reject(
        'unsafe_entry_name',
        `Entry "${e.name}" ${unsafe}; a drop may only hold relative paths inside the archive, such as "telemetry/brake.pressure.json".`,
      );
    }
    // Two entries with one name would let two readers see different content.
    if (seen.has(e.name)) {
      reject(
        'unsafe_entry_name',
        `Entry "${e.name}" appears twice in the archive; write each file once.`,
      );
    }
    seen.add(e.name);
  }
  let total = 0;
  for (const e of entries) {
    const name = entryName(e);
    if (e.size > limits.ratioCheckAboveBytes) {
      // Whole-number ratio, as the Rust crate computes it, so both sides agree at the edge.
      const ratio = Math.floor(e.size / Math.max(e.compressedSize, 1));
      if (ratio > limits.maxRatio) {
        reject(
          'zip_bomb',
          `${name}: ${formatBytes(e.size)} compressed into ${formatBytes(e.compressedSize)} (ratio ${ratio}, limit ${limits.maxRatio}); this looks like a zip bomb, not PLC data: check what the PLC export writes into this file.`,
        );
      }
    }
    if (e.size > limits.maxEntryBytes) {
      reject(
        'too_large',
        `${name} is ${formatExactBytes(e.size)} uncompressed; one entry may be at most ${formatExactBytes(limits.maxEntryBytes)}: a drop holds one hour of one ride, check the export's window and sample rate.`,
      );
    }
    total += e.size;
  }
  if (total > limits.maxTotalBytes) {
    reject(
      'too_large',
      `The entries add up to ${formatExactBytes(total)} uncompressed; the limit is ${formatExactBytes(limits.maxTotalBytes)}: a drop holds one hour of one ride, check the export's window and sample rate.`,
    );
  }
}

/**
 * Per entry, in archive order and before anything is inflated: not encrypted, stored or
 * deflated, a local header with the same name, and the compressed data inside the file before
 * the central directory. Sets every entry's `dataOffset`.
 */
export function locateEntryData(zip: Buffer, archive: ZipArchive): void {
  for (const e of archive.entries) {
    const name = entryName(e);
    if (e.flags & FLAG_ENCRYPTED) {
      reject(
        'zip_corrupt',
        `${name} is encrypted; drops must not be password protected: turn encryption off in the PLC's export.`,
      );
    }
    if (e.method !== METHOD_STORED && e.method !== METHOD_DEFLATED) {
      reject(
        'zip_corrupt',
        `${name} uses compression method ${e.method}; only stored (0) and deflate (8) are supported: choose deflate in the PLC's export.`,
      );
    }
    const at = e.localOffset;
    if (at + LOCAL_BYTES > archive.centralOffset || zip.readUInt32LE(at) !== LOCAL_SIGNATURE) {
      damaged(`the local header of ${name} is missing`);
    }
    const nameLength = zip.readUInt16LE(at + 26);
    const extraLength = zip.readUInt16LE(at + 28);
    const dataOffset = at + LOCAL_BYTES + nameLength + extraLength;
    if (dataOffset > archive.centralOffset) damaged(`the local header of ${name} is cut short`);
    if (!zip.subarray(at + LOCAL_BYTES, at + LOCAL_BYTES + nameLength).equals(e.nameBytes)) {
      damaged(`the local header of ${name} names another file`);
    }
    if (dataOffset + e.compressedSize > archive.centralOffset) {
      damaged(
        `only part of the ${formatBytes(e.compressedSize)} of compressed data of ${name} is present`,
      );
    }
    e.dataOffset = dataOffset;
  }
}

/**
 * Inflates one located entry, never past its declared size, and checks that the deflate
 * stream ends exactly at the end of the compressed data, the length and the CRC-32.
 */
export function readEntryData(zip: Buffer, e: ZipEntry): Buffer {
  const name = entryName(e);
  const broken = (what: string): never =>
    reject(
      'zip_corrupt',
      `${name}: ${what}; the archive is damaged: copy it again from the gateway, or export the window again.`,
    );
  const compressed = zip.subarray(e.dataOffset, e.dataOffset + e.compressedSize);
  let data: Buffer;
  if (e.method === METHOD_STORED) {
    data = compressed;
  } else {
    // The declared size bounds the output, so a lying header cannot exhaust memory (and the
    // ratio check bounds the size). One output chunk of that size instead of zlib's 16 KiB
    // pieces joined at the end: ~25 % less CPU for a 50 Hz drop.
    const bound = Math.max(e.size, 1);
    let consumed: number;
    try {
      const out = inflateRawSync(compressed, {
        maxOutputLength: bound,
        chunkSize: Math.max(bound, 64),
        info: true,
      }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
      data = out.buffer;
      consumed = out.engine.bytesWritten;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        return broken(`it inflates to more than the ${e.size} bytes its header declares`);
      }
      return broken('its compressed data is invalid or cut short');
    }
    if (consumed !== compressed.length) {
      broken('bytes follow the end of its compressed data');
    }
  }
  if (data.length !== e.size) {
    broken(`it holds ${data.length} bytes but its header declares ${e.size}`);
  }
  if (crc32(data) >>> 0 !== e.crc >>> 0) broken('its CRC-32 check failed');
  return data;
}
