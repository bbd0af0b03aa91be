import { createHash, randomBytes } from 'node:crypto';

/** A new park token: 32 random bytes, URL-safe, prefixed so it is recognisable in a config file. */
export function generateParkToken(): string {
  return `zra_${randomBytes(32).toString('base64url')}`;
}

/** What is stored and looked up: the token itself never reaches the database. */
export function hashParkToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
