import { describe, expect, it } from 'vitest';
import { Poller, type PollState } from './poller.ts';

/** Timers a test fires by hand. */
function manualTimers() {
  const pending = new Map<number, () => void>();
  let next = 0;
  return {
    timers: {
      set: (fn: () => void, _ms: number) => {
        pending.set(++next, fn);
        return next;
      },
      clear: (h: unknown) => pending.delete(h as number),
    },
    pending: () => pending.size,
    fire() {
      const [id, fn] = [...pending][0] ?? [];
      if (id === undefined || !fn) throw new Error('no timer pending');
      pending.delete(id);
      fn();
    },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('Poller', () => {
  it('keeps the last good data beside a failed refresh, and clears the error after a good one', async () => {
    const answers: (() => Promise<number>)[] = [
      () => Promise.resolve(1),
      () => Promise.reject(new Error('central is away')),
      () => Promise.resolve(3),
    ];
    const t = manualTimers();
    const seen: PollState<number>[] = [];
    const p = new Poller({
      load: () => (answers.shift() ?? (() => Promise.resolve(0)))(),
      intervalMs: 5000,
      describe: (e) => `words: ${(e as Error).message}`,
      onChange: (s) => seen.push(s),
      timers: t.timers,
      now: () => 42,
    });
    p.start();
    await settle();
    t.fire();
    await settle();
    t.fire();
    await settle();
    expect(seen).toEqual([
      { data: 1, error: null, loadedAt: 42 },
      { data: 1, error: 'words: central is away', loadedAt: 42 },
      { data: 3, error: null, loadedAt: 42 },
    ]);
    p.stop();
    expect(t.pending()).toBe(0);
  });

  it('never runs two loads at once: a reload during a load runs once after it', async () => {
    let active = 0;
    let most = 0;
    let calls = 0;
    let release: () => void = () => undefined;
    const t = manualTimers();
    const p = new Poller({
      load: async () => {
        calls++;
        active++;
        most = Math.max(most, active);
        await new Promise<void>((r) => (release = r));
        active--;
        return calls;
      },
      intervalMs: 5000,
      describe: String,
      onChange: () => undefined,
      timers: t.timers,
    });
    p.start();
    p.reload();
    p.reload();
    release();
    await settle();
    release();
    await settle();
    expect(calls).toBe(2);
    expect(most).toBe(1);
    expect(t.pending()).toBe(1);
    p.stop();
  });

  it('does not show an answer that was in flight when the page asked to reload after a change', async () => {
    const seen: PollState<string>[] = [];
    const answers: ((v: string) => void)[] = [];
    const p = new Poller({
      load: () => new Promise<string>((r) => answers.push(r)),
      intervalMs: 5000,
      describe: String,
      onChange: (s) => seen.push(s),
      timers: manualTimers().timers,
      now: () => 7,
    });
    p.start();
    // The page changed something while the first load was out: that load may predate it.
    p.reload();
    answers.shift()?.('before the change');
    await settle();
    expect(seen).toEqual([]);
    answers.shift()?.('after the change');
    await settle();
    expect(seen).toEqual([{ data: 'after the change', error: null, loadedAt: 7 }]);
    p.stop();
  });

  it('ignores an answer that arrives after stop', async () => {
    const seen: unknown[] = [];
    const p = new Poller({
      load: () => Promise.resolve('late'),
      intervalMs: 5000,
      describe: String,
      onChange: (s) => seen.push(s),
      timers: manualTimers().timers,
    });
    p.start();
    p.stop();
    await settle();
    expect(seen).toEqual([]);
  });
});
