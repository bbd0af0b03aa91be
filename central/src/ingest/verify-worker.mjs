// A worker thread of the verifier pool (verifier-pool.ts). Plain JavaScript, because a worker
// thread does not inherit the TypeScript loader on Node 20 (not under `node --import tsx`, the
// image's entrypoint, nor the tsx CLI, nor vitest): it registers tsx itself, then imports.
import { register } from 'tsx/esm/api';

register();
const { serveThreadTasks, verifyDrop } = await import('@zra/shared');
const { checkUploadFile } = await import('./drop-verifier.ts');

serveThreadTasks(({ path, fileName }) => checkUploadFile(verifyDrop, path, fileName));
