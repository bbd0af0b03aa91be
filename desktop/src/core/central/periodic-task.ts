/**
 * A task the agent runs now on demand and every `intervalMs` after `start`: a call while one
 * is in flight joins it (never two at once), the next run is timed from the end of the last,
 * and `stop` waits for the one in flight. `run` must not throw (it reports its own failures).
 */
export class PeriodicTask<T> {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<T> | null = null;
  private nextAtMs: number | null = null;

  constructor(
    private readonly run: () => Promise<T>,
    private readonly intervalMs: number,
  ) {}

  /** Runs now, joining a run in flight. */
  now(): Promise<T> {
    this.current ??= this.run().finally(() => {
      this.current = null;
    });
    return this.current;
  }

  /** A run now, then one every `intervalMs` until `stop`. */
  start(): void {
    if (this.timer) return;
    const tick = (): void => {
      this.nextAtMs = null;
      void this.now().finally(() => {
        if (!this.timer) return;
        this.nextAtMs = Date.now() + this.intervalMs;
        this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    this.nextAtMs = Date.now();
    this.timer = setTimeout(tick, 0);
  }

  /** When the timer runs next (ms since the epoch); null while a run is in flight or stopped. */
  nextRunAt(): number | null {
    return this.timer ? this.nextAtMs : null;
  }

  /** Stops the timer and waits for a run in flight. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.nextAtMs = null;
    await this.current;
  }
}
