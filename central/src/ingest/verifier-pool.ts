import { createThreadPool } from '@zra/shared';
import type { Logger } from 'pino';
import type { UploadCheck, UploadChecker } from './drop-verifier.ts';

/** A fixed set of worker threads that read, hash and verify uploaded drops. */
export interface VerifierPool {
  check: UploadChecker;
  close(): Promise<void>;
}

/**
 * Runs shared's `verifyDrop` (CRC checks, unzipping, schema validation of up to 256 MiB: CPU
 * seconds on a big drop) on `threads` worker threads, so a commit never stalls the API's event
 * loop and the zip's bytes are read in the thread, not in the API's heap. Tasks wait in
 * arrival order; a thread that dies fails its task and is replaced.
 *
 * The threads start with the first drop that needs a full check: commit checks a drop's
 * outline and leaves the full check to the postprocessor, so only a suspect drop or a clash of
 * content ids gets here. Started with the API, each loaded and compiled its modules at every
 * start: about 2.5 CPU-s and 90 MB that most API processes never used (docs/performance.md).
 */
export function createVerifierPool(threads: number, log: Logger): VerifierPool {
  const pool = createThreadPool<{ path: string; fileName?: string }, UploadCheck>({
    workerUrl: new URL('./verify-worker.mjs', import.meta.url),
    threads,
    lazy: true,
    name: 'drop verifier',
    failurePrefix: 'drop verification failed',
    retryHint: 'try again (the drop is checked afresh)',
    onCrash: (err) => log.error({ err }, 'verifier thread crashed'),
  });
  return {
    check: (path, fileName) => pool.run(fileName === undefined ? { path } : { path, fileName }),
    close: () => pool.close(),
  };
}
