import type { TimerClock } from '@zra/shared';

/**
 * A clock that moves only when the test says: `advanceTo` runs every timer that falls due on
 * the way, in time order, each with the clock set to its due time. For rules and loops whose
 * behaviour depends on the date (a DST day) rather than on waiting.
 */
export class ManualClock implements TimerClock {
  private at: number;
  private seq = 0;
  private readonly timers = new Map<number, { due: number; run: () => void }>();

  constructor(start: Date | string) {
    this.at = new Date(start).getTime();
  }

  now(): number {
    return this.at;
  }

  setTimeout(run: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { due: this.at + Math.max(0, ms), run });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Moves the clock to `until`, running each timer due on the way (timers set meanwhile too). */
  advanceTo(until: Date | string): void {
    const end = new Date(until).getTime();
    for (;;) {
      let next: [number, { due: number; run: () => void }] | undefined;
      for (const entry of this.timers) {
        // Earliest due first; among equals, the one set first.
        if (entry[1].due <= end && (!next || entry[1].due < next[1].due)) next = entry;
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.at = Math.max(this.at, next[1].due);
      next[1].run();
    }
    this.at = Math.max(this.at, end);
  }
}
