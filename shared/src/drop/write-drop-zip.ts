import { sha256Hex } from './content-id.ts';
import { formatDropFileName } from './file-name.ts';
import { DROP_FORMAT, type Manifest } from './manifest.ts';
import { writeZip, type ZipInputEntry } from './zip-writer.ts';

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

/**
 * Builds a drop zip: lists every entry with its SHA-256 and size in `manifest.json`, writes the
 * manifest first, then the entries in the given order, all stamped with the window start so the
 * same content always gives the same bytes.
 */
export function writeDropZip(
  header: DropHeader,
  entries: readonly ZipInputEntry[],
  opts: { level?: number } = {},
): WrittenDrop {
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
  const zip = writeZip([{ path: 'manifest.json', content: stableJson(manifest) }, ...entries], {
    time: new Date(header.window.start),
    ...(opts.level === undefined ? {} : { level: opts.level }),
  });
  const fileName = formatDropFileName({
    park: header.park,
    ride: header.ride,
    windowStart: header.window.start,
    sequence: header.sequence,
  });
  return { fileName, zip, manifest };
}
