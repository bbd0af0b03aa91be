// A worker thread of the agent's verifier pool (verifier-pool.ts). Plain JavaScript, because a
// worker thread does not inherit the TypeScript loader on Node 20 (not under `node --import
// tsx`, nor the tsx CLI, nor vitest): it registers tsx itself, then imports.
import { register } from 'tsx/esm/api';

register();
const { serveThreadTasks, verifyDrop } = await import('@zra/shared');
const { checkDownload } = await import('./check-download.ts');

serveThreadTasks(({ file, fileName, receivedAt }) =>
  checkDownload(verifyDrop, file, fileName, receivedAt),
);
