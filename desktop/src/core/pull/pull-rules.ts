import { startRuleTimer, systemTimerClock, type RuleTimer, type TimerClock } from '@zra/shared';

/** The rides' cron rules, running. */
export interface PullRules {
  /** When the ride's next rule fires (ISO 8601), or null when none is scheduled. */
  nextRunAt(rideId: string): string | null;
  /** Stops every rule; a tick already handed over is not taken back. */
  stop(): void;
}

/**
 * Starts a timer per rule of each ride, read in the park's `timezone`; each firing calls
 * `onTick(rideId)`. Firings come from shared's `nextFiring` (central's report rules use the
 * same): on a DST day a rule at a time the spring change skips fires at the end of the gap, one
 * at a repeated time fires once (rule R6). node-cron's own timer jumped to the next year there,
 * so the ride missed that day's pull. Overlap is the caller's to prevent (several rules of one
 * ride may fire together).
 */
export function startPullRules(
  rides: readonly { id: string; schedule: readonly string[] }[],
  timezone: string,
  onTick: (rideId: string) => void,
  clock: TimerClock = systemTimerClock,
): PullRules {
  const timers = new Map<string, RuleTimer[]>();
  for (const ride of rides) {
    timers.set(
      ride.id,
      ride.schedule.map((rule) => startRuleTimer(rule, timezone, () => onTick(ride.id), clock)),
    );
  }
  return {
    nextRunAt(rideId) {
      const next = (timers.get(rideId) ?? [])
        .map((t) => t.nextAt())
        .filter((d): d is Date => d !== null)
        .sort((a, b) => a.getTime() - b.getTime())[0];
      return next ? next.toISOString() : null;
    },
    stop() {
      for (const list of timers.values()) for (const t of list) t.stop();
      timers.clear();
    },
  };
}
