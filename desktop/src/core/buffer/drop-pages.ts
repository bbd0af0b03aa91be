import type Database from 'better-sqlite3';
import { toDropRecord, type DropRecord, type DropRow, type DropState } from './drop-record.ts';

/** A Drops-screen query: newest pull first; `cursor` is the `nextCursor` of the previous page. */
export interface DropPageQuery {
  state?: DropState;
  ride?: string;
  limit?: number;
  cursor?: string;
}

export interface DropPage {
  drops: DropRecord[];
  /** Opaque; null on the last page. */
  nextCursor: string | null;
}

/**
 * One page of drops, newest pull first, keyset-paged on (pulled_at, rowid) so a page costs
 * the same at drop 50 and at drop 50,000 (indexes `drops_by_pull`, `drops_by_state`).
 */
export function listDropPage(db: Database.Database, query: DropPageQuery = {}): DropPage {
  const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
  const after = query.cursor === undefined ? null : parseCursor(query.cursor);
  const rows = db
    .prepare(
      `SELECT rowid AS _rowid, * FROM drops
       WHERE (@state IS NULL OR state = @state) AND (@ride IS NULL OR ride = @ride)
         AND (@pulledAt IS NULL OR pulled_at < @pulledAt OR (pulled_at = @pulledAt AND rowid < @rowid))
       ORDER BY pulled_at DESC, rowid DESC LIMIT @limit`,
    )
    .all({
      state: query.state ?? null,
      ride: query.ride ?? null,
      pulledAt: after?.pulledAt ?? null,
      rowid: after?.rowid ?? null,
      limit: limit + 1,
    }) as (DropRow & { _rowid: number })[];
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return {
    drops: page.map(toDropRecord),
    nextCursor: more && last ? `${last.pulled_at}~${last._rowid}` : null,
  };
}

function parseCursor(cursor: string): { pulledAt: string; rowid: number } {
  const at = cursor.lastIndexOf('~');
  const rowid = Number(cursor.slice(at + 1));
  if (at <= 0 || !Number.isInteger(rowid)) {
    throw new Error(`cursor "${cursor}" is not one this agent gave out: start again without it`);
  }
  return { pulledAt: cursor.slice(0, at), rowid };
}

/**
 * Puts a drop back in the upload queue: a `rejected` one (central refused it too often; a
 * person says try again, e.g. after central was fixed) or a buffered one whose uploads failed.
 * Its attempt and refusal counts start again. Returns false when the drop is in neither case.
 */
export function retryDrop(db: Database.Database, sha256: string): boolean {
  const res = db
    .prepare(
      `UPDATE drops SET state = CASE WHEN state = 'rejected' THEN 'buffered' ELSE state END,
         upload_attempts = 0, rejections = 0,
         reason_code = CASE WHEN state = 'rejected' THEN NULL ELSE reason_code END,
         reason = CASE WHEN state = 'rejected' THEN NULL ELSE reason END,
         updated_at = ?
       WHERE sha256 = ? AND (state = 'rejected'
         OR (state IN ('buffered', 'uploading') AND (upload_attempts > 0 OR last_upload_error IS NOT NULL)))`,
    )
    .run(new Date().toISOString(), sha256);
  return res.changes === 1;
}
