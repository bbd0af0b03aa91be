// A worker thread of the agent's verifier pool (verifier-pool.ts). Plain JavaScript, because a
// worker thread does not inherit the TypeScript loader on Node 20 (not under `node --import
// tsx`, nor the tsx CLI, nor vitest): it registers tsx itself, then imports. The same approach
// as central's src/ingest/verify-worker.mjs.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { verifyDrop } = await import('@zra/shared');
const { checkDownload } = await import('./check-download.ts');

parentPort?.on('message', async ({ id, file, fileName }) => {
  try {
    parentPort?.postMessage({
      id,
      ok: true,
      value: await checkDownload(verifyDrop, file, fileName),
    });
  } catch (err) {
    parentPort?.postMessage({
      id,
      ok: false,
      error: err instanceof Error ? err.message : String(err),
      code: err && typeof err === 'object' && 'code' in err ? String(err.code) : undefined,
    });
  }
});
parentPort?.postMessage({ ready: true });
