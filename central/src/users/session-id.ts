import { createHash } from 'node:crypto';

/** What the sessions table keys on: the cookie's value never reaches the database. */
export function hashSessionId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}
