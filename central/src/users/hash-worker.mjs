// The password-hashing thread (password.ts). Plain JavaScript, because a worker thread does not
// inherit the TypeScript loader on Node 20 (see ingest/verify-worker.mjs): it registers tsx
// itself, then imports.
import { scryptSync } from 'node:crypto';
import { setPriority } from 'node:os';
import { register } from 'tsx/esm/api';

// Lowest CPU priority for this thread alone: under a flood of sign-ins the hashing yields the
// CPU to requests, uploads and the verifier, and only sign-ins slow down. Only on Linux, where
// `nice` is per thread; elsewhere it would lower the whole process, so hashing keeps normal
// priority there (as it does where lowering is refused).
if (process.platform === 'linux') {
  try {
    setPriority(19);
  } catch {
    // Not allowed here: normal priority.
  }
}

register();
const { serveThreadTasks } = await import('@zra/shared');

serveThreadTasks(async ({ password, salt, n, r, p, keyBytes }) =>
  scryptSync(password, Buffer.from(salt), keyBytes, { N: n, r, p, maxmem: 256 * n * r }),
);
