import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createThreadPool, type ThreadPool } from './thread-pool.ts';

const workerUrl = new URL('./marked-echo-worker.mjs', import.meta.url);
const dirs: string[] = [];
const pools: ThreadPool<string, { echoed: string }>[] = [];

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
  delete process.env.ZRA_THREAD_MARKER;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A pool of two echo threads that each add a line to the returned marker file as they start. */
function markedPool(lazy: boolean): {
  pool: ThreadPool<string, { echoed: string }>;
  starts(): number;
} {
  const dir = mkdtempSync(join(tmpdir(), 'zra-thread-pool-'));
  dirs.push(dir);
  const marker = join(dir, 'starts');
  // A worker thread gets a copy of the environment as it is when the thread is created.
  process.env.ZRA_THREAD_MARKER = marker;
  const pool = createThreadPool<string, { echoed: string }>({
    workerUrl,
    threads: 2,
    name: 'echo',
    failurePrefix: 'echo failed',
    retryHint: 'ask again',
    lazy,
  });
  pools.push(pool);
  const starts = () =>
    existsSync(marker) ? readFileSync(marker, 'utf8').split('\n').filter(Boolean).length : 0;
  return { pool, starts };
}

async function until(what: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(25);
  }
}

describe('thread pool start-up', () => {
  it('a lazy pool starts no thread until its first task, then all of them', async () => {
    const { pool, starts } = markedPool(true);
    // An eager pool's threads start within this time (next test); a lazy one's do not.
    await sleep(1_500);
    expect(starts()).toBe(0);
    const answers = await Promise.all(['a', 'b', 'c'].map((x) => pool.run(x)));
    expect(answers).toEqual([{ echoed: 'a' }, { echoed: 'b' }, { echoed: 'c' }]);
    expect(starts()).toBe(2);
  });

  it('an eager pool starts its threads when it is made', async () => {
    const { pool, starts } = markedPool(false);
    await until(() => starts() === 2);
    expect(await pool.run('x')).toEqual({ echoed: 'x' });
    expect(starts()).toBe(2);
  });
});
