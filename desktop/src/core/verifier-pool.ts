import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { DownloadCheck, DownloadChecker } from './check-download.ts';

const WORKER_URL = new URL('./verify-worker.mjs', import.meta.url);

interface Task {
  id: number;
  file: string;
  fileName: string;
  resolve(check: DownloadCheck): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  task: Task | null;
}

type Reply =
  | { ready: true }
  | { id: number; ok: true; value: DownloadCheck }
  | { id: number; ok: false; error: string; code?: string };

/** A fixed set of worker threads that read, hash and verify downloaded drops. */
export interface VerifierPool {
  check: DownloadChecker;
  close(): Promise<void>;
}

/**
 * Runs shared's `verifyDrop` (inflating, hashing and schema-checking ~6 MB of JSON per 50 Hz
 * drop: ~100 ms of CPU) on `threads` worker threads, so the pull's event loop keeps the SFTP
 * downloads of the next files flowing meanwhile. The threads start on the first check (an
 * agent that never pulls pays nothing). Tasks wait in arrival order; a thread that dies fails
 * its task and is replaced. Modelled on central's ingest verifier pool.
 */
export function createVerifierPool(threads: number, log: Logger): VerifierPool {
  const queue: Task[] = [];
  let nextId = 0;
  let closed = false;
  const slots: Slot[] = [];

  function spawn(): Slot {
    const worker = new Worker(WORKER_URL);
    // An idle pool must not keep the process alive.
    worker.unref();
    const slot: Slot = {
      worker,
      task: null,
      ready: new Promise((resolve, reject) => {
        worker.once('error', reject);
        worker.on('message', (reply: Reply) => {
          if ('ready' in reply) {
            worker.off('error', reject);
            resolve();
            return;
          }
          const task = slot.task;
          slot.task = null;
          worker.unref();
          if (!task || task.id !== reply.id) return;
          if (reply.ok) task.resolve(reply.value);
          else {
            task.reject(
              Object.assign(new Error(`checking the downloaded drop failed: ${reply.error}`), {
                code: reply.code,
              }),
            );
          }
          pump();
        });
      }),
    };
    slot.ready.catch(() => undefined);
    worker.on('error', (err) => log.error({ err }, 'drop verifier thread crashed'));
    worker.on('exit', (code) => {
      const task = slot.task;
      slot.task = null;
      task?.reject(
        new Error(
          `the drop verifier thread exited (code ${code}) mid-check; the next pull tries again`,
        ),
      );
      const i = slots.indexOf(slot);
      if (i >= 0 && !closed) {
        slots[i] = spawn();
        pump();
      }
    });
    return slot;
  }

  function pump(): void {
    if (slots.length === 0 && queue.length > 0) {
      for (let i = 0; i < Math.max(1, threads); i++) slots.push(spawn());
    }
    for (const slot of slots) {
      if (slot.task || queue.length === 0) continue;
      const task = queue.shift();
      if (!task) return;
      slot.task = task;
      // A busy thread keeps the process alive until its answer arrives.
      slot.worker.ref();
      void slot.ready.then(
        () => slot.worker.postMessage({ id: task.id, file: task.file, fileName: task.fileName }),
        (err: unknown) => {
          slot.task = null;
          task.reject(new Error(`the drop verifier thread did not start: ${String(err)}`));
        },
      );
    }
  }

  return {
    check(file, fileName) {
      if (closed) return Promise.reject(new Error('the drop verifier pool is closed'));
      return new Promise<DownloadCheck>((resolve, reject) => {
        queue.push({ id: nextId++, file, fileName, resolve, reject });
        pump();
      });
    },
    async close() {
      closed = true;
      for (const task of queue.splice(0)) task.reject(new Error('the drop verifier pool closed'));
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
