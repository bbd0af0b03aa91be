import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { ANSWER_PER_COMPUTE, createSnapshot, REFRESH_PER_COMPUTE } from './snapshot.ts';

/**
 * A computation on a clock the test moves: each call is answered (or failed) by hand, after
 * the test has moved the clock on by as long as the computation is to have taken.
 */
function controlled() {
  const clock = { t: 0 };
  const calls: { resolve: (v: number) => void; reject: (e: Error) => void }[] = [];
  const compute = () =>
    new Promise<number>((resolve, reject) => {
      calls.push({ resolve, reject });
    });
  const snapshot = createSnapshot({
    what: 'test',
    compute,
    freshMs: 10_000,
    log: createLogger('silent'),
    now: () => clock.t,
  });
  /** Ends call i at the current time plus `tookMs`. */
  const finish = (i: number, value: number | Error, tookMs = 2_000) => {
    clock.t += tookMs;
    const call = calls[i];
    if (!call) throw new Error(`no call ${i}`);
    if (value instanceof Error) call.reject(value);
    else call.resolve(value);
  };
  return { clock, calls, snapshot, finish };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('createSnapshot', () => {
  it('answers a fresh snapshot at once, refreshes it in the background past half its age, and waits once it is too old', async () => {
    const { clock, calls, snapshot: s, finish } = controlled();
    // None yet: two requests share one computation (2 s: answered until min(10 s, 100 × 2 s), refreshed past 5 s).
    const a = s.get();
    const b = s.get();
    expect(calls).toHaveLength(1);
    finish(0, 1);
    expect([await a, await b]).toEqual([1, 1]);

    clock.t = 4_000; // fresh: no computation
    expect(await s.get()).toBe(1);
    expect(calls).toHaveLength(1);

    clock.t = 6_000; // past half: the old answer now, a new one behind it
    expect(await s.get()).toBe(1);
    expect(calls).toHaveLength(2);
    expect(await s.get()).toBe(1); // still the old one while the refresh runs, no third call
    expect(calls).toHaveLength(2);
    finish(1, 2); // started at 6 s, done at 8 s
    await tick();
    expect(await s.get()).toBe(2);

    clock.t = 6_000 + 10_000; // the refresh started at 6 s; now it is too old: the request waits
    let answered: number | undefined;
    const late = s.get().then((v) => (answered = v));
    await tick();
    expect(answered).toBeUndefined();
    expect(calls).toHaveLength(3);
    finish(2, 3);
    await late;
    expect(answered).toBe(3);
  });

  it('refreshes a cheap computation past REFRESH_PER_COMPUTE times what it took, and answers it until ANSWER_PER_COMPUTE times', async () => {
    const { clock, calls, snapshot: s, finish } = controlled();
    const first = s.get();
    finish(0, 1, 20); // 20 ms, as a thousand parks' page: refreshed past 0.5 s, answered until 2 s
    expect(await first).toBe(1);
    clock.t = 20 * REFRESH_PER_COMPUTE - 10; // not yet due
    expect(await s.get()).toBe(1);
    expect(calls).toHaveLength(1);

    // Viewers a second apart: each is answered at once, and each starts the next refresh.
    clock.t = 1_000;
    expect(await s.get()).toBe(1);
    expect(calls).toHaveLength(2);
    finish(1, 2, 20); // started at 1 s
    await tick();
    clock.t = 2_000;
    expect(await s.get()).toBe(2);
    expect(calls).toHaveLength(3);
    finish(2, 3, 20); // started at 2 s
    await tick();

    // Nobody asked for longer than ANSWER_PER_COMPUTE times its cost: the request waits.
    clock.t = 2_000 + 20 * ANSWER_PER_COMPUTE + 10;
    let answered: number | undefined;
    const late = s.get().then((v) => (answered = v));
    await tick();
    expect(answered).toBeUndefined();
    expect(calls).toHaveLength(4);
    finish(3, 4, 20);
    await late;
    expect(answered).toBe(4);
  });

  it('keeps no failure: the waiting requests get the error, and the next one computes again', async () => {
    const { clock, calls, snapshot: s, finish } = controlled();
    const first = s.get();
    finish(0, new Error('database unreachable'));
    await expect(first).rejects.toThrow('database unreachable');
    clock.t = 0;
    const second = s.get();
    expect(calls).toHaveLength(2);
    finish(1, 7); // kept from 0 s, fresh for 10 s
    expect(await second).toBe(7);

    // A failed background refresh leaves the old answer until it is too old.
    clock.t = 6_000;
    expect(await s.get()).toBe(7);
    finish(2, new Error('statement timeout'), 0);
    await tick();
    clock.t = 9_000;
    expect(await s.get()).toBe(7); // past half again: another background try
    expect(calls).toHaveLength(4);
    finish(3, new Error('statement timeout'), 0);
    await tick();
    clock.t = 10_000;
    const stale = s.get();
    expect(calls).toHaveLength(5);
    finish(4, new Error('statement timeout'));
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
