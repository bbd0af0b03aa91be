import { descendants } from '../../scripts/harness/process-tree.ts';
import { LINKS, type ChaosSystem, type LinkName } from './chaos-system.ts';
import type { ManagedProcess } from './managed-process.ts';
import type { SeededRandom } from './seeded-random.ts';

/** Every kind of fault the campaign injects. */
export const FAULT_KINDS = [
  'postgres-immediate-stop',
  'postgres-sigkill',
  'broker-sigkill',
  'link-cut',
  'link-reset',
  'link-blackhole',
  'sshd-sessions-killed',
  'sshd-sigkill',
  'api-sigkill',
  'worker-sigkill',
  'agent-sigkill',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** How often each kind is drawn, relative to the others. */
const WEIGHTS: Record<FaultKind, number> = {
  'postgres-immediate-stop': 4,
  'postgres-sigkill': 4,
  'broker-sigkill': 2,
  'link-cut': 16,
  'link-reset': 16,
  'link-blackhole': 16,
  'sshd-sessions-killed': 6,
  'sshd-sigkill': 3,
  'api-sigkill': 8,
  'worker-sigkill': 8,
  'agent-sigkill': 6,
};

/** One injected fault, for the timeline and the summary. */
export interface FaultEvent {
  kind: FaultKind;
  target: string;
  /** Milliseconds since the campaign began. */
  at: number;
  /** How long the part stayed hurt (until its restart or restore completed). */
  heldMs: number;
  /** Set when the recovery itself failed (the campaign then repairs it at the end). */
  error?: string;
}

/** Options of {@link FaultInjector}. */
export interface FaultInjectorOptions {
  system: ChaosSystem;
  random: SeededRandom;
  faultsPerMinute: number;
  /** At most this many faults hurt the system at once. */
  maxConcurrent: number;
  startedAt: number;
}

/**
 * Injects faults at seeded random moments (exponential gaps at the given mean rate), each on a
 * part that is healthy at that moment, holds it for a seeded time and repairs it.
 */
export class FaultInjector {
  readonly events: FaultEvent[] = [];
  private readonly busy = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly o: FaultInjectorOptions) {}

  /** Injects faults until `until` (epoch ms), then waits for every repair. */
  async run(until: number): Promise<void> {
    const { random } = this.o;
    const meanGapMs = 60_000 / this.o.faultsPerMinute;
    while (!this.stopped && Date.now() < until) {
      const gap = -Math.log(1 - random.next()) * meanGapMs;
      await sleep(Math.min(gap, Math.max(0, until - Date.now())));
      // A full house delays the next fault rather than dropping it, so the rate holds.
      while (this.busy.size >= this.o.maxConcurrent && Date.now() < until) await sleep(50);
      if (Date.now() >= until) break;
      let fault = this.draw();
      for (let tries = 0; !fault && tries < 20; tries++) fault = this.draw();
      if (!fault) continue;
      this.start(fault);
    }
    await Promise.all([...this.running]);
  }

  private start(fault: { kind: FaultKind; target: string; inject: () => Promise<void> }): void {
    this.busy.add(fault.target);
    const event: FaultEvent = {
      kind: fault.kind,
      target: fault.target,
      at: Date.now() - this.o.startedAt,
      heldMs: 0,
    };
    this.events.push(event);
    const started = Date.now();
    const done: Promise<void> = fault
      .inject()
      .catch((err: unknown) => {
        event.error = err instanceof Error ? err.message : String(err);
      })
      .finally(() => {
        event.heldMs = Date.now() - started;
        this.busy.delete(fault.target);
        this.running.delete(done);
      });
    this.running.add(done);
  }

  stop(): void {
    this.stopped = true;
  }

  /** A fault on a part no other fault holds now; null when the drawn part is busy. */
  private draw(): { kind: FaultKind; target: string; inject: () => Promise<void> } | null {
    const { random, system } = this.o;
    const kind = random.weighted(FAULT_KINDS.map((k) => [k, WEIGHTS[k]] as const));
    const hold = (min: number, max: number) => sleep(random.between(min, max));
    const link = (): LinkName => random.pick(LINKS);
    const free = (target: string) => !this.busy.has(target);
    switch (kind) {
      case 'postgres-immediate-stop':
      case 'postgres-sigkill': {
        if (!free('postgres')) return null;
        return {
          kind,
          target: 'postgres',
          inject: async () => {
            if (kind === 'postgres-sigkill') await system.postgres.kill();
            else await system.postgres.stopImmediate();
            await hold(200, 5000);
            await system.postgres.start();
          },
        };
      }
      case 'broker-sigkill': {
        if (!free('broker')) return null;
        return {
          kind,
          target: 'broker',
          inject: async () => {
            await system.broker.kill();
            await hold(0, 3000);
            await system.broker.start();
          },
        };
      }
      case 'link-cut':
      case 'link-reset':
      case 'link-blackhole': {
        const name = link();
        if (!free(name)) return null;
        const proxy = system.links[name];
        return {
          kind,
          target: name,
          inject: async () => {
            if (kind === 'link-cut') proxy.cut();
            else if (kind === 'link-reset') proxy.reset();
            else proxy.blackhole();
            // A blackhole lasts longer: only timeouts and keepalives can notice it.
            await (kind === 'link-blackhole' ? hold(1000, 12_000) : hold(100, 4000));
            proxy.restore();
          },
        };
      }
      case 'sshd-sessions-killed': {
        if (!free('sshd')) return null;
        return {
          kind,
          target: 'sshd',
          inject: async () => {
            const pid = system.sshdPid();
            if (pid === null) throw new Error('no sshd pid file');
            // Each SFTP session is a process the listener forked; the listener lives on.
            for (const session of descendants(pid)) {
              try {
                process.kill(session, 'SIGKILL');
              } catch {
                // Ended by itself meanwhile.
              }
            }
          },
        };
      }
      case 'sshd-sigkill': {
        if (!free('sshd')) return null;
        return {
          kind,
          target: 'sshd',
          inject: async () => {
            system.gatewayProcess.kill();
            await hold(200, 4000);
            await system.gatewayProcess.restart();
          },
        };
      }
      case 'api-sigkill':
        return this.processFault(kind, random.pick(system.apis), () => hold(0, 3000));
      case 'worker-sigkill':
        return this.processFault(kind, random.pick(system.workers), () => hold(0, 3000));
      case 'agent-sigkill':
        return this.processFault(kind, system.agent, () => hold(0, 3000));
    }
  }

  private processFault(kind: FaultKind, proc: ManagedProcess, hold: () => Promise<void>) {
    if (this.busy.has(proc.name)) return null;
    return {
      kind,
      target: proc.name,
      inject: async () => {
        await proc.kill();
        await hold();
        await proc.start();
      },
    };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
