import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createThreadPool } from '@zra/shared';
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

/** What the hashing thread is asked (hash-worker.mjs). */
interface HashTask extends ScryptParams {
  password: string;
  salt: Uint8Array;
  keyBytes: number;
}

/**
 * One thread that only hashes passwords, at the lowest CPU priority. It never uses libuv's
 * thread pool, which file reads and writes share (node's async scrypt did: 300 sign-ins at once
 * stalled report downloads, dashboard files and ingest writes for 17 s), and under a flood it
 * yields the CPU to everything else. Started on the first sign-in; an idle thread does not keep
 * a process (a CLI run) alive.
 */
const hashThread = createThreadPool<HashTask, Uint8Array>({
  workerUrl: new URL('./hash-worker.mjs', import.meta.url),
  threads: 1,
  name: 'password hashing',
  failurePrefix: 'password hashing failed',
  retryHint: 'sign in again',
  lazy: true,
});

async function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  // Through the hashing queue: one hash at a time, a bounded wait, the rest refused at once
  // with HashingBusyError (TOO_MANY_REQUESTS) instead of piling up.
  const key = await passwordHashing.run(() =>
    hashThread.run({
      password: password.normalize('NFC'),
      salt,
      keyBytes: KEY_BYTES,
      n: params.n,
      r: params.r,
      p: params.p,
    }),
  );
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength);
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
