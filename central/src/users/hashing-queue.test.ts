import { describe, expect, it } from 'vitest';
import { HashingBusyError, HashingQueue } from './hashing-queue.ts';

describe('hashing queue', () => {
  it('runs one hash at a time, lets a few wait, and refuses the next at once', async () => {
    const queue = new HashingQueue({ concurrency: 1, maxWaiting: 2 });
    let running = 0;
    let most = 0;
    const gates: (() => void)[] = [];
    const hash = () =>
      queue.run(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
        return 'hashed';
      });
    const admitted = [hash(), hash(), hash()];
    expect(queue.load()).toEqual({ running: 1, waiting: 2 });
    const refused = await hash().then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(HashingBusyError);
    expect((refused as HashingBusyError).message).toContain('checking too many passwords');
    // Each finished hash hands its slot to the next waiter.
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gates.shift()?.();
    }
    expect(await Promise.all(admitted)).toEqual(['hashed', 'hashed', 'hashed']);
    expect(most).toBe(1);
    expect(queue.load()).toEqual({ running: 0, waiting: 0 });
  });
});
