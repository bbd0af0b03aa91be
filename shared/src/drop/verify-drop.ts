import AdmZip from 'adm-zip';
import { crc32, inflateRawSync } from 'node:zlib';
import type { z } from 'zod';
import { computeContentId, sha256Hex } from './content-id.ts';
import { findDuplicateKey } from './duplicate-key.ts';
import { describeIssues } from './describe-issue.ts';
import { entrySchemaFor, type EntrySchema } from './entry-schema.ts';
import { unsafeEntryNameReason } from './entry-name.ts';
import { parseDropFileName } from './file-name.ts';
import { manifestSchema, type Manifest } from './manifest.ts';
import { withoutNumberValues } from './telemetry-values.ts';
import {
  DEFAULT_DROP_LIMITS,
  type DropLimits,
  type DropRejectionCode,
  type VerifiedEntry,
  type VerifyResult,
} from './verify-result.ts';

/** Options of {@link verifyDrop}. */
export interface VerifyDropOptions {
  /** The drop's file name; when given it must match the manifest (park, ride, window, sequence). */
  fileName?: string;
  /** Overrides of {@link DEFAULT_DROP_LIMITS}, e.g. for tests. */
  limits?: Partial<DropLimits>;
  /**
   * SHA-256 (hex) of `zip` when the caller already computed it (the agent hashes every
   * download for its blob name), so these bytes are not hashed a second time.
   */
  sha256?: string;
}

const MANIFEST_PATH = 'manifest.json';
const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;
const FLAG_ENCRYPTED = 1;
// Deflating zero bytes takes 2 bytes; anything much larger that claims to be empty is suspect.
const MAX_COMPRESSED_BYTES_OF_EMPTY_ENTRY = 64;

class Rejection extends Error {
  constructor(
    readonly code: DropRejectionCode,
    readonly reason: string,
  ) {
    super(reason);
  }
}

function reject(code: DropRejectionCode, reason: string): never {
  throw new Rejection(code, reason);
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

function errorText(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.replace(/^ADM-ZIP: /, '');
}

interface CentralEntry {
  name: string;
  size: number;
  compressedSize: number;
  method: number;
  flags: number;
  crc: number;
  zipEntry: AdmZip.IZipEntry;
}

/** Reads the central directory only: names and declared sizes, nothing inflated yet. */
function readCentralDirectory(zip: Buffer): CentralEntry[] {
  try {
    return new AdmZip(zip).getEntries().map((e) => ({
      name: e.entryName,
      size: e.header.size,
      compressedSize: e.header.compressedSize,
      method: e.header.method,
      flags: e.header.flags,
      crc: e.header.crc,
      zipEntry: e,
    }));
  } catch (e) {
    return reject(
      'zip_corrupt',
      `The file is not a readable zip archive (${errorText(e)}); it may be truncated or damaged, so copy it again from the PLC.`,
    );
  }
}

function checkLimits(entries: readonly CentralEntry[], limits: DropLimits): void {
  if (entries.length > limits.maxEntries) {
    reject(
      'too_large',
      `The archive holds ${entries.length} entries; at most ${limits.maxEntries} are allowed.`,
    );
  }
  const seen = new Set<string>();
  for (const e of entries) {
    const unsafe = unsafeEntryNameReason(e.name);
    if (unsafe) reject('unsafe_entry_name', `Entry "${e.name}" ${unsafe}.`);
    // Two entries with one name would let two readers see different content.
    if (seen.has(e.name)) reject('unsafe_entry_name', `Entry "${e.name}" appears twice.`);
    seen.add(e.name);
  }
  let total = 0;
  for (const e of entries) {
    if (e.size > limits.ratioCheckAboveBytes) {
      // Whole-number ratio, as the Rust crate computes it, so both sides agree at the edge.
      const ratio = Math.floor(e.size / Math.max(e.compressedSize, 1));
      if (ratio > limits.maxRatio) {
        reject(
          'zip_bomb',
          `${e.name}: ${formatBytes(e.size)} compressed into ${formatBytes(e.compressedSize)} (ratio ${ratio}, limit ${limits.maxRatio}); this looks like a zip bomb, not PLC data.`,
        );
      }
    }
    if (e.size > limits.maxEntryBytes) {
      reject(
        'too_large',
        `${e.name} is ${formatBytes(e.size)} uncompressed; one entry may be at most ${formatBytes(limits.maxEntryBytes)}.`,
      );
    }
    total += e.size;
  }
  if (total > limits.maxTotalBytes) {
    reject(
      'too_large',
      `The entries add up to ${formatBytes(total)} uncompressed; the limit is ${formatBytes(limits.maxTotalBytes)}.`,
    );
  }
}

/** Inflates one entry, never past its declared size, and checks its length and CRC-32. */
function readEntryData(e: CentralEntry): Buffer {
  const damaged = (what: string): never =>
    reject(
      'zip_corrupt',
      `${e.name}: ${what}; the archive is damaged, copy it again from the PLC.`,
    );
  if (e.flags & FLAG_ENCRYPTED) {
    reject('zip_corrupt', `${e.name} is encrypted; drops must not be password protected.`);
  }
  let compressed: Buffer;
  try {
    compressed = e.zipEntry.getCompressedData();
  } catch (err) {
    return damaged(`its data cannot be located (${errorText(err)})`);
  }
  if (compressed.length !== e.compressedSize) {
    damaged(`only ${compressed.length} of ${e.compressedSize} compressed bytes are present`);
  }
  let data: Buffer;
  if (e.method === METHOD_STORED) {
    data = compressed;
  } else if (e.method === METHOD_DEFLATED) {
    if (e.size === 0) {
      if (compressed.length > MAX_COMPRESSED_BYTES_OF_EMPTY_ENTRY) {
        damaged(`it claims to be empty but holds ${compressed.length} compressed bytes`);
      }
    }
    try {
      // The declared size bounds the output, so a lying header cannot exhaust memory (and the
      // ratio check above bounds the size). One output chunk of that size instead of zlib's
      // 16 KiB pieces joined at the end: ~25 % less CPU for a 50 Hz drop.
      const bound = Math.max(e.size, 1);
      data = inflateRawSync(compressed, { maxOutputLength: bound, chunkSize: Math.max(bound, 64) });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        return damaged(`it inflates to more than the ${e.size} bytes its header declares`);
      }
      return damaged(`its compressed data is invalid (${errorText(err)})`);
    }
  } else {
    return reject(
      'zip_corrupt',
      `${e.name} uses compression method ${e.method}; only stored (0) and deflate (8) are supported.`,
    );
  }
  if (data.length !== e.size) {
    damaged(`it holds ${data.length} bytes but its header declares ${e.size}`);
  }
  if (crc32(data) >>> 0 !== e.crc >>> 0) damaged('its CRC-32 check failed');
  return data;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeText(path: string, data: Buffer, code: DropRejectionCode): string {
  try {
    return utf8.decode(data);
  } catch {
    return reject(code, `${path} is not UTF-8 text.`);
  }
}

function parseJson(path: string, data: Buffer, code: DropRejectionCode): unknown {
  return parseJsonText(path, decodeText(path, data, code), code);
}

function parseJsonText(path: string, text: string, code: DropRejectionCode): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return reject(code, `${path} is not valid JSON (${errorText(err)}).`);
  }
  const repeated = findDuplicateKey(text);
  if (repeated !== null) {
    reject(
      code,
      `${path} has the key "${repeated}" twice in one object; JSON readers disagree on which one counts, so the PLC export must write each key once.`,
    );
  }
  return value;
}

function validate<T>(
  path: string,
  schema: z.ZodType<T>,
  value: unknown,
  code: DropRejectionCode,
): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) reject(code, `${describeIssues(path, parsed.error.issues)}.`);
  return parsed.data;
}

function readManifest(data: Map<string, Buffer>): Manifest {
  const raw = data.get(MANIFEST_PATH);
  if (!raw) {
    return reject(
      'manifest_missing',
      'The archive has no manifest.json at its root; the PLC export must write one.',
    );
  }
  const manifest = validate(
    MANIFEST_PATH,
    manifestSchema,
    parseJson(MANIFEST_PATH, raw, 'manifest_invalid'),
    'manifest_invalid',
  );
  const listed = new Set<string>();
  for (const [i, f] of manifest.files.entries()) {
    if (f.path === MANIFEST_PATH) {
      reject('manifest_invalid', `manifest.json: files[${i}] lists manifest.json itself.`);
    }
    if (listed.has(f.path)) {
      reject('manifest_invalid', `manifest.json: files[${i}] lists "${f.path}" a second time.`);
    }
    listed.add(f.path);
  }
  return manifest;
}

function listedEntry(data: Map<string, Buffer>, path: string): Buffer {
  const bytes = data.get(path);
  if (!bytes) reject('entry_missing', `${path} is listed in manifest.json but not in the archive.`);
  return bytes;
}

function checkListedFiles(
  manifest: Manifest,
  data: Map<string, Buffer>,
  hashes: Map<string, string>,
): void {
  for (const f of manifest.files) {
    const bytes = listedEntry(data, f.path);
    if (bytes.length !== f.bytes) {
      reject(
        'size_mismatch',
        `${f.path} has ${bytes.length} bytes but manifest.json lists ${f.bytes}.`,
      );
    }
  }
  for (const f of manifest.files) {
    // Hashed once, when inflated (SHA-256 is a large share of a big drop's CPU); the loop
    // above made sure every listed entry exists.
    const actual = hashes.get(f.path) ?? '';
    if (actual !== f.sha256) {
      reject(
        'hash_mismatch',
        `${f.path} does not match the SHA-256 in manifest.json (listed ${f.sha256.slice(0, 12)}…, actual ${actual.slice(0, 12)}…); the file changed after the manifest was written.`,
      );
    }
  }
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const path of data.keys()) {
    if (path === MANIFEST_PATH || listed.has(path)) continue;
    const hint = path.endsWith('/')
      ? ' Folder entries are not allowed: create the zip without them (e.g. `zip -D`).'
      : '';
    reject('entry_unlisted', `${path} is in the archive but not listed in manifest.json.${hint}`);
  }
}

function checkEntrySchemas(manifest: Manifest, data: Map<string, Buffer>): void {
  for (const f of manifest.files) {
    const kind = entrySchemaFor(f.path);
    if (!kind) {
      reject(
        'entry_invalid',
        `${f.path} is not part of drop format v1 (expected cycles.json, alarms.json, counters.json or telemetry/{channel}.json).`,
      );
    }
    const value = validate(f.path, kind.schema, parseEntry(f.path, kind, data), 'entry_invalid');
    const problem = kind.check?.(value);
    if (problem) reject('entry_invalid', `${f.path}: ${problem}.`);
  }
}

/**
 * Parses an entry. A telemetry file whose `values` array holds only numbers and nulls is parsed
 * without that array (checked on the text instead): the same verdict and reasons, at a fraction
 * of the CPU. Anything else, including every way the shortcut could fail, takes the full parse,
 * so every rejection reads as before.
 */
function parseEntry(path: string, kind: EntrySchema, data: Map<string, Buffer>): unknown {
  const raw = listedEntry(data, path);
  const reduced = kind.numberValues ? withoutNumberValues(raw) : null;
  if (reduced !== null) {
    // Valid UTF-8 and valid JSON without the (ASCII) array exactly when with it.
    let value: unknown;
    try {
      const text = utf8.decode(reduced);
      value = JSON.parse(text);
      if (findDuplicateKey(text) !== null) value = undefined;
    } catch {
      value = undefined;
    }
    if (value !== undefined) return value;
  }
  return parseJson(path, raw, 'entry_invalid');
}

function checkFileName(fileName: string, manifest: Manifest): void {
  const parsed = parseDropFileName(fileName);
  if (!parsed) {
    reject(
      'name_mismatch',
      `"${fileName}" is not a drop file name; expected {park}_{ride}_{YYYYMMDDTHHMMSSZ}_{sequence}.zip.`,
    );
  }
  if (parsed.park !== manifest.park) {
    reject(
      'name_mismatch',
      `"${fileName}" names park "${parsed.park}" but manifest.json says "${manifest.park}".`,
    );
  }
  if (parsed.ride !== manifest.ride) {
    reject(
      'name_mismatch',
      `"${fileName}" names ride "${parsed.ride}" but manifest.json says "${manifest.ride}".`,
    );
  }
  if (Date.parse(parsed.windowStart) !== Date.parse(manifest.window.start)) {
    reject(
      'name_mismatch',
      `"${fileName}" names window start ${parsed.windowStart} but manifest.json says ${manifest.window.start}.`,
    );
  }
  if (parsed.sequence !== manifest.sequence) {
    reject(
      'name_mismatch',
      `"${fileName}" names sequence ${parsed.sequence} but manifest.json says ${manifest.sequence}.`,
    );
  }
}

/**
 * Checks a drop against format v1 and the rules of docs/job-contracts.md, in memory (nothing is
 * written to disk). Sizes, ratios and entry names are checked from the central directory before
 * anything is inflated. Never throws: a bad drop yields `{ ok: false, code, reason }` with a
 * sentence a park technician can act on.
 */
export function verifyDrop(zip: Buffer, opts: VerifyDropOptions = {}): VerifyResult {
  const limits: DropLimits = { ...DEFAULT_DROP_LIMITS, ...opts.limits };
  try {
    if (zip.length > limits.maxZipBytes) {
      reject(
        'too_large',
        `The zip is ${formatBytes(zip.length)}; the limit is ${formatBytes(limits.maxZipBytes)}.`,
      );
    }
    const central = readCentralDirectory(zip);
    checkLimits(central, limits);
    const data = new Map<string, Buffer>();
    const hashes = new Map<string, string>();
    const entries: VerifiedEntry[] = [];
    for (const e of central) {
      const bytes = readEntryData(e);
      const sha256 = sha256Hex(bytes);
      data.set(e.name, bytes);
      hashes.set(e.name, sha256);
      entries.push({ path: e.name, sha256, bytes: bytes.length });
    }
    const manifest = readManifest(data);
    checkListedFiles(manifest, data, hashes);
    checkEntrySchemas(manifest, data);
    if (opts.fileName !== undefined) checkFileName(opts.fileName, manifest);
    return {
      ok: true,
      manifest,
      sha256: opts.sha256 ?? sha256Hex(zip),
      contentId: computeContentId(entries),
      entries,
    };
  } catch (e) {
    if (e instanceof Rejection) return { ok: false, code: e.code, reason: e.reason };
    // Anything unforeseen inside adm-zip or zlib still means the archive cannot be trusted.
    return {
      ok: false,
      code: 'zip_corrupt',
      reason: `The archive could not be read (${errorText(e)}); copy it again from the PLC.`,
    };
  }
}
