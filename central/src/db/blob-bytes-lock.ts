import type { Queryable } from '../worker/job-kind.ts';
import { ADVISORY_LOCK } from './advisory-locks.ts';

/**
 * The lock on a drop file's bytes, held to the end of the caller's transaction. Files are named
 * by their SHA-256, so a quarantined drop (kept whatever its age) can share its file with a
 * stored drop that retention is removing, or with a quarantined copy being deleted. Whoever
 * removes such a file decides "no one else holds it" and removes it under the exclusive lock;
 * whoever commits a quarantined row writes the file and inserts the row under the shared
 * lock. So the remover either sees the new row and keeps the file, or has removed it before
 * the writer puts it back: never a quarantined row without its file.
 *
 * Stored drops need no lock: the same bytes are the same content, which a park holds once, and
 * another park's copy fails the park check at commit (`park_mismatch`: quarantined).
 */
export async function holdBlobBytesShared(c: Queryable, sha256: string): Promise<void> {
  await c.query('SELECT pg_advisory_xact_lock_shared($1, hashtext($2))', [
    ADVISORY_LOCK.blobBytes,
    sha256,
  ]);
}

/** The exclusive lock on each file's bytes, to the end of the caller's transaction. */
export async function holdBlobBytes(c: Queryable, sha256s: readonly string[]): Promise<void> {
  if (sha256s.length === 0) return;
  // One statement for a chunk of files, in key order. Only the one sweeper takes several at
  // once; every other holder takes one, so no two holders can wait on each other in a circle.
  await c.query(
    `SELECT pg_advisory_xact_lock($1, k)
       FROM (SELECT DISTINCT hashtext(s) AS k FROM unnest($2::text[]) s) keys ORDER BY k`,
    [ADVISORY_LOCK.blobBytes, sha256s],
  );
}
