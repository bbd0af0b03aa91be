import type pg from 'pg';
import { z } from 'zod';
import { withTransaction } from '../db/pool.ts';
import { DomainError } from '../domain-error.ts';
import { newPasswordSchema, usernameSchema } from './auth-schemas.ts';
import { hashPassword } from './password.ts';
import { passwordProblem } from './password-policy.ts';
import { hashSessionId } from './session-id.ts';

/** `admin.resetPassword` / `user reset-password`: a new password an admin sets for a user. */
export const resetPasswordInputSchema = z
  .strictObject({ username: usernameSchema, newPassword: newPasswordSchema })
  .superRefine((input, ctx) => {
    const problem = passwordProblem(input.newPassword, input.username);
    if (problem) ctx.addIssue({ code: 'custom', path: ['newPassword'], message: problem });
  });
export type ResetPasswordInput = z.input<typeof resetPasswordInputSchema>;

export const endSessionsInputSchema = z.strictObject({ username: usernameSchema });

/** What a reset or an ending of sessions did. */
export interface SessionsEnded {
  username: string;
  /** Sessions that ended (the user must sign in again everywhere). */
  sessionsEnded: number;
}

function noSuchUser(name: string): DomainError {
  return new DomainError(
    'not_found',
    `there is no user "${name}": check the name in the user list`,
  );
}

/**
 * Sets a user's password (for a user who forgot theirs, or after a leak) and ends every
 * session of theirs, so whoever held one must sign in with the new password.
 */
export async function resetPassword(
  pool: pg.Pool,
  input: ResetPasswordInput,
): Promise<SessionsEnded> {
  const { username, newPassword } = resetPasswordInputSchema.parse(input);
  const pw = await hashPassword(newPassword);
  return withTransaction(pool, async (c) => {
    const r = await c.query<{ id: string }>(
      `UPDATE users SET password_hash = $2, password_salt = $3, scrypt_n = $4, scrypt_r = $5,
              scrypt_p = $6, password_changed_at = now() WHERE username = $1 RETURNING id`,
      [username, pw.hash, pw.salt, pw.n, pw.r, pw.p],
    );
    const id = r.rows[0]?.id;
    if (!id) throw noSuchUser(username);
    const ended = await c.query('DELETE FROM sessions WHERE user_id = $1', [id]);
    return { username, sessionsEnded: ended.rowCount ?? 0 };
  });
}

/**
 * Ends every session of a user at once (a lost laptop, someone leaving): their cookies are
 * worthless from the next request on. `keepSessionId` (the admin's own, when they end their own
 * sessions) stays.
 */
export async function endSessions(
  pool: pg.Pool,
  username: string,
  keepSessionId?: string,
): Promise<SessionsEnded> {
  const name = usernameSchema.parse(username);
  const user = await pool.query<{ id: string }>('SELECT id FROM users WHERE username = $1', [name]);
  const id = user.rows[0]?.id;
  if (!id) throw noSuchUser(name);
  const ended = await pool.query('DELETE FROM sessions WHERE user_id = $1 AND id_sha256 <> $2', [
    id,
    keepSessionId ? hashSessionId(keepSessionId) : '',
  ]);
  return { username: name, sessionsEnded: ended.rowCount ?? 0 };
}
