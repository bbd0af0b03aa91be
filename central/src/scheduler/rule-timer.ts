import { nextFiring } from './cron-firings.ts';

/** A rule's live schedule; `stop()` ends it. */
export interface RuleTimer {
  stop(): void;
}

/**
 * Longest single sleep: the timer re-reads the clock at least this often, so a clock set
 * forward (or a suspended machine) delays a firing by at most this much.
 */
const MAX_SLEEP_MS = 60_000;

/**
 * Calls `onFiring(at)` at every firing instant of `cron` in `timeZone` after now, as
 * {@link nextFiring} computes them (rule R6 on DST days). A firing that is overdue when the
 * process gets to it (a blocked event loop) is still made, late, with its scheduled instant;
 * the firing key makes that harmless if another process made it too.
 */
export function startRuleTimer(
  cron: string,
  timeZone: string,
  onFiring: (at: Date) => void,
): RuleTimer {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (after: Date) => {
    const next = nextFiring(cron, timeZone, after);
    if (!next || stopped) return;
    const wait = () => {
      if (stopped) return;
      const left = next.getTime() - Date.now();
      if (left > 0) {
        timer = setTimeout(wait, Math.min(left, MAX_SLEEP_MS));
        return;
      }
      onFiring(next);
      // Through the timer queue, so a run of overdue firings cannot starve the event loop.
      timer = setTimeout(() => arm(next), 0);
    };
    wait();
  };
  arm(new Date());
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
