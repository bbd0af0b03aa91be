import { sha256Hex } from './content-id.ts';
import { formatDropFileName } from './file-name.ts';
import { DROP_FORMAT, type Manifest } from './manifest.ts';
import { writeZip, writeZipAsync, type ZipInputEntry } from './zip-writer.ts';

/** What a drop holds apart from the file list, which {@link writeDropZip} computes. */
export type DropHeader = Omit<Manifest, 'files' | 'format'>;

/** A written drop: its canonical file name, zip bytes and manifest. */
export interface WrittenDrop {
  fileName: string;
  zip: Buffer;
  manifest: Manifest;
}

/** Serialises JSON the same way every time: two-space indent, trailing newline. */
export function stableJson(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
}

/** Options of {@link writeDropZip}. */
export interface DropZipOptions {
  /** zlib level, 0 (stored) to 9; 6 by default. */
  level?: number;
}

/** The manifest, canonical name and archive entries (manifest first) of a drop. */
function layOut(
  header: DropHeader,
  entries: readonly ZipInputEntry[],
): { manifest: Manifest; fileName: string; all: ZipInputEntry[] } {
  const manifest: Manifest = {
    format: DROP_FORMAT,
    park: header.park,
    ride: header.ride,
    model: header.model,
    plc: header.plc,
    timezone: header.timezone,
    window: header.window,
    sequence: header.sequence,
    files: entries.map((e) => ({
      path: e.path,
      sha256: sha256Hex(e.content),
      bytes: e.content.length,
    })),
  };
  const fileName = formatDropFileName({
    park: header.park,
    ride: header.ride,
    windowStart: header.window.start,
    sequence: header.sequence,
  });
  return {
    manifest,
    fileName,
    all: [{ path: 'manifest.json', content: stableJson(manifest) }, ...entries],
  };
}

function zipOptions(header: DropHeader, opts: DropZipOptions) {
  // Entries carry the window start as their time, so the bytes never depend on when they were made.
  return {
    time: new Date(header.window.start),
    ...(opts.level === undefined ? {} : { level: opts.level }),
  };
}

/**
 * Builds a drop zip: lists every entry with its SHA-256 and size in `manifest.json`, writes the
 * manifest first, then the entries in the given order, all stamped with the window start so the
 * same content always gives the same bytes.
 */
export function writeDropZip(
  header: DropHeader,
  entries: readonly ZipInputEntry[],
  opts: DropZipOptions = {},
): WrittenDrop {
  const { manifest, fileName, all } = layOut(header, entries);
  return { fileName, manifest, zip: writeZip(all, zipOptions(header, opts)) };
}

/** {@link writeDropZip} compressing on the thread pool; the same bytes. */
export async function writeDropZipAsync(
  header: DropHeader,
  entries: readonly ZipInputEntry[],
  opts: DropZipOptions = {},
): Promise<WrittenDrop> {
  const { manifest, fileName, all } = layOut(header, entries);
  return { fileName, manifest, zip: await writeZipAsync(all, zipOptions(header, opts)) };
}
