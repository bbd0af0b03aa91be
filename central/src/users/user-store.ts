import type pg from 'pg';
import { z } from 'zod';
import { isUniqueViolation, withTransaction } from '../db/pool.ts';
import {
  ROLES,
  newPasswordSchema,
  usernameSchema,
  type Role,
  type UserView,
} from './auth-schemas.ts';
import { hashPassword, verifyPassword } from './password.ts';
import { passwordProblem } from './password-policy.ts';
import { hashSessionId } from './session-id.ts';

export const createUserInputSchema = z
  .strictObject({
    username: usernameSchema,
    password: newPasswordSchema,
    role: z.enum(ROLES),
  })
  .superRefine((user, ctx) => {
    // The username is the first guess for its own account (newPasswordSchema cannot see it).
    const problem = passwordProblem(user.password, user.username);
    if (problem) ctx.addIssue({ code: 'custom', path: ['password'], message: problem });
  });
export type CreateUserInput = z.input<typeof createUserInputSchema>;

/** A user change that cannot be made; the message says why. */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    readonly reason: 'exists' | 'not_found' | 'last_admin' | 'self',
  ) {
    super(message);
  }
}

interface UserRow {
  id: string;
  username: string;
  role: Role;
  created_at: Date;
  disabled_at?: Date | null;
}

/** The columns {@link userView} reads. */
const USER_COLUMNS = 'id, username, role, created_at, disabled_at';

export function userView(row: UserRow): UserView {
  return {
    id: String(row.id),
    username: row.username,
    role: row.role,
    createdAt: row.created_at.toISOString(),
    disabledAt: row.disabled_at?.toISOString() ?? null,
  };
}

/** Admins who can still sign in; the last of them may not be demoted, disabled or deleted. */
const ENABLED_ADMINS =
  "SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND disabled_at IS NULL";

/** Creates a user with a fresh scrypt hash of the password. */
export async function createUser(pool: pg.Pool, input: CreateUserInput): Promise<UserView> {
  const user = createUserInputSchema.parse(input);
  const pw = await hashPassword(user.password);
  try {
    const r = await pool.query<UserRow>(
      `INSERT INTO users (username, role, password_hash, password_salt, scrypt_n, scrypt_r, scrypt_p)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${USER_COLUMNS}`,
      [user.username, user.role, pw.hash, pw.salt, pw.n, pw.r, pw.p],
    );
    const row = r.rows[0];
    if (!row) throw new Error('INSERT … RETURNING gave no row');
    return userView(row);
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new UserError(`a user named "${user.username}" already exists`, 'exists');
    }
    throw err;
  }
}

/** Every user, by name. */
export async function listUsers(pool: pg.Pool): Promise<UserView[]> {
  const r = await pool.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY username`);
  return r.rows.map(userView);
}

/**
 * Changes a user's role; takes effect on their next request (roles are read per request).
 * Refuses to demote the last admin, which would leave nobody able to manage users.
 */
export async function setUserRole(pool: pg.Pool, username: string, role: Role): Promise<UserView> {
  const name = usernameSchema.parse(username);
  return withTransaction(pool, async (c) => {
    // Serialise role changes: two admins demoting each other at once must not both succeed.
    await c.query('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE');
    const r = await c.query<UserRow>(
      `UPDATE users SET role = $2 WHERE username = $1 RETURNING ${USER_COLUMNS}`,
      [name, role],
    );
    const row = r.rows[0];
    if (!row) throw new UserError(`there is no user "${name}"`, 'not_found');
    const admins = await c.query<{ n: number }>(ENABLED_ADMINS);
    if ((admins.rows[0]?.n ?? 0) === 0) {
      throw new UserError(
        `"${name}" is the last admin; make another user admin first`,
        'last_admin',
      );
    }
    return userView(row);
  });
}

/**
 * Disables (or enables again) a user: a disabled user cannot sign in and every session of
 * theirs ends at once; the row stays, so what they did keeps a name. `by` is the admin doing
 * it, who may not disable themselves (ask another admin), and the last enabled admin cannot
 * be disabled.
 */
export async function setUserDisabled(
  pool: pg.Pool,
  username: string,
  disabled: boolean,
  by: string,
): Promise<UserView> {
  const name = usernameSchema.parse(username);
  if (disabled && name === by) {
    throw new UserError('you cannot disable your own account: ask another admin to do it', 'self');
  }
  return withTransaction(pool, async (c) => {
    await c.query('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE');
    const r = await c.query<UserRow>(
      `UPDATE users SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END
        WHERE username = $1 RETURNING ${USER_COLUMNS}`,
      [name, disabled],
    );
    const row = r.rows[0];
    if (!row) throw new UserError(`there is no user "${name}"`, 'not_found');
    const admins = await c.query<{ n: number }>(ENABLED_ADMINS);
    if ((admins.rows[0]?.n ?? 0) === 0) {
      throw new UserError(
        `"${name}" is the last admin who can sign in; make another user admin first`,
        'last_admin',
      );
    }
    if (disabled) await c.query('DELETE FROM sessions WHERE user_id = $1', [row.id]);
    return userView(row);
  });
}

/**
 * Deletes a user and their sessions for good. Same rules as {@link setUserDisabled}: not
 * oneself, not the last enabled admin. Disabling keeps the name; delete only mistakes.
 */
export async function deleteUser(pool: pg.Pool, username: string, by: string): Promise<void> {
  const name = usernameSchema.parse(username);
  if (name === by) {
    throw new UserError('you cannot delete your own account: ask another admin to do it', 'self');
  }
  await withTransaction(pool, async (c) => {
    await c.query('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE');
    const r = await c.query('DELETE FROM users WHERE username = $1', [name]);
    if (!r.rowCount) throw new UserError(`there is no user "${name}"`, 'not_found');
    const admins = await c.query<{ n: number }>(ENABLED_ADMINS);
    if ((admins.rows[0]?.n ?? 0) === 0) {
      throw new UserError(
        `"${name}" is the last admin who can sign in; make another user admin first`,
        'last_admin',
      );
    }
  });
}

/**
 * Replaces a user's password after checking the current one, and ends every other session of
 * the user (a password change is what someone does after a leak). Returns false when the
 * current password is wrong.
 */
export async function changePassword(
  pool: pg.Pool,
  userId: string,
  currentPassword: string,
  newPassword: string,
  keepSessionId: string,
): Promise<boolean> {
  const next = newPasswordSchema.parse(newPassword);
  const r = await pool.query<{
    password_hash: Buffer;
    password_salt: Buffer;
    scrypt_n: number;
    scrypt_r: number;
    scrypt_p: number;
  }>('SELECT password_hash, password_salt, scrypt_n, scrypt_r, scrypt_p FROM users WHERE id = $1', [
    userId,
  ]);
  const row = r.rows[0];
  if (!row) throw new UserError(`there is no user ${userId}`, 'not_found');
  const ok = await verifyPassword(currentPassword, {
    hash: row.password_hash,
    salt: row.password_salt,
    n: row.scrypt_n,
    r: row.scrypt_r,
    p: row.scrypt_p,
  });
  if (!ok) return false;
  const pw = await hashPassword(next);
  await withTransaction(pool, async (c) => {
    await c.query(
      `UPDATE users SET password_hash = $2, password_salt = $3, scrypt_n = $4, scrypt_r = $5,
              scrypt_p = $6, password_changed_at = now() WHERE id = $1`,
      [userId, pw.hash, pw.salt, pw.n, pw.r, pw.p],
    );
    await c.query('DELETE FROM sessions WHERE user_id = $1 AND id_sha256 <> $2', [
      userId,
      hashSessionId(keepSessionId),
    ]);
  });
  return true;
}
