import { slugSchema, timezoneSchema } from '@zra/shared';
import type pg from 'pg';
import { z } from 'zod';
import { isUniqueViolation, withTransaction } from '../db/pool.ts';
import { DomainError } from '../domain-error.ts';
import type { ParkIdentity } from '../server/park-identity.ts';
import { DEFAULT_OPENING_HOURS, openingHoursSchema, type OpeningHours } from './opening-hours.ts';
import { generateParkToken, hashParkToken } from './park-tokens.ts';

export const createParkInputSchema = z.strictObject({
  id: slugSchema,
  name: z.string().trim().min(1).max(200),
  timezone: timezoneSchema,
  language: z.enum(['en', 'it']).default('en'),
  // Optional so that existing callers keep working; absent means 09:00–19:00 every day.
  openingHours: openingHoursSchema.optional(),
});

/** What `park create` takes; `language` defaults to English, opening hours to 09:00–19:00. */
export type CreateParkInput = z.input<typeof createParkInputSchema>;

/** Thrown when a park id is taken; the message names the id. */
export class ParkExistsError extends Error {
  override name = 'ParkExistsError';
}

/**
 * Creates a park and its first token. The token is returned once and only its hash is kept,
 * so whoever runs this must hand it to the park's agent now.
 */
export async function createPark(
  pool: pg.Pool,
  input: CreateParkInput,
): Promise<{ park: ParkIdentity; token: string }> {
  const park = createParkInputSchema.parse(input);
  const token = generateParkToken();
  try {
    await withTransaction(pool, async (c) => {
      await checkZoneKnown(c, park.timezone);
      await c.query(
        `INSERT INTO parks (id, name, timezone, language, opening_hours)
         VALUES ($1, $2, $3, $4, $5)`,
        [
          park.id,
          park.name,
          park.timezone,
          park.language,
          JSON.stringify(park.openingHours ?? DEFAULT_OPENING_HOURS),
        ],
      );
      await c.query('INSERT INTO park_tokens (park_id, token_sha256) VALUES ($1, $2)', [
        park.id,
        hashParkToken(token),
      ]);
    });
  } catch (err) {
    if (isUniqueViolation(err, 'parks_pkey')) {
      throw new ParkExistsError(`a park with id "${park.id}" already exists`);
    }
    throw err;
  }
  return {
    park: { id: park.id, name: park.name, timezone: park.timezone, language: park.language },
    token,
  };
}

/**
 * PostgreSQL keys a park's drops by its local day with its own copy of the zone rules (the
 * park-day-states migration): a zone Node's zone data accepts and the server's does not (a
 * retired alias such as US/Pacific-New, or a zone newer than its tzdata) would refuse every drop
 * of the park, so the park is refused instead.
 */
async function checkZoneKnown(c: pg.PoolClient, timezone: string): Promise<void> {
  try {
    await c.query('SELECT now() AT TIME ZONE $1', [timezone]);
  } catch (err) {
    if ((err as { code?: unknown }).code !== '22023') throw err;
    throw new DomainError(
      'invalid_input',
      `PostgreSQL does not know the time zone "${timezone}" (its zone data and this program's differ: a retired name, or a zone newer than the server's tzdata): give the zone's current IANA name, such as America/Regina, or update the database server's tzdata package`,
    );
  }
}

/** Replaces a park's opening hours (they shape every later report's data completeness). */
export async function setOpeningHours(
  pool: pg.Pool,
  parkId: string,
  hours: OpeningHours,
): Promise<{ park: string; openingHours: OpeningHours }> {
  const valid = openingHoursSchema.parse(hours);
  const r = await pool.query<{ id: string }>(
    'UPDATE parks SET opening_hours = $2 WHERE id = $1 RETURNING id',
    [parkId, JSON.stringify(valid)],
  );
  if (!r.rows[0]) throw new ParkNotFoundError(`there is no park "${parkId}"`);
  return { park: parkId, openingHours: valid };
}

/** A park's opening hours as stored; a hand-edited value the schema refuses is an error. */
export async function openingHoursOf(pool: pg.Pool, parkId: string): Promise<OpeningHours> {
  const r = await pool.query<{ opening_hours: unknown }>(
    'SELECT opening_hours FROM parks WHERE id = $1',
    [parkId],
  );
  const row = r.rows[0];
  if (!row) throw new ParkNotFoundError(`there is no park "${parkId}"`);
  const parsed = openingHoursSchema.safeParse(row.opening_hours);
  if (!parsed.success) {
    throw new Error(
      `park "${parkId}" has invalid opening hours (${parsed.error.issues[0]?.message ?? 'bad shape'}); set them again with admin.setOpeningHours`,
    );
  }
  return parsed.data;
}

/** Issues another token for an existing park (rotation: revoke the old one afterwards). */
export async function issueParkToken(pool: pg.Pool, parkId: string): Promise<string> {
  const token = generateParkToken();
  await pool.query('INSERT INTO park_tokens (park_id, token_sha256) VALUES ($1, $2)', [
    parkId,
    hashParkToken(token),
  ]);
  return token;
}

/** Revokes a token at once; the next request carrying it is refused. */
export async function revokeParkToken(pool: pg.Pool, token: string): Promise<boolean> {
  const r = await pool.query(
    'UPDATE park_tokens SET revoked_at = now() WHERE token_sha256 = $1 AND revoked_at IS NULL',
    [hashParkToken(token)],
  );
  return (r.rowCount ?? 0) > 0;
}

/**
 * The park of the token whose hash is `hashParam` (a statement's parameter, e.g. `$1`), with
 * the token's id and whether its `last_used_at` is due a stamp: no row when the token is
 * unknown or revoked or its park disabled. A SELECT of its own, or a CTE of a larger one.
 */
export function parkOfTokenSql(hashParam: string): string {
  return `SELECT p.id, p.name, p.timezone, p.language, t.id AS token_id,
                 (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute') AS stale
            FROM park_tokens t JOIN parks p ON p.id = t.park_id
           WHERE t.token_sha256 = ${hashParam} AND t.revoked_at IS NULL AND p.disabled_at IS NULL`;
}

/** A row of {@link parkOfTokenSql}. */
export interface ParkOfTokenRow extends ParkIdentity {
  token_id: string;
  stale: boolean;
}

/**
 * The park of a {@link parkOfTokenSql} row, its token's `last_used_at` stamped first when due
 * (at most once a minute: the dashboard shows "last used", and ingest must not write a row
 * per request).
 */
export async function parkOfTokenRow(pool: pg.Pool, row: ParkOfTokenRow): Promise<ParkIdentity> {
  if (row.stale) {
    await pool.query('UPDATE park_tokens SET last_used_at = now() WHERE id = $1', [row.token_id]);
  }
  return { id: row.id, name: row.name, timezone: row.timezone, language: row.language };
}

/**
 * The park a token speaks for, or null when the token is unknown or revoked or its park is
 * disabled. Stamps the token's `last_used_at` when due ({@link parkOfTokenRow}).
 */
export async function parkForToken(pool: pg.Pool, token: string): Promise<ParkIdentity | null> {
  const r = await pool.query<ParkOfTokenRow>(parkOfTokenSql('$1'), [hashParkToken(token)]);
  const row = r.rows[0];
  return row ? parkOfTokenRow(pool, row) : null;
}

/** Thrown when a park, ride or token named by an admin does not exist. */
export class ParkNotFoundError extends Error {
  override name = 'ParkNotFoundError';
}

/** Issues a new token for a park and returns it with its id (the dashboard shows it once). */
export async function createParkToken(
  pool: pg.Pool,
  parkId: string,
  /** What people call it, e.g. "access node, ride hall 2" (the dashboard lists it). */
  label = '',
): Promise<{ tokenId: string; token: string }> {
  const token = generateParkToken();
  const r = await pool.query<{ id: string }>(
    `INSERT INTO park_tokens (park_id, token_sha256, label)
     SELECT id, $2, $3 FROM parks WHERE id = $1 RETURNING id`,
    [parkId, hashParkToken(token), label],
  );
  const id = r.rows[0]?.id;
  if (id === undefined) throw new ParkNotFoundError(`there is no park "${parkId}"`);
  return { tokenId: String(id), token };
}

/**
 * Revokes a token by its id (what the dashboard lists); the next request carrying it is
 * refused. Revoking a revoked token keeps its first revocation time.
 */
export async function revokeParkTokenById(
  pool: pg.Pool,
  tokenId: string,
): Promise<{ tokenId: string; park: string; revokedAt: string }> {
  const r = await pool.query<{ id: string; park_id: string; revoked_at: Date }>(
    `UPDATE park_tokens SET revoked_at = coalesce(revoked_at, now())
      WHERE id = $1::bigint RETURNING id, park_id, revoked_at`,
    [tokenId],
  );
  const row = r.rows[0];
  if (!row) throw new ParkNotFoundError(`there is no park token ${tokenId}`);
  return { tokenId: String(row.id), park: row.park_id, revokedAt: row.revoked_at.toISOString() };
}

/** Gives a ride a name people know it by (rides start named after their id). */
export async function renameRide(
  pool: pg.Pool,
  parkId: string,
  rideId: string,
  name: string,
): Promise<{ park: string; id: string; name: string; model: string }> {
  const r = await pool.query<{ park_id: string; id: string; name: string; model: string }>(
    'UPDATE rides SET name = $3 WHERE park_id = $1 AND id = $2 RETURNING park_id, id, name, model',
    [parkId, rideId, name],
  );
  const row = r.rows[0];
  if (!row) {
    throw new ParkNotFoundError(
      `park "${parkId}" has no ride "${rideId}" (rides appear with their first drop)`,
    );
  }
  return { park: row.park_id, id: row.id, name: row.name, model: row.model };
}
