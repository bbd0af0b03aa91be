import cron, { type ScheduledTask } from 'node-cron';

/** The rides' cron rules, running. */
export interface PullRules {
  /** When the ride's next rule fires (ISO 8601), or null when none is scheduled. */
  nextRunAt(rideId: string): string | null;
  /** Stops every rule; a tick already handed over is not taken back. */
  stop(): void;
}

/** True when node-cron accepts `expression` (5 fields, or 6 with seconds first). */
export function isCronExpression(expression: string): boolean {
  return cron.validate(expression);
}

/**
 * Starts one node-cron task per rule of each ride, evaluated in the park's `timezone`; each
 * firing calls `onTick(rideId)`. Overlap is the caller's to prevent (several rules of one ride
 * may fire together), which is why node-cron's own `noOverlap` is not used.
 */
export function startPullRules(
  rides: readonly { id: string; schedule: readonly string[] }[],
  timezone: string,
  onTick: (rideId: string) => void,
): PullRules {
  const tasks = new Map<string, ScheduledTask[]>();
  for (const ride of rides) {
    tasks.set(
      ride.id,
      ride.schedule.map((expression, i) =>
        cron.schedule(expression, () => onTick(ride.id), {
          timezone,
          name: `pull:${ride.id}:${i}`,
        }),
      ),
    );
  }
  return {
    nextRunAt(rideId) {
      const next = (tasks.get(rideId) ?? [])
        .map((t) => t.getNextRun())
        .filter((d): d is Date => d !== null)
        .sort((a, b) => a.getTime() - b.getTime())[0];
      return next ? next.toISOString() : null;
    },
    stop() {
      for (const list of tasks.values()) for (const t of list) void t.destroy();
      tasks.clear();
    },
  };
}
