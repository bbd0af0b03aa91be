/**
 * A counting semaphore: at most `size` tasks run at once, the others wait their turn in
 * arrival order. The one the agent's downloads and central's worker jobs share.
 */
export class Semaphore {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) {
      throw new Error(`a semaphore needs a whole number of slots, at least 1 (got ${size})`);
    }
    this.free = size;
  }

  /** Tasks running and waiting now (a caller may refuse work rather than queue it without end). */
  load(): { running: number; waiting: number } {
    return { running: this.size - this.free, waiting: this.waiting.length };
  }

  /** Runs `task` once a slot is free; the slot is handed on when it ends, however it ends. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
