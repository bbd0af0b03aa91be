import { DomainError } from '../domain-error.ts';
import type pg from 'pg';
import { dropView, type BatchRow } from '../parks/park-reads.ts';
import type { DashboardDrop, DropList, DropListInput } from './dashboard-schemas.ts';

/** The columns every dashboard drop query selects. */
export const DROP_COLUMNS = `b.id, b.park_id, b.sha256, b.content_id, b.file_name, b.ride_id,
  b.sequence, b.window_start, b.window_end, b.state, b.error_code, b.error, b.superseded_by,
  b.received_at, b.queued_at, b.processed_at, b.updated_at,
  (SELECT p.timezone FROM parks p WHERE p.id = b.park_id) AS timezone`;

/** A row of {@link DROP_COLUMNS}. */
export type DropRow = BatchRow & { park_id: string; timezone: string };

export function dashboardDrop(row: DropRow): DashboardDrop {
  return { ...dropView(row), park: row.park_id, timezone: row.timezone };
}

/**
 * Drops of the fleet (or one park / ride / state / receive period), newest received first,
 * keyset-paginated on (received_at, id) like the park read API.
 */
export async function dropList(pool: pg.Pool, input: DropListInput): Promise<DropList> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (input.park) add((p) => `b.park_id = ${p}`, input.park);
  if (input.ride) add((p) => `b.ride_id = ${p}`, input.ride);
  if (input.state) add((p) => `b.state = ${p}`, input.state);
  if (input.from) add((p) => `b.received_at >= ${p}::timestamptz`, input.from);
  if (input.to) add((p) => `b.received_at < ${p}::timestamptz`, input.to);
  if (!input.includeSuperseded) where.push('b.superseded_by IS NULL');
  if (input.cursor) {
    const found = await pool.query('SELECT 1 FROM batches WHERE id = $1', [input.cursor]);
    if (found.rowCount === 0) {
      throw new DomainError(
        'invalid_input',
        'cursor is not a batch: pass the nextCursor of the previous page, or omit it',
      );
    }
    add(
      (p) => `(b.received_at, b.id) < ((SELECT received_at FROM batches WHERE id = ${p}), ${p})`,
      input.cursor,
    );
  }
  params.push(input.limit + 1);
  const r = await pool.query<DropRow>(
    `SELECT ${DROP_COLUMNS} FROM batches b
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY b.received_at DESC, b.id DESC LIMIT $${params.length}`,
    params,
  );
  const rows = r.rows.slice(0, input.limit);
  const last = rows.at(-1);
  return {
    drops: rows.map(dashboardDrop),
    nextCursor: r.rows.length > input.limit && last ? last.id : null,
  };
}
