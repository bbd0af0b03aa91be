import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { killTree } from '../../scripts/harness/process-tree.ts';

/** A process exit nobody asked for: the campaign reports each one. */
export interface UnexpectedExit {
  name: string;
  at: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines of its log. */
  logTail: string;
}

/** How to start one long-running part of the system. */
export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Where stdout and stderr go (appended across restarts). */
  logFile: string;
  /** Resolves once the process serves (e.g. its port accepts); rejects when it cannot. */
  ready?: (child: ChildProcess) => Promise<void>;
}

/**
 * One part of the system as a supervisor keeps it: started, SIGKILLed and restarted by the
 * campaign, and restarted after a short back-off when it exits by itself (as Kubernetes
 * restarts a crashed container), which is recorded as an unexpected exit.
 */
export class ManagedProcess {
  private child: ChildProcess | null = null;
  private wanted = false;
  private restartTimer: NodeJS.Timeout | null = null;
  starts = 0;

  constructor(
    private readonly spec: ProcessSpec,
    private readonly onUnexpectedExit: (exit: UnexpectedExit) => void,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and waits until it is ready. */
  async start(): Promise<void> {
    this.wanted = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    if (this.running) return;
    const log = openSync(this.spec.logFile, 'a');
    const child = spawn(this.spec.command, this.spec.args, {
      env: this.spec.env,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child = child;
    this.starts += 1;
    const killOnExit = () => {
      if (child.pid !== undefined) killTree(child.pid);
    };
    process.once('exit', killOnExit);
    child.once('exit', (code, signal) => {
      process.removeListener('exit', killOnExit);
      if (this.child !== child || !this.wanted) return;
      this.onUnexpectedExit({
        name: this.spec.name,
        at: Date.now(),
        code,
        signal,
        logTail: this.logTail(),
      });
      // Back off like a crash-looping container, then try again.
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null;
        if (this.wanted && !this.running) this.start().catch(() => undefined);
      }, 2000);
    });
    await this.spec.ready?.(child);
  }

  /** SIGKILL of the process and anything it started; resolves once it is gone. */
  async kill(): Promise<void> {
    this.wanted = false;
    await this.end((pid) => killTree(pid));
  }

  /** SIGTERM, and SIGKILL after `graceMs`: an orderly stop. */
  async stop(graceMs = 15_000): Promise<void> {
    this.wanted = false;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const pid = this.child?.pid;
    const timer = setTimeout(() => pid !== undefined && killTree(pid), graceMs);
    try {
      await this.end((p) => process.kill(p, 'SIGTERM'));
    } finally {
      clearTimeout(timer);
    }
  }

  private async end(signal: (pid: number) => void): Promise<void> {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      signal(child.pid);
    } catch {
      // Gone already.
    }
    await exited;
  }

  logTail(lines = 8): string {
    try {
      return readFileSync(this.spec.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}
