import { createHash } from 'node:crypto';

/** One archive entry as it counts for the drop's identity. */
export interface ContentIdEntry {
  path: string;
  /** Lowercase hex SHA-256 of the entry's uncompressed bytes. */
  sha256: string;
}

/**
 * The drop's identity (docs/job-contracts.md): SHA-256 of the lines `"{path}\t{sha256}\n"` of
 * every entry, sorted by path in byte order. Compression, entry order, timestamps and the file
 * name do not change it, so the same content zipped again is recognised as a duplicate.
 */
export function computeContentId(entries: readonly ContentIdEntry[]): string {
  const lines = entries
    .map((e) => ({ key: Buffer.from(e.path, 'utf8'), line: `${e.path}\t${e.sha256}\n` }))
    // Byte order, not locale order: the Rust side sorts the same UTF-8 bytes.
    .sort((a, b) => Buffer.compare(a.key, b.key));
  const hash = createHash('sha256');
  for (const { line } of lines) hash.update(line, 'utf8');
  return hash.digest('hex');
}

/** Lowercase hex SHA-256 of some bytes. */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
