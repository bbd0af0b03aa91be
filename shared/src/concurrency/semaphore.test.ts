import { describe, expect, it } from 'vitest';
import { Semaphore } from './semaphore.ts';

/** A task the test finishes (or fails) when it says, recording when it started. */
function gate(started: string[], name: string) {
  let finish!: () => void;
  let fail!: (err: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return {
    task: () => {
      started.push(name);
      return done;
    },
    finish: () => finish(),
    fail: (err: Error) => fail(err),
  };
}

/** Lets every pending promise callback run. */
const drain = () => new Promise((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  it('runs at most `size` tasks at once, the rest in arrival order', async () => {
    const started: string[] = [];
    const slots = new Semaphore(2);
    const [a, b, c, d] = [
      gate(started, 'a'),
      gate(started, 'b'),
      gate(started, 'c'),
      gate(started, 'd'),
    ];
    const runs = [a, b, c, d].map((g) => slots.run(g.task));
    await drain();
    expect(started).toEqual(['a', 'b']);
    expect(slots.load()).toEqual({ running: 2, waiting: 2 });
    b.finish();
    await drain();
    expect(started).toEqual(['a', 'b', 'c']);
    a.finish();
    await drain();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    c.finish();
    d.finish();
    await Promise.all(runs);
    expect(slots.load()).toEqual({ running: 0, waiting: 0 });
  });

  it('frees the slot of a task that fails, and passes its error on', async () => {
    const started: string[] = [];
    const slots = new Semaphore(1);
    const [a, b] = [gate(started, 'a'), gate(started, 'b')];
    const first = slots.run(a.task);
    const second = slots.run(b.task);
    await drain();
    expect(started).toEqual(['a']);
    a.fail(new Error('download failed'));
    await expect(first).rejects.toThrow('download failed');
    await drain();
    expect(started).toEqual(['a', 'b']);
    b.finish();
    await second;
    // Both slots' worth of work done: a new task starts at once.
    const c = gate(started, 'c');
    const third = slots.run(c.task);
    await drain();
    expect(started).toEqual(['a', 'b', 'c']);
    c.finish();
    await third;
  });

  it('refuses a size that is not a whole number of at least 1', () => {
    expect(() => new Semaphore(0)).toThrow(/at least 1 \(got 0\)/);
    expect(() => new Semaphore(1.5)).toThrow(/whole number/);
  });
});
