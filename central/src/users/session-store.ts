import { randomBytes, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import type { Role, SessionView, UserView } from './auth-schemas.ts';
import { hashSessionId } from './session-id.ts';
import { userView } from './user-store.ts';
import { CURRENT_SCRYPT, decoyHash, hashPassword, verifyPassword } from './password.ts';

/** The cookie that carries the session id. */
export const SESSION_COOKIE = 'zra_session';

/** One sentence for an unknown user and a wrong password alike: no hint which it was. */
export const WRONG_LOGIN_MESSAGE = 'wrong username or password';

const hashId = hashSessionId;

/** A session that was just created; `id` goes into the cookie and is never stored. */
export interface NewSession extends SessionView {
  id: string;
}

interface LoginRow {
  id: string;
  username: string;
  role: Role;
  created_at: Date;
  password_hash: Buffer;
  password_salt: Buffer;
  scrypt_n: number;
  scrypt_r: number;
  scrypt_p: number;
}

/**
 * Checks a username and password and opens a session of `ttlMs`. Returns null for an unknown
 * user or a wrong password, after the same scrypt work in both cases.
 */
export async function login(
  pool: pg.Pool,
  username: string,
  password: string,
  ttlMs: number,
): Promise<NewSession | null> {
  // A disabled user is refused like an unknown one, after the same work (the decoy hash).
  const r = await pool.query<LoginRow>(
    'SELECT * FROM users WHERE username = $1 AND disabled_at IS NULL',
    [username.trim().toLowerCase()],
  );
  const row = r.rows[0];
  const stored = row
    ? {
        hash: row.password_hash,
        salt: row.password_salt,
        n: row.scrypt_n,
        r: row.scrypt_r,
        p: row.scrypt_p,
      }
    : await decoyHash();
  const ok = await verifyPassword(password, stored);
  if (!row || !ok) return null;
  if (
    stored.n !== CURRENT_SCRYPT.n ||
    stored.r !== CURRENT_SCRYPT.r ||
    stored.p !== CURRENT_SCRYPT.p
  ) {
    // Parameters were raised since this hash was made: upgrade it now that we know the password.
    const pw = await hashPassword(password);
    await pool.query(
      `UPDATE users SET password_hash = $2, password_salt = $3, scrypt_n = $4, scrypt_r = $5,
              scrypt_p = $6 WHERE id = $1`,
      [row.id, pw.hash, pw.salt, pw.n, pw.r, pw.p],
    );
  }
  const id = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  // Expired sessions are of no use to anyone: drop them while we are here (indexed).
  await pool.query('DELETE FROM sessions WHERE expires_at < now()');
  const s = await pool.query<{ expires_at: Date }>(
    `INSERT INTO sessions (id_sha256, user_id, csrf_token, expires_at)
     VALUES ($1, $2, $3, now() + $4::float8 * interval '1 millisecond') RETURNING expires_at`,
    [hashId(id), row.id, csrfToken, ttlMs],
  );
  const expiresAt = s.rows[0]?.expires_at;
  if (!expiresAt) throw new Error('INSERT … RETURNING gave no row');
  return { id, user: userView(row), csrfToken, expiresAt: expiresAt.toISOString() };
}

/** A live session's user and CSRF token, or null when unknown or expired. */
export async function sessionFor(pool: pg.Pool, id: string): Promise<SessionView | null> {
  const r = await pool.query<{
    id: string;
    username: string;
    role: Role;
    created_at: Date;
    disabled_at: Date | null;
    csrf_token: string;
    expires_at: Date;
  }>(
    `SELECT u.id, u.username, u.role, u.created_at, u.disabled_at, s.csrf_token, s.expires_at
       FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.id_sha256 = $1 AND s.expires_at > now() AND u.disabled_at IS NULL`,
    [hashId(id)],
  );
  const row = r.rows[0];
  if (!row) return null;
  const user: UserView = userView(row);
  return { user, csrfToken: row.csrf_token, expiresAt: row.expires_at.toISOString() };
}

/** Ends a session at once; the cookie is worthless afterwards. */
export async function logout(pool: pg.Pool, id: string): Promise<void> {
  await pool.query('DELETE FROM sessions WHERE id_sha256 = $1', [hashId(id)]);
}

/** Compares a header with the session's CSRF token in constant time. */
export function csrfMatches(header: string | undefined, expected: string): boolean {
  if (!header) return false;
  const a = Buffer.from(header);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
