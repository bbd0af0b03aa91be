import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';

/**
 * Removes scratch files (`BLOB_DIR/tmp/`: a job's input and output, a blob being written by
 * the API before its rename) older than `olderThanMs`. A worker removes its own when the job
 * ends, the API its own when the write fails; one killed in between (SIGKILL, OOM, a preempted
 * pod) leaves them behind, and nothing ever names them again. Workers of several pods share
 * the folder, so only files older than any live job can be are touched: callers pass the
 * stuck-job limit (the job timeout plus a margin), past which no job is still running.
 */
export async function removeStaleScratch(
  root: string,
  olderThanMs: number,
  log: Logger,
  now: number = Date.now(),
): Promise<number> {
  const dir = join(root, 'tmp');
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  let removed = 0;
  for (const name of names) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile() || info.mtimeMs >= now - olderThanMs) continue;
    await rm(path, { force: true });
    removed++;
  }
  if (removed > 0) {
    log.info(
      { removed, folder: dir },
      'scratch files of killed jobs or interrupted blob writes removed',
    );
  }
  return removed;
}
