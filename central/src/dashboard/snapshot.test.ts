import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { createSnapshot } from './snapshot.ts';

/** A computation whose calls are counted and whose answers the test releases by hand. */
function controlled() {
  const calls: { resolve: (v: number) => void; reject: (e: Error) => void }[] = [];
  const compute = () =>
    new Promise<number>((resolve, reject) => {
      calls.push({ resolve, reject });
    });
  return { calls, compute };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('createSnapshot', () => {
  it('answers a fresh snapshot at once, refreshes it in the background past half its age, and waits once it is too old', async () => {
    let t = 0;
    const c = controlled();
    const s = createSnapshot({
      what: 'test',
      compute: c.compute,
      freshMs: 10_000,
      log: createLogger('silent'),
      now: () => t,
    });
    // None yet: two requests share one computation.
    const a = s.get();
    const b = s.get();
    expect(c.calls).toHaveLength(1);
    c.calls[0]?.resolve(1);
    expect([await a, await b]).toEqual([1, 1]);

    t = 4_000; // fresh: no computation
    expect(await s.get()).toBe(1);
    expect(c.calls).toHaveLength(1);

    t = 6_000; // past half: the old answer now, a new one behind it
    expect(await s.get()).toBe(1);
    expect(c.calls).toHaveLength(2);
    expect(await s.get()).toBe(1); // still the old one while the refresh runs, no third call
    expect(c.calls).toHaveLength(2);
    c.calls[1]?.resolve(2);
    await tick();
    expect(await s.get()).toBe(2);

    t = 6_000 + 10_000; // the refresh started at 6 s; now it is too old: the request waits
    let answered: number | undefined;
    const late = s.get().then((v) => (answered = v));
    await tick();
    expect(answered).toBeUndefined();
    expect(c.calls).toHaveLength(3);
    c.calls[2]?.resolve(3);
    await late;
    expect(answered).toBe(3);
  });

  it('keeps no failure: the waiting requests get the error, and the next one computes again', async () => {
    let t = 0;
    const c = controlled();
    const s = createSnapshot({
      what: 'test',
      compute: c.compute,
      freshMs: 10_000,
      log: createLogger('silent'),
      now: () => t,
    });
    const first = s.get();
    c.calls[0]?.reject(new Error('database unreachable'));
    await expect(first).rejects.toThrow('database unreachable');
    const second = s.get();
    expect(c.calls).toHaveLength(2);
    c.calls[1]?.resolve(7);
    expect(await second).toBe(7);

    // A failed background refresh leaves the old answer until it is too old.
    t = 6_000;
    expect(await s.get()).toBe(7);
    c.calls[2]?.reject(new Error('statement timeout'));
    await tick();
    t = 9_000;
    expect(await s.get()).toBe(7); // past half again: another background try
    expect(c.calls).toHaveLength(4);
    c.calls[3]?.reject(new Error('statement timeout'));
    await tick();
    t = 10_000;
    const stale = s.get();
    expect(c.calls).toHaveLength(5);
    c.calls[4]?.reject(new Error('statement timeout'));
    await expect(stale).rejects.toThrow('statement timeout');
  });

  it('computes on every request when freshMs is 0', async () => {
    let n = 0;
    const s = createSnapshot({
      what: 'test',
      compute: () => Promise.resolve(++n),
      freshMs: 0,
      log: createLogger('silent'),
    });
    expect([await s.get(), await s.get(), await s.get()]).toEqual([1, 2, 3]);
  });
});
