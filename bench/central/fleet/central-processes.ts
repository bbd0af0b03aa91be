import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor, waitForReady } from '../../../scripts/harness/wait-for.ts';

const repoRoot = new URL('../../..', import.meta.url).pathname;
const cli = join(repoRoot, 'central/src/cli.ts');

/** Central's API and workers as child processes, the way `serve` and `worker` run in production. */
export interface CentralProcesses {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts `serve` and `workers` × `worker` with `env` and waits until the API is ready. A child
 * that exits before `stop` is reported on stderr with the end of its log and fails the run.
 * With `logDir`, each child's log is kept there too (`central-API.log`, `worker-1.log`, …).
 */
export async function startCentral(
  env: NodeJS.ProcessEnv,
  workers: number,
  logDir?: string,
): Promise<CentralProcesses> {
  const children: ChildProcess[] = [];
  let stopping = false;
  let listening: string | null = null;
  if (logDir) mkdirSync(logDir, { recursive: true });
  const start = (name: string, args: string[]) => {
    // node itself with the tsx loader, so SIGTERM reaches the process that handles it.
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let tail = '';
    const keep = logDir
      ? createWriteStream(join(logDir, `${name.replaceAll(' ', '-')}.log`), { flags: 'a' })
      : null;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      keep?.write(text);
      tail = (tail + text).slice(-4000);
      const m = /"url":"(http:[^"]+)","msg":"central API listening"/.exec(tail);
      if (m?.[1]) listening = m[1];
    });
    child.once('exit', (code, signal) => {
      if (!stopping) {
        process.stderr.write(`${name} exited (${signal ?? code}) during the benchmark:\n${tail}\n`);
        process.exitCode = 1;
      }
    });
    children.push(child);
  };
  const stop = async () => {
    stopping = true;
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
            setTimeout(() => c.kill('SIGKILL'), 15_000).unref();
          }),
      ),
    );
  };
  try {
    start('central API', ['serve']);
    for (let w = 1; w <= workers; w++) start(`worker ${w}`, ['worker']);
    const url = await waitFor('the API to listen', async () => listening, { timeoutMs: 120_000 });
    await waitForReady(url, 120_000);
    return { url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
