/** What a poll shows: the last good data, and the last refresh's failure beside it. */
export interface PollState<T> {
  data: T | undefined;
  /** The last refresh's failure in words; null after a good one. */
  error: string | null;
  /** When `data` was loaded (ms since the epoch); null before the first success. */
  loadedAt: number | null;
}

export interface PollerOptions<T> {
  load: () => Promise<T>;
  intervalMs: number;
  /** Words for a failure (the app's `errorText`, which may also react to a lost session). */
  describe: (err: unknown) => string;
  onChange: (state: PollState<T>) => void;
  /** Injected in tests; the page's timers otherwise. */
  timers?: {
    set: (fn: () => void, ms: number) => unknown;
    clear: (handle: unknown) => void;
  };
  now?: () => number;
}

/**
 * Loads now and then every `intervalMs` after the previous load ended (never two at once),
 * keeping the last good data when a refresh fails. Plain TypeScript so it is tested without a
 * DOM; `usePoll` binds it to React.
 */
export class Poller<T> {
  private state: PollState<T> = { data: undefined, error: null, loadedAt: null };
  private handle: unknown;
  private running = false;
  private inFlight = false;
  private again = false;

  constructor(private readonly options: PollerOptions<T>) {}

  start(): void {
    this.running = true;
    void this.run();
  }

  stop(): void {
    this.running = false;
    if (this.handle !== undefined) this.timers().clear(this.handle);
    this.handle = undefined;
  }

  /**
   * Loads again now (after a change the page made). A load in flight may have read the data
   * before the change: its answer is not shown, and one load runs as soon as it ends.
   */
  reload(): void {
    if (!this.running) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    if (this.handle !== undefined) this.timers().clear(this.handle);
    this.handle = undefined;
    void this.run();
  }

  current(): PollState<T> {
    return this.state;
  }

  private timers() {
    return (
      this.options.timers ?? {
        set: (fn: () => void, ms: number) => setTimeout(fn, ms),
        clear: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>),
      }
    );
  }

  private async run(): Promise<void> {
    this.inFlight = true;
    let next: PollState<T>;
    try {
      const data = await this.options.load();
      next = { data, error: null, loadedAt: (this.options.now ?? Date.now)() };
    } catch (err) {
      next = { ...this.state, error: this.options.describe(err) };
    } finally {
      this.inFlight = false;
    }
    if (!this.running) return;
    if (this.again) {
      this.again = false;
      void this.run();
      return;
    }
    this.state = next;
    this.options.onChange(this.state);
    this.handle = this.timers().set(() => {
      this.handle = undefined;
      void this.run();
    }, this.options.intervalMs);
  }
}
