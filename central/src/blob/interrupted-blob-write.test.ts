import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../scripts/harness/wait-for.ts';
import { createLogger } from '../logger.ts';
import { FilesystemBlobStore } from './filesystem-blob-store.ts';
import { removeStaleScratch } from './stale-scratch.ts';

// A drop sent whole is written straight in as its blob. An API killed in the middle of that
// write (kill -9, OOM, a preempted pod) must leave nothing in `blobs/` that nothing would ever
// remove: the half-written file waits in `tmp/`, which the scratch sweep clears.

const STORE = fileURLToPath(new URL('./filesystem-blob-store.ts', import.meta.url));
const PIECES = fileURLToPath(new URL('./byte-pieces.ts', import.meta.url));

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'zra-interrupted-blob-'));
  await new FilesystemBlobStore(root).init();
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Files being written: anything in `tmp/`, and temp names beside the blobs. */
async function writesInProgress(): Promise<{ staged: string[]; besideBlobs: string[] }> {
  const blobs = await readdir(join(root, 'blobs'), { recursive: true });
  return {
    staged: await readdir(join(root, 'tmp')),
    besideBlobs: blobs.filter((name) => name.endsWith('.tmp')),
  };
}

describe('a blob write interrupted by kill -9', () => {
  it('leaves no stray file among the blobs, only a scratch file the sweep removes', async () => {
    // A process that writes 32 MiB drops from memory, one after another, until it is killed.
    const writer = `
      import { createHash } from 'node:crypto';
      import { FilesystemBlobStore } from ${JSON.stringify(STORE)};
      import { BytePieces } from ${JSON.stringify(PIECES)};
      const store = new FilesystemBlobStore(${JSON.stringify(root)});
      const data = new BytePieces([Buffer.alloc(32 * 1024 * 1024, 7)]);
      for (let i = 0; ; i++) {
        await store.storeBytes(data, createHash('sha256').update(String(i)).digest('hex'));
      }`;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', writer],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      // Killed once a write has begun and holds bytes: the middle of a put.
      await waitFor(
        'a blob write in progress',
        async () => {
          if (child.exitCode !== null) throw new Error(`the writer exited early: ${stderr}`);
          const { staged, besideBlobs } = await writesInProgress();
          const paths = [
            ...staged.map((name) => join(root, 'tmp', name)),
            ...besideBlobs.map((name) => join(root, 'blobs', name)),
          ];
          for (const path of paths) {
            const size = await stat(path).then(
              (s) => s.size,
              () => 0,
            );
            if (size > 0) return true;
          }
          return null;
        },
        { timeoutMs: 60_000, intervalMs: 2 },
      );
    } finally {
      child.kill('SIGKILL');
      await exited;
    }

    const left = await writesInProgress();
    expect(left.besideBlobs).toEqual([]);
    expect(left.staged.length).toBeGreaterThan(0);
    // The sweep (every stuck-job sweep, past the stuck-job limit; here at once) clears them.
    const removed = await removeStaleScratch(root, 0, createLogger('silent'), Date.now() + 1000);
    expect(removed).toBe(left.staged.length);
    expect((await writesInProgress()).staged).toEqual([]);
    // What did reach the blobs is whole: every completed write is 32 MiB.
    for (const name of await readdir(join(root, 'blobs'), { recursive: true })) {
      const info = await stat(join(root, 'blobs', name));
      if (info.isFile()) expect(info.size, name).toBe(32 * 1024 * 1024);
    }
  }, 90_000);
});
