import { nextFiring } from './cron-firings.ts';

/** A rule's live schedule; `stop()` ends it. */
export interface RuleTimer {
  /** The next instant the rule fires, or null when it never fires again (or is stopped). */
  nextAt(): Date | null;
  stop(): void;
}

/**
 * The clock a rule timer reads and sleeps on: the machine's by default; tests inject one
 * that moves only when they say, so a DST day can be walked through without waiting for it.
 */
export interface TimerClock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The machine's clock and Node's timers. */
export const systemTimerClock: TimerClock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Longest single sleep: the timer re-reads the clock at least this often, so a clock set
 * forward (or a suspended machine) delays a firing by at most this much.
 */
const MAX_SLEEP_MS = 60_000;

/**
 * Calls `onFiring(at)` at every firing instant of `cron` in `timeZone` after now, as
 * {@link nextFiring} computes them (rule R6 on DST days: a time the spring change skips fires
 * at the end of the gap, a repeated one once). A firing that is overdue when the process gets
 * to it (a blocked event loop) is still made, late, with its scheduled instant.
 */
export function startRuleTimer(
  cron: string,
  timeZone: string,
  onFiring: (at: Date) => void,
  clock: TimerClock = systemTimerClock,
): RuleTimer {
  let stopped = false;
  let timer: unknown;
  let next: Date | null = null;
  const arm = (after: Date) => {
    next = stopped ? null : nextFiring(cron, timeZone, after);
    const due = next;
    if (!due) return;
    const wait = () => {
      if (stopped) return;
      const left = due.getTime() - clock.now();
      if (left > 0) {
        timer = clock.setTimeout(wait, Math.min(left, MAX_SLEEP_MS));
        return;
      }
      onFiring(due);
      // Known at once (the status shows it), armed on the next turn of the timer queue.
      next = stopped ? null : nextFiring(cron, timeZone, due);
      // Through the timer queue, so a run of overdue firings cannot starve the event loop.
      timer = clock.setTimeout(() => arm(due), 0);
    };
    wait();
  };
  arm(new Date(clock.now()));
  return {
    nextAt: () => next,
    stop() {
      stopped = true;
      next = null;
      clock.clearTimeout(timer);
    },
  };
}
