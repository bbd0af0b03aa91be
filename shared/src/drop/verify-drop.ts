import type { z } from 'zod';
import { computeContentId, sha256Hex } from './content-id.ts';
import { describeIssues } from './describe-issue.ts';
import { DEFAULT_DROP_LIMITS, type DropLimits } from './drop-limits.ts';
import { checkJsonBytes, decodeUtf8, parseJsonEntry, parseJsonText } from './entry-json.ts';
import { entrySchemaFor, type EntrySchema } from './entry-schema.ts';
import { formatDropFileName } from './file-name.ts';
import { manifestSchema, type Manifest } from './manifest.ts';
import { Rejection, formatExactBytes, reject } from './rejection.ts';
import { withoutNumberValues } from './telemetry-values.ts';
import type { DropRejectionCode, VerifiedEntry, VerifyResult } from './verify-result.ts';
import {
  checkWindowIsOneUtcHour,
  checkWindowNotInFuture,
  formatInstant,
  instantMs,
} from './window-rules.ts';
import {
  checkEntryNamesAndSizes,
  entryName,
  locateEntryData,
  readEntryData,
  readZipArchive,
} from './zip-archive.ts';

/** Options of {@link verifyDrop}. */
export interface VerifyDropOptions {
  /** The drop's file name; when given it must be the canonical name of the manifest's drop. */
  fileName?: string;
  /** Overrides of {@link DEFAULT_DROP_LIMITS}, e.g. for tests. */
  limits?: Partial<DropLimits>;
  /**
   * SHA-256 (hex) of `zip` when the caller already computed it (the agent hashes every
   * download for its blob name), so these bytes are not hashed a second time.
   */
  sha256?: string;
  /**
   * When the drop was received (the agent: pulled; central: committed). When given, a window
   * that starts more than 15 minutes later is rejected (`window_in_future`).
   */
  receivedAt?: Date;
}

const MANIFEST_PATH = 'manifest.json';

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function validate<T>(
  path: string,
  schema: z.ZodType<T>,
  value: unknown,
  code: DropRejectionCode,
): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    reject(code, `${describeIssues(path, parsed.error.issues)}: check the PLC export.`);
  }
  return parsed.data;
}

function readManifest(data: Map<string, Buffer>): Manifest {
  const raw = data.get(MANIFEST_PATH);
  if (!raw) {
    return reject(
      'manifest_missing',
      'The archive has no manifest.json at its root; the PLC export must write one (see docs/drop-format.md).',
    );
  }
  const manifest = validate(
    MANIFEST_PATH,
    manifestSchema,
    parseJsonEntry(MANIFEST_PATH, raw, 'manifest_invalid'),
    'manifest_invalid',
  );
  const listed = new Set<string>();
  for (const [i, f] of manifest.files.entries()) {
    if (f.path === MANIFEST_PATH) {
      reject(
        'manifest_invalid',
        `manifest.json: files[${i}] lists manifest.json itself; list only the other entries.`,
      );
    }
    if (listed.has(f.path)) {
      reject(
        'manifest_invalid',
        `manifest.json: files[${i}] lists "${f.path}" a second time; list each entry once.`,
      );
    }
    listed.add(f.path);
  }
  return manifest;
}

function listedEntry(data: Map<string, Buffer>, path: string): Buffer {
  const bytes = data.get(path);
  if (!bytes) {
    reject(
      'entry_missing',
      `${path} is listed in manifest.json but not in the archive: add it, or do not list it.`,
    );
  }
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
        `${f.path} has ${bytes.length} bytes but manifest.json lists ${f.bytes}; the file changed after the manifest was written: write the manifest last.`,
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
        `${f.path} does not match the SHA-256 in manifest.json (listed ${f.sha256.slice(0, 12)}…, actual ${actual.slice(0, 12)}…); the file changed after the manifest was written: write the manifest last.`,
      );
    }
  }
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const path of data.keys()) {
    if (path === MANIFEST_PATH || listed.has(path)) continue;
    const hint = path.endsWith('/')
      ? ' Folder entries are not allowed: create the zip without them (e.g. `zip -D`).'
      : ' List it in manifest.json, or leave it out of the archive.';
    reject('entry_unlisted', `${path} is in the archive but not listed in manifest.json.${hint}`);
  }
}

function checkEntrySchemas(manifest: Manifest, data: Map<string, Buffer>): void {
  for (const f of manifest.files) {
    const kind = entrySchemaFor(f.path);
    if (!kind) {
      reject(
        'entry_invalid',
        `${f.path} is not part of drop format v1 (expected cycles.json, alarms.json, counters.json or telemetry/{channel}.json): leave it out of the drop.`,
      );
    }
    const value = validate(f.path, kind.schema, parseEntry(f.path, kind, data), 'entry_invalid');
    const problem = kind.check?.(value);
    if (problem) reject('entry_invalid', `${f.path}: ${problem}: check the PLC export.`);
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
  checkJsonBytes(path, raw, 'entry_invalid');
  const reduced = kind.numberValues ? withoutNumberValues(raw) : null;
  if (reduced !== null) {
    // Valid UTF-8 and valid JSON without the (ASCII) array exactly when with it.
    let value: unknown;
    try {
      value = parseJsonText(path, decodeUtf8(path, reduced, 'entry_invalid'), 'entry_invalid');
    } catch {
      value = undefined;
    }
    if (value !== undefined) return value;
  }
  return parseJsonEntry(path, raw, 'entry_invalid');
}

/** The drop's canonical file name, from its manifest. */
function canonicalFileName(manifest: Manifest): string {
  return formatDropFileName({
    park: manifest.park,
    ride: manifest.ride,
    windowStart: formatInstant(instantMs(manifest.window.start)),
    sequence: manifest.sequence,
  });
}

function checkFileName(fileName: string, manifest: Manifest): void {
  const expected = canonicalFileName(manifest);
  if (fileName === expected) return;
  reject(
    'name_mismatch',
    `The file is named "${fileName}" but manifest.json (park, ride, window start, sequence) names it "${expected}": rename the file to "${expected}", or fix the export if the manifest is wrong.`,
  );
}

/**
 * Checks a drop against format v1 and the rules of docs/drop-format.md, in memory (nothing is
 * written to disk), in the documented order so the Rust crate reaches the same code. Sizes,
 * ratios and entry names are checked from the central directory before anything is inflated.
 * Never throws for a bad drop: it yields `{ ok: false, code, reason }` with a sentence that
 * says what is wrong and what the sender should do. Throws a TypeError only when
 * `receivedAt` is an invalid Date (a caller's bug, not the drop's).
 */
export function verifyDrop(zip: Buffer, opts: VerifyDropOptions = {}): VerifyResult {
  const limits: DropLimits = { ...DEFAULT_DROP_LIMITS, ...opts.limits };
  const { receivedAt } = opts;
  if (receivedAt !== undefined && Number.isNaN(receivedAt.getTime())) {
    throw new TypeError('verifyDrop: receivedAt is an invalid Date');
  }
  try {
    if (zip.length > limits.maxZipBytes) {
      reject(
        'too_large',
        `The zip is ${formatExactBytes(zip.length)}; the limit is ${formatExactBytes(limits.maxZipBytes)}: a drop holds one hour of one ride, check the export's window and sample rate.`,
      );
    }
    const archive = readZipArchive(zip, limits);
    checkEntryNamesAndSizes(archive.entries, limits);
    locateEntryData(zip, archive);
    const data = new Map<string, Buffer>();
    const hashes = new Map<string, string>();
    const entries: VerifiedEntry[] = [];
    for (const e of archive.entries) {
      const bytes = readEntryData(zip, e);
      const sha256 = sha256Hex(bytes);
      const path = entryName(e);
      data.set(path, bytes);
      hashes.set(path, sha256);
      entries.push({ path, sha256, bytes: bytes.length });
    }
    const manifest = readManifest(data);
    checkWindowIsOneUtcHour(manifest);
    checkListedFiles(manifest, data, hashes);
    checkEntrySchemas(manifest, data);
    if (opts.fileName !== undefined) checkFileName(opts.fileName, manifest);
    if (receivedAt !== undefined) checkWindowNotInFuture(manifest, receivedAt);
    return {
      ok: true,
      manifest,
      sha256: opts.sha256 ?? sha256Hex(zip),
      contentId: computeContentId(entries),
      entries,
    };
  } catch (e) {
    if (e instanceof Rejection) return { ok: false, code: e.code, reason: e.reason };
    // Anything unforeseen still means the archive cannot be trusted.
    return {
      ok: false,
      code: 'zip_corrupt',
      reason: `The archive could not be read (${errorText(e)}): copy it again from the gateway, or export the window again.`,
    };
  }
}
