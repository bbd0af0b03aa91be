import { execFileSync } from 'node:child_process';
import os from 'node:os';

/**
 * Which processes run on which CPU, by util-linux's `taskset`, for a bench that measures one
 * server the way it runs in production: alone on its CPU (central's API pod has a limit of one
 * CPU, k8s/base/central-api), with what runs on other machines there — the parks, PostgreSQL,
 * RabbitMQ — on the other CPU. On this two-core machine they otherwise share both cores, and a
 * server's figure then includes the database's work (docs/performance.md, "What limits the wire
 * phase on this machine").
 */

/** The CPU the measured server runs on. */
export const SERVER_CPU = 0;
/** The CPU of everything else: this process (the parks), the database and the broker. */
export const OTHERS_CPU = 1;

/** The machine's services the server talks to, by the user their processes run as. */
const SERVICE_USERS = ['postgres', 'rabbitmq'] as const;

/** Runs `command` on the server's CPU: `taskset` execs it, so the child keeps its pid. */
export function onServerCpu(command: string, args: string[]): [string, string[]] {
  return ['taskset', ['--cpu-list', String(SERVER_CPU), command, ...args]];
}

/** Moves every thread of `pid` to `cpus`; a process gone meanwhile is skipped. */
function pin(pid: number, cpus: string): void {
  try {
    execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', cpus, String(pid)], {
      stdio: 'ignore',
    });
  } catch {
    // Gone meanwhile (a backend whose connection closed).
  }
}

function processesOf(user: string): number[] {
  try {
    return execFileSync('pgrep', ['-u', user], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** Undoes a pinning: the processes it moved, and any they started since, back on every CPU. */
export interface Pinning {
  restore(): void;
}

/**
 * Puts this process (the simulated parks) and the machine's PostgreSQL and RabbitMQ on
 * {@link OTHERS_CPU}; servers started with {@link onServerCpu} then have {@link SERVER_CPU} to
 * themselves. Processes PostgreSQL forks later (a backend per connection) inherit the
 * postmaster's CPU. `restore()` gives the services' processes (and this one) every CPU again,
 * as the machine runs them, and runs at exit and on SIGINT and SIGTERM as well: the services
 * must not stay on one core after the bench. (Not after a SIGKILL: the next run's restore
 * undoes that one too.)
 */
export function pinForServerAlone(): Pinning {
  const count = os.cpus().length;
  if (count < 2) {
    throw new Error('--pin needs two CPUs: one for the server, one for everything else');
  }
  const services = () => SERVICE_USERS.flatMap(processesOf);
  for (const pid of [...services(), process.pid]) pin(pid, String(OTHERS_CPU));
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    for (const pid of [...services(), process.pid]) pin(pid, `0-${count - 1}`);
  };
  process.once('exit', restore);
  // A signal ends node without its 'exit' event unless someone listens for it.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      restore();
      process.exit(128 + os.constants.signals[signal]);
    });
  }
  return { restore };
}
