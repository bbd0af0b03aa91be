import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { UploadCheck, UploadChecker } from './drop-verifier.ts';

const WORKER_URL = new URL('./verify-worker.mjs', import.meta.url);

interface Task {
  id: number;
  path: string;
  fileName: string;
  resolve(check: UploadCheck): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  task: Task | null;
}

type Reply =
  | { ready: true }
  | { id: number; ok: true; value: UploadCheck }
  | { id: number; ok: false; error: string };

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
 */
export function createVerifierPool(threads: number, log: Logger): VerifierPool {
  const queue: Task[] = [];
  let nextId = 0;
  let closed = false;

  function spawn(): Slot {
    const worker = new Worker(WORKER_URL);
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
          if (!task || task.id !== reply.id) return;
          if (reply.ok) task.resolve(reply.value);
          else task.reject(new Error(`drop verification failed: ${reply.error}`));
          pump();
        });
      }),
    };
    slot.ready.catch(() => undefined);
    worker.on('error', (err) => log.error({ err }, 'verifier thread crashed'));
    worker.on('exit', (code) => {
      const task = slot.task;
      slot.task = null;
      task?.reject(
        new Error(`the drop verifier thread exited (code ${code}) mid-check; commit again`),
      );
      const i = slots.indexOf(slot);
      if (i >= 0 && !closed) {
        slots[i] = spawn();
        pump();
      }
    });
    return slot;
  }

  const slots: Slot[] = Array.from({ length: Math.max(1, threads) }, spawn);

  function pump(): void {
    for (const slot of slots) {
      if (slot.task || queue.length === 0) continue;
      const task = queue.shift();
      if (!task) return;
      slot.task = task;
      void slot.ready.then(
        () => slot.worker.postMessage({ id: task.id, path: task.path, fileName: task.fileName }),
        (err: unknown) => {
          slot.task = null;
          task.reject(new Error(`the drop verifier thread did not start: ${String(err)}`));
        },
      );
    }
  }

  return {
    check(path, fileName) {
      if (closed) return Promise.reject(new Error('the drop verifier pool is closed'));
      return new Promise<UploadCheck>((resolve, reject) => {
        queue.push({ id: nextId++, path, fileName, resolve, reject });
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
