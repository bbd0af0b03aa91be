// A worker thread of the verifier pool (verifier-pool.ts). Plain JavaScript, because a thread
// does not always inherit the TypeScript loader: under `node --import tsx` (the image) and the
// tsx CLI it does; under vitest it does not, so it is registered here in that case.
import { parentPort } from 'node:worker_threads';

if (!process.execArgv.some((arg) => arg.includes('tsx'))) {
  const { register } = await import('tsx/esm/api');
  register();
}
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
