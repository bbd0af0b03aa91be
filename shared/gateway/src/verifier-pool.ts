import { createThreadPool } from '@zra/shared';
import type { Logger } from 'pino';
import type { DownloadCheck, DownloadChecker } from './check-download.ts';

/** A fixed set of worker threads that read, hash and verify downloaded drops. */
export interface VerifierPool {
  check: DownloadChecker;
  close(): Promise<void>;
}

/**
 * Runs shared's `verifyDrop` (inflating, hashing and schema-checking ~6 MB of JSON per 50 Hz
 * drop: ~70 ms of CPU) on `threads` worker threads, so the pull's event loop keeps the SFTP
 * downloads of the next files flowing meanwhile. The threads start on the first check (an
 * agent that never pulls pays nothing) and an idle pool does not keep the process alive.
 */
export function createVerifierPool(threads: number, log: Logger): VerifierPool {
  const pool = createThreadPool<
    { file: string; fileName: string; receivedAt: string },
    DownloadCheck
  >({
    workerUrl: new URL('./verify-worker.mjs', import.meta.url),
    threads,
    name: 'drop verifier',
    failurePrefix: 'checking the downloaded drop failed',
    retryHint: 'the next pull tries again',
    lazy: true,
    onCrash: (err) => log.error({ err }, 'drop verifier thread crashed'),
  });
  return {
    check: (file, fileName, receivedAt) => pool.run({ file, fileName, receivedAt }),
    close: () => pool.close(),
  };
}
