import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp-dir.ts';
import { lockDataDir } from './data-dir-lock.ts';

const LOCK_MODULE = fileURLToPath(new URL('./data-dir-lock.ts', import.meta.url));
const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url));
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function freshDir(): Promise<string> {
  const t = await tempDir('lock');
  cleanups.push(t.remove);
  return t.dir;
}

/**
 * Another agent process that takes the lock of `dir` and holds it until killed. It drops the
 * handle and runs the garbage collector first: a lock must not depend on its caller keeping
 * the handle (a collected connection closes and frees the file lock).
 */
async function otherAgent(dir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const { lockDataDir } = await import(${JSON.stringify(LOCK_MODULE)});
       lockDataDir(${JSON.stringify(dir)});
       globalThis.gc();
       await new Promise((resolve) => setTimeout(resolve, 50));
       globalThis.gc();
       process.stdout.write('locked\\n');
       setInterval(() => {}, 60_000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      if (d.includes('locked')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the other agent exited with ${code}`)));
  });
  return child;
}

describe('the data directory lock', () => {
  it('lets an agent start when a leftover lock names its own pid (a container restart reuses pids)', async () => {
    const dir = await freshDir();
    // What an earlier agent with the same pid left when it was killed: the pid files of the
    // old lock and of the new one.
    await writeFile(path.join(dir, 'agent.lock'), String(process.pid));
    await writeFile(path.join(dir, 'agent.pid'), `${process.pid}\n`);

    const lock = lockDataDir(dir);

    lock.release();
  });

  it('lets an agent start when a leftover lock names another live, unrelated process', async () => {
    const dir = await freshDir();
    // pid 1 always runs (init, or the container's first process), and is not an agent here.
    await writeFile(path.join(dir, 'agent.lock'), '1');
    await writeFile(path.join(dir, 'agent.pid'), '1\n');

    const lock = lockDataDir(dir);

    lock.release();
  });

  it('refuses a second agent while another live process holds the lock, naming it; a kill -9 releases it', async () => {
    const dir = await freshDir();
    const other = await otherAgent(dir);

    expect(() => lockDataDir(dir)).toThrow(
      `another agent (pid ${other.pid}) is using the data directory ${dir}; stop it first, or give this agent another dataDir`,
    );

    const exited = new Promise<void>((resolve) => other.once('exit', () => resolve()));
    other.kill('SIGKILL');
    await exited;
    // The operating system dropped the dead process's lock: no file to delete, no pid to ask.
    const lock = lockDataDir(dir);
    lock.release();
  });

  it('makes `agent --once` on a held data directory exit 1 with one sentence naming the holder', async () => {
    const dir = await freshDir();
    const other = await otherAgent(dir);
    const config = path.join(dir, 'agent.json');
    await writeFile(
      config,
      JSON.stringify({
        park: 'gardaland',
        dataDir: dir,
        central: { url: 'http://127.0.0.1:9', token: 'park-token-0123456789' },
      }),
    );

    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', CLI, 'agent', '--config', config, '--once'],
        { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ZRA_LOG_LEVEL: 'silent' } },
      );
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('exit', (code) => resolve({ code, stderr }));
    });

    expect(run).toEqual({
      code: 1,
      stderr: `agent: another agent (pid ${other.pid}) is using the data directory ${dir}; stop it first, or give this agent another dataDir\n`,
    });
  });

  it('refuses a second agent in the same process, and frees the directory on release', async () => {
    const dir = await freshDir();
    const first = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(/another agent \(pid \d+\) is using the data directory/);
    first.release();
    lockDataDir(dir).release();
  });
});
