import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { passwordHashing } from './hashing-queue.ts';

/** scrypt cost parameters; stored beside every hash so they can be raised later. */
export interface ScryptParams {
  n: number;
  r: number;
  p: number;
}

/** A stored password: hash, per-user salt and the parameters that made the hash. */
export interface PasswordHash extends ScryptParams {
  hash: Buffer;
  salt: Buffer;
}

/** OWASP's scrypt recommendation (N=2^15, r=8, p=1): ~50 ms and 32 MiB per hash here. */
export const CURRENT_SCRYPT: ScryptParams = { n: 2 ** 15, r: 8, p: 1 };

const KEY_BYTES = 64;
const SALT_BYTES = 16;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.n,
    r: params.r,
    p: params.p,
    // scrypt needs 128·N·r bytes; node's default cap (32 MiB) is exactly that and refuses.
    maxmem: 256 * params.n * params.r,
  };
  // The async form runs on libuv's thread pool (a login does not stall the event loop), and
  // only through the hashing queue, so a flood of logins cannot take all of that pool from
  // file I/O; a full queue refuses with HashingBusyError (TOO_MANY_REQUESTS).
  return passwordHashing.run(
    () =>
      new Promise<Buffer>((resolve, reject) => {
        scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (err, key) =>
          err ? reject(err) : resolve(key),
        );
      }),
  );
}

/** Hashes a new password with a fresh random salt and the current parameters. */
export async function hashPassword(
  password: string,
  params: ScryptParams = CURRENT_SCRYPT,
): Promise<PasswordHash> {
  const salt = randomBytes(SALT_BYTES);
  return { ...params, salt, hash: await derive(password, salt, params) };
}

/** True when `password` matches; the comparison takes the same time wherever they differ. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const key = await derive(password, stored.salt, stored);
  return key.length === stored.hash.length && timingSafeEqual(key, stored.hash);
}

/**
 * A hash no password matches, checked when the username is unknown so that an unknown user
 * costs the same scrypt as a wrong password (no user enumeration by timing).
 */
let decoy: Promise<PasswordHash> | null = null;
export function decoyHash(): Promise<PasswordHash> {
  decoy ??= hashPassword(randomBytes(32).toString('hex')).catch((err: unknown) => {
    // Refused (a full hashing queue): make it on a later call instead of failing every one.
    decoy = null;
    throw err;
  });
  return decoy;
}
