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
