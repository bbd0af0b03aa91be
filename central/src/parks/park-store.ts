import { slugSchema, timezoneSchema } from '@zra/shared';
import type pg from 'pg';
import { z } from 'zod';
import { isUniqueViolation, withTransaction } from '../db/pool.ts';
import type { ParkIdentity } from '../server/park-identity.ts';
import { generateParkToken, hashParkToken } from './park-tokens.ts';

export const createParkInputSchema = z.strictObject({
  id: slugSchema,
  name: z.string().trim().min(1).max(200),
  timezone: timezoneSchema,
  language: z.enum(['en', 'it']).default('en'),
});

/** What `park create` takes; `language` defaults to English. */
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
      await c.query('INSERT INTO parks (id, name, timezone, language) VALUES ($1, $2, $3, $4)', [
        park.id,
        park.name,
        park.timezone,
        park.language,
      ]);
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
  return { park, token };
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

/** The park a token speaks for, or null when the token is unknown or revoked. */
export async function parkForToken(pool: pg.Pool, token: string): Promise<ParkIdentity | null> {
  const r = await pool.query<ParkIdentity>(
    `SELECT p.id, p.name, p.timezone, p.language
       FROM park_tokens t JOIN parks p ON p.id = t.park_id
      WHERE t.token_sha256 = $1 AND t.revoked_at IS NULL`,
    [hashParkToken(token)],
  );
  return r.rows[0] ?? null;
}

/** Thrown when a park, ride or token named by an admin does not exist. */
export class ParkNotFoundError extends Error {
  override name = 'ParkNotFoundError';
}

/** Issues a new token for a park and returns it with its id (the dashboard shows it once). */
export async function createParkToken(
  pool: pg.Pool,
  parkId: string,
): Promise<{ tokenId: string; token: string }> {
  const token = generateParkToken();
  const r = await pool.query<{ id: string }>(
    `INSERT INTO park_tokens (park_id, token_sha256)
     SELECT id, $2 FROM parks WHERE id = $1 RETURNING id`,
    [parkId, hashParkToken(token)],
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
