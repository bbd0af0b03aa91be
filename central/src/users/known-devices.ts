import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { hashSessionId } from './session-id.ts';

/** The cookie of a browser that signed in before (see {@link knownDeviceCookie}). */
export const DEVICE_COOKIE = 'zra_device';

/** A browser is remembered this long after its last sign-in. */
export const DEVICE_TTL_MS = 180 * 86_400_000;

/**
 * The known-device cookie: sent only to `auth.login` (Path), HttpOnly, SameSite=Strict. It
 * grants nothing by itself; it lets its browser skip the sign-in limits that strangers can
 * spend (per account, global), so guessing cannot lock the user out of their own browsers.
 */
export function knownDeviceCookie(id: string, secure: boolean): string {
  const attrs = [
    `${DEVICE_COOKIE}=${id}`,
    'HttpOnly',
    'SameSite=Strict',
    'Path=/trpc/auth.login',
    `Max-Age=${Math.floor(DEVICE_TTL_MS / 1000)}`,
  ];
  if (secure) attrs.push('Secure');
  return attrs.join('; ');
}

/** Whether `deviceId` (the cookie's value) belongs to the user named `username`. */
export async function isKnownDevice(
  pool: pg.Pool,
  deviceId: string | undefined,
  username: string,
): Promise<boolean> {
  if (!deviceId || deviceId.length > 100) return false;
  const r = await pool.query(
    `SELECT 1 FROM login_devices d JOIN users u ON u.id = d.user_id
      WHERE d.id_sha256 = $1 AND u.username = $2
        AND d.last_seen_at > now() - $3::float8 * interval '1 millisecond'`,
    [hashSessionId(deviceId), username.trim().toLowerCase(), DEVICE_TTL_MS],
  );
  return (r.rowCount ?? 0) > 0;
}

/**
 * After a sign-in with the right password: refreshes the browser's known-device entry, or makes
 * a new one. Returns the cookie value to set (the same id when it was already known).
 */
export async function rememberDevice(
  pool: pg.Pool,
  userId: string,
  deviceId: string | undefined,
): Promise<string> {
  if (deviceId && deviceId.length <= 100) {
    const r = await pool.query(
      'UPDATE login_devices SET last_seen_at = now() WHERE id_sha256 = $1 AND user_id = $2',
      [hashSessionId(deviceId), userId],
    );
    if ((r.rowCount ?? 0) > 0) return deviceId;
  }
  const id = randomBytes(32).toString('base64url');
  // Forgotten browsers are of no use to anyone: drop them while we are here (indexed).
  await pool.query(
    `DELETE FROM login_devices WHERE last_seen_at < now() - $1::float8 * interval '1 millisecond'`,
    [DEVICE_TTL_MS],
  );
  await pool.query('INSERT INTO login_devices (id_sha256, user_id) VALUES ($1, $2)', [
    hashSessionId(id),
    userId,
  ]);
  return id;
}
