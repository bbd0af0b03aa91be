import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

/** A long-running part of the system started by the demo, with its log in a file. */
export interface RunningPart {
  name: string;
  logPath: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `cmd args` with output to `logPath`; if it dies before `stop()`, the demo says so
 * and points at the log, because a silent hang would be the worst demo.
 */
export function startPart(
  name: string,
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logPath: string,
  onUnexpectedExit: (message: string) => void,
): RunningPart {
  const log = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(cmd, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let stopping = false;
  child.on('exit', (code, signal) => {
    if (!stopping)
      onUnexpectedExit(
        `${name} stopped unexpectedly (${signal ?? `exit ${code}`}); see ${logPath}`,
      );
  });
  return {
    name,
    logPath,
    child,
    stop: () =>
      new Promise((resolve) => {
        stopping = true;
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

/**
 * Runs a command to completion and returns its stdout; throws with its stderr on failure.
 * `stdin` is written to the command's standard input (for secrets, kept off the command line).
 */
export function runToEnd(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  stdin?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, ...env },
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    child.stdin?.end(stdin);
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.trim()}`)),
    );
  });
}
