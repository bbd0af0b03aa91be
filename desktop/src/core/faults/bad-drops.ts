import { createHash } from 'node:crypto';
import AdmZip from 'adm-zip';
import { writeZip, type ZipInputEntry } from '@zra/shared';
import { buildTestDrop, type TestDropOptions } from '../testing/test-drop.ts';

/**
 * Hostile or broken files under drop file names, as a faulty PLC export or an attacker could
 * leave them on a gateway. Each is built from a valid test drop, so only the one defect differs.
 */

const TIME = new Date('2026-06-01T10:00:00Z');
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** The entries (manifest included) of a valid test drop, and its file name. */
function validEntries(options: TestDropOptions): { fileName: string; entries: ZipInputEntry[] } {
  const drop = buildTestDrop(options);
  const entries = new AdmZip(drop.zip)
    .getEntries()
    .map((e) => ({ path: e.entryName, content: e.getData() }));
  return { fileName: drop.fileName, entries };
}

function manifestWith(entries: ZipInputEntry[], files: unknown[]): ZipInputEntry[] {
  const manifest = entries.find((e) => e.path === 'manifest.json');
  if (!manifest) throw new Error('test drop without manifest.json');
  const parsed = JSON.parse(manifest.content.toString('utf8')) as Record<string, unknown>;
  const rest = entries.filter((e) => e.path !== 'manifest.json');
  return [
    ...rest,
    { path: 'manifest.json', content: Buffer.from(JSON.stringify({ ...parsed, files })) },
  ];
}

function listing(entries: ZipInputEntry[]): { path: string; sha256: string; bytes: number }[] {
  return entries
    .filter((e) => e.path !== 'manifest.json')
    .map((e) => ({ path: e.path, sha256: sha256(e.content), bytes: e.content.length }));
}

export interface BadDrop {
  fileName: string;
  bytes: Buffer;
}

/** A zero-byte file: what a PLC leaves when its export crashes right after creating the file. */
export function zeroByteZip(sequence: number): BadDrop {
  return { fileName: buildTestDrop({ sequence }).fileName, bytes: Buffer.alloc(0) };
}

/** Not a zip at all: a PNG header and some text under a drop name. */
export function notAZip(sequence: number): BadDrop {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return {
    fileName: buildTestDrop({ sequence }).fileName,
    bytes: Buffer.concat([png, Buffer.from('a screenshot, not a drop'.repeat(100))]),
  };
}

/** A valid drop plus an entry `../x` (listed in the manifest) that would escape the folder. */
export function zipSlip(sequence: number): BadDrop {
  const { fileName, entries } = validEntries({ sequence });
  const evil = { path: '../x', content: Buffer.from('#!/bin/sh\necho owned\n') };
  const all = [...entries.filter((e) => e.path !== 'manifest.json'), evil];
  return {
    fileName,
    bytes: writeZip(manifestWith(entries, listing(all)).concat(evil), { time: TIME }),
  };
}

/** A valid drop whose manifest lists a wrong SHA-256 (right size) for cycles.json. */
export function hashMismatch(sequence: number): BadDrop {
  const { fileName, entries } = validEntries({ sequence });
  const files = listing(entries).map((f) =>
    f.path === 'cycles.json' ? { ...f, sha256: sha256(Buffer.from('something else')) } : f,
  );
  return { fileName, bytes: writeZip(manifestWith(entries, files), { time: TIME }) };
}

/**
 * A valid drop whose cycles.json starts with a UTF-8 byte-order mark (as some Windows tools
 * write it), listed in the manifest with the hash of those bytes.
 */
export function byteOrderMark(sequence: number): BadDrop {
  const { fileName, entries } = validEntries({ sequence });
  const withBom = entries.map((e) =>
    e.path === 'cycles.json'
      ? { ...e, content: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), e.content]) }
      : e,
  );
  return { fileName, bytes: writeZip(manifestWith(withBom, listing(withBom)), { time: TIME }) };
}

/** Uncompressed size of the bomb entry: 48 MiB of one byte deflates to about 48 KiB. */
export const BOMB_BYTES = 48 * 1024 * 1024;

/**
 * A zip bomb: a tiny file with a telemetry entry that inflates to {@link BOMB_BYTES}, its
 * header telling the truth (so the ratio check must catch it), listed in the manifest.
 */
export function zipBomb(sequence: number): BadDrop {
  const { fileName, entries } = validEntries({ sequence });
  const bomb = { path: 'telemetry/x.current.json', content: Buffer.alloc(BOMB_BYTES, 0x20) };
  const all = [...entries.filter((e) => e.path !== 'manifest.json'), bomb];
  const bytes = writeZip(manifestWith(entries, listing(all)).concat(bomb), {
    time: TIME,
    level: 9,
  });
  return { fileName, bytes };
}

/**
 * A zip bomb whose headers lie: they declare 1,000 bytes for an entry that inflates to
 * {@link BOMB_BYTES}, so no ratio check sees it; only a bounded inflate does.
 */
export function lyingZipBomb(sequence: number): BadDrop {
  const { fileName, bytes } = zipBomb(sequence);
  const out = Buffer.from(bytes);
  const name = Buffer.from('telemetry/x.current.json');
  // Local file header: signature, then the uncompressed size at offset 22.
  patchSizes(out, 0x04034b50, 22, 26, name);
  // Central directory header: uncompressed size at offset 24, name length at 28.
  patchSizes(out, 0x02014b50, 24, 28, name);
  return { fileName, bytes: out };
}

function patchSizes(
  zip: Buffer,
  signature: number,
  sizeOffset: number,
  nameLengthOffset: number,
  name: Buffer,
): void {
  const nameStart = signature === 0x04034b50 ? 30 : 46;
  for (let i = 0; i + nameStart + name.length <= zip.length; i++) {
    if (zip.readUInt32LE(i) !== signature) continue;
    const len = zip.readUInt16LE(i + nameLengthOffset);
    if (len === name.length && zip.subarray(i + nameStart, i + nameStart + len).equals(name)) {
      zip.writeUInt32LE(1000, i + sizeOffset);
      return;
    }
  }
  throw new Error(`bomb entry header ${signature.toString(16)} not found`);
}
