import type pg from 'pg';
import { z } from 'zod';

/** One admin action: who did what to what, and when. */
export interface AuditEntry {
  id: string;
  at: string;
  /** A dashboard user's name, or `cli:<os user>` for the command line. */
  actor: string;
  /** The procedure (`admin.deleteUser`) or command (`user delete`). */
  action: string;
  /** What it acted on (`user bob`, `park alpha`), when the input names it. */
  target: string | null;
  /** The input without secrets (passwords and tokens are never recorded). */
  details: Record<string, unknown>;
}

/** What {@link recordAudit} writes. */
export interface NewAuditEntry {
  actor: string;
  action: string;
  target?: string | null;
  details?: Record<string, unknown>;
}

export const auditLogInputSchema = z.strictObject({
  /** The `nextCursor` of the previous page. */
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, { message: 'expected the nextCursor of the previous page' })
    .optional(),
  limit: z.number().int().min(1).max(200).default(50),
  /** Only entries whose actor contains this (any case): `bob`, `cli:`. */
  actor: z.string().trim().max(200).optional(),
  /** Only entries whose action contains this (any case): `resetPassword`, `user `. */
  action: z.string().trim().max(200).optional(),
});
export type AuditLogInput = z.input<typeof auditLogInputSchema>;

/** Field names whose values are never written to the log, whatever the action. */
const SECRET = /password|passphrase|secret|credential|private|^token$/i;

/** Input fields that name what an action acted on, in the order they are looked for. */
const TARGETS = ['username', 'park', 'tokenId', 'batchId', 'reportId', 'ruleId'] as const;

/**
 * The details and target of an action from its input: secrets are replaced by `"(hidden)"`,
 * long strings cut, deep objects summarised, so an entry stays small and holds no password.
 */
export function describeInput(input: unknown): {
  target: string | null;
  details: Record<string, unknown>;
} {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { target: null, details: {} };
  }
  const details = sanitise(input, 0) as Record<string, unknown>;
  const record = input as Record<string, unknown>;
  const field = TARGETS.find((k) => typeof record[k] === 'string' || typeof record[k] === 'number');
  const target = field ? `${field} ${String(record[field]).slice(0, 200)}` : null;
  return { target, details };
}

function sanitise(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 200)}…` : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= 3) return '(…)';
  if (Array.isArray(value)) return value.slice(0, 20).map((v) => sanitise(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value)
      .slice(0, 30)
      .map(([k, v]) => [k, SECRET.test(k) ? '(hidden)' : sanitise(v, depth + 1)]),
  );
}

/** Appends an entry; `db` may be a transaction's client, so the entry commits with the action. */
export async function recordAudit(
  db: pg.Pool | pg.PoolClient,
  entry: NewAuditEntry,
): Promise<void> {
  await db.query('INSERT INTO audit_log (actor, action, target, details) VALUES ($1, $2, $3, $4)', [
    entry.actor.slice(0, 200),
    entry.action.slice(0, 200),
    entry.target?.slice(0, 500) ?? null,
    JSON.stringify(entry.details ?? {}),
  ]);
}

/**
 * The newest entries first, a page at a time (keyset on the id). The ORDER BY names the
 * table's id: a bare `id` would be the text column of the SELECT, which put entry 9 before 29.
 */
export async function listAudit(
  pool: pg.Pool,
  input: AuditLogInput,
): Promise<{ entries: AuditEntry[]; nextCursor: string | null }> {
  const { cursor, limit, actor, action } = auditLogInputSchema.parse(input);
  const r = await pool.query<{
    id: string;
    at: Date;
    actor: string;
    action: string;
    target: string | null;
    details: Record<string, unknown>;
  }>(
    `SELECT id::text AS id, at, actor, action, target, details FROM audit_log
      WHERE ($1::bigint IS NULL OR id < $1)
        AND ($3::text IS NULL OR strpos(lower(actor), lower($3)) > 0)
        AND ($4::text IS NULL OR strpos(lower(action), lower($4)) > 0)
      ORDER BY audit_log.id DESC LIMIT $2`,
    [cursor ?? null, limit + 1, actor || null, action || null],
  );
  const rows = r.rows.slice(0, limit);
  return {
    entries: rows.map((row) => ({
      id: row.id,
      at: row.at.toISOString(),
      actor: row.actor,
      action: row.action,
      target: row.target,
      details: row.details,
    })),
    nextCursor: r.rows.length > limit ? (rows.at(-1)?.id ?? null) : null,
  };
}
