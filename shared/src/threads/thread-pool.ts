import { Worker } from 'node:worker_threads';

/** What a pool's worker thread posts back: `{ready}` once, then one answer per task. */
type Reply<Out> =
  | { ready: true }
  | { id: number; ok: true; value: Out }
  | { id: number; ok: false; error: string; code?: string };

interface Task<In, Out> {
  id: number;
  input: In;
  resolve(value: Out): void;
  reject(err: Error): void;
}

interface Slot<In, Out> {
  worker: Worker;
  ready: Promise<void>;
  task: Task<In, Out> | null;
}

/** Options of {@link createThreadPool}. */
export interface ThreadPoolOptions {
  /** The worker script; it answers tasks with {@link serveThreadTasks}. */
  workerUrl: URL;
  threads: number;
  /** What the threads do, for error messages ("drop verifier"). */
  name: string;
  /** What the caller should do when a thread died mid-task ("try again"). */
  retryHint: string;
  /** Put before a task's own error message ("drop verification failed"). */
  failurePrefix: string;
  /**
   * Start the threads on the first task, and let idle threads not keep the process alive
   * (a park agent that never pulls pays nothing; a CLI run still exits when done).
   */
  lazy?: boolean;
  /** Told when a thread crashes (its task fails and a new thread replaces it). */
  onCrash?: (err: Error) => void;
}

/** A fixed set of worker threads running one kind of task, first come first served. */
export interface ThreadPool<In, Out> {
  run(input: In): Promise<Out>;
  /** Fails the waiting tasks and stops the threads. */
  close(): Promise<void>;
}

/**
 * Runs CPU-heavy tasks (verifying a drop: inflating, hashing and schema-checking megabytes of
 * JSON) on worker threads, so the caller's event loop keeps serving requests or downloads.
 * A task's error keeps its `code` (e.g. ENOSPC), so callers can tell faults apart.
 */
export function createThreadPool<In, Out>(options: ThreadPoolOptions): ThreadPool<In, Out> {
  const threads = Math.max(1, options.threads);
  const queue: Task<In, Out>[] = [];
  const slots: Slot<In, Out>[] = [];
  let nextId = 0;
  let closed = false;

  function spawn(): Slot<In, Out> {
    const worker = new Worker(options.workerUrl);
    if (options.lazy) worker.unref();
    const slot: Slot<In, Out> = {
      worker,
      task: null,
      ready: new Promise((resolve, reject) => {
        worker.once('error', reject);
        worker.on('message', (reply: Reply<Out>) => {
          if ('ready' in reply) {
            worker.off('error', reject);
            resolve();
            return;
          }
          const task = slot.task;
          slot.task = null;
          if (options.lazy) worker.unref();
          if (!task || task.id !== reply.id) return;
          if (reply.ok) task.resolve(reply.value);
          else {
            const err = new Error(`${options.failurePrefix}: ${reply.error}`);
            task.reject(reply.code ? Object.assign(err, { code: reply.code }) : err);
          }
          pump();
        });
      }),
    };
    slot.ready.catch(() => undefined);
    worker.on('error', (err) => options.onCrash?.(err));
    worker.on('exit', (code) => {
      const task = slot.task;
      slot.task = null;
      task?.reject(
        new Error(
          `the ${options.name} thread exited (code ${code}) mid-task; ${options.retryHint}`,
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
      for (let i = 0; i < threads; i++) slots.push(spawn());
    }
    for (const slot of slots) {
      if (slot.task || queue.length === 0) continue;
      const task = queue.shift();
      if (!task) return;
      slot.task = task;
      // A busy thread keeps the process alive until its answer arrives.
      slot.worker.ref();
      void slot.ready.then(
        () => slot.worker.postMessage({ id: task.id, input: task.input }),
        (err: unknown) => {
          slot.task = null;
          task.reject(new Error(`the ${options.name} thread did not start: ${String(err)}`));
        },
      );
    }
  }

  if (!options.lazy) for (let i = 0; i < threads; i++) slots.push(spawn());

  return {
    run(input) {
      if (closed) return Promise.reject(new Error(`the ${options.name} pool is closed`));
      return new Promise<Out>((resolve, reject) => {
        queue.push({ id: nextId++, input, resolve, reject });
        pump();
      });
    },
    async close() {
      closed = true;
      for (const task of queue.splice(0)) {
        task.reject(new Error(`the ${options.name} pool closed`));
      }
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
