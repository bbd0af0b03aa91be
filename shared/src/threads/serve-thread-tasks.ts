import { parentPort } from 'node:worker_threads';

/**
 * The worker-thread side of `createThreadPool`: answers each task with `handle`'s
 * result, or with its error's message and `code`, then says it is ready.
 */
export function serveThreadTasks<In, Out>(handle: (input: In) => Promise<Out>): void {
  const port = parentPort;
  if (!port) throw new Error('serveThreadTasks runs only inside a worker thread');
  port.on('message', async ({ id, input }: { id: number; input: In }) => {
    try {
      port.postMessage({ id, ok: true, value: await handle(input) });
    } catch (err) {
      const code = err && typeof err === 'object' && 'code' in err ? String(err.code) : undefined;
      port.postMessage({
        id,
        ok: false,
        error: err instanceof Error ? err.message : String(err),
        code,
      });
    }
  });
  port.postMessage({ ready: true });
}
