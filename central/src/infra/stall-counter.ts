import type { Dependency } from './infrastructure-fault.ts';

/**
 * Counts, per dependency, the calls this process gave up on because the dependency did not
 * answer in time. A silent link produces no error of its own, so this counter (served as
 * `zra_dependency_timeouts_total` on the API's `/metrics`) is how a stall becomes visible.
 */
export interface StallCounter {
  note(dependency: Dependency): void;
  counts(): ReadonlyMap<Dependency, number>;
}

/** A counter for one process (the API, or a long-running worker). */
export function createStallCounter(): StallCounter {
  const counts = new Map<Dependency, number>();
  return {
    note(dependency) {
      counts.set(dependency, (counts.get(dependency) ?? 0) + 1);
    },
    counts: () => counts,
  };
}
