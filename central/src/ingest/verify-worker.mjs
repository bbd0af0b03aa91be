// A worker thread of the verifier pool (verifier-pool.ts). Plain JavaScript, because a worker
// thread does not inherit the TypeScript loader on Node 20 (not under `node --import tsx`, the
// image's entrypoint, nor the tsx CLI, nor vitest): it registers tsx itself, then imports.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { verifyDrop } = await import('@zra/shared');
const { checkUploadFile } = await import('./drop-verifier.ts');

parentPort?.on('message', async ({ id, path, fileName }) => {
  try {
    parentPort?.postMessage({
      id,
      ok: true,
      value: await checkUploadFile(verifyDrop, path, fileName),
    });
  } catch (err) {
    parentPort?.postMessage({
      id,
      ok: false,
      error: err instanceof Error ? err.message : String(err),
    });
  }
});
parentPort?.postMessage({ ready: true });
