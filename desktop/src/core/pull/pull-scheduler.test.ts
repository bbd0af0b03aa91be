import { describe, expect, it } from 'vitest';
import { PullScheduler } from './pull-scheduler.ts';

/** A pull function whose runs the test finishes by hand, recording what ran concurrently. */
function controlledPulls() {
  const active = new Set<string>();
  const finishers = new Map<string, (() => void)[]>();
  const log: string[] = [];
  let maxActive = 0;
  const run = (ride: string): Promise<string> =>
    new Promise((resolve) => {
      if (active.has(ride)) log.push(`overlap ${ride}`);
      active.add(ride);
      maxActive = Math.max(maxActive, active.size);
      log.push(`start ${ride}`);
      const list = finishers.get(ride) ?? [];
      list.push(() => {
        active.delete(ride);
        log.push(`end ${ride}`);
        resolve(`pulled ${ride}`);
      });
      finishers.set(ride, list);
    });
  const finish = async (ride: string): Promise<void> => {
    const f = finishers.get(ride)?.shift();
    if (!f) throw new Error(`${ride} is not running`);
    f();
    // Let the scheduler hand the freed slot on.
    await new Promise((r) => setImmediate(r));
  };
  return { run, finish, log, maxActive: () => maxActive };
}

/** Lets the scheduler's promise callbacks run (one turn of the event loop). */
const nextTurn = () => new Promise((r) => setImmediate(r));

describe('pull scheduler', () => {
  it('never runs two pulls of one ride at once: a tick while it runs is skipped and pull now joins it', async () => {
    const pulls = controlledPulls();
    const scheduler = new PullScheduler(2, pulls.run);

    const first = scheduler.request('r1');
    await nextTurn();
    expect(scheduler.tick('r1')).toBe(false);
    const joined = scheduler.request('r1');
    expect(joined).toBe(first);
    await pulls.finish('r1');

    expect(await joined).toBe('pulled r1');
    expect(pulls.log).toEqual(['start r1', 'end r1']);
    // Once finished, the next tick pulls again.
    expect(scheduler.tick('r1')).toBe(true);
    await nextTurn();
    expect(scheduler.state('r1')).toBe('running');
    await pulls.finish('r1');
    await scheduler.idle();
  });

  it('runs different rides side by side up to the limit and queues the rest in order', async () => {
    const pulls = controlledPulls();
    const scheduler = new PullScheduler(2, pulls.run);

    const all = ['r1', 'r2', 'r3', 'r4'].map((r) => scheduler.request(r));
    await nextTurn();
    expect(pulls.log).toEqual(['start r1', 'start r2']);
    expect(scheduler.state('r3')).toBe('waiting');
    // A tick for a waiting ride does not queue it twice.
    expect(scheduler.tick('r3')).toBe(false);

    await pulls.finish('r2');
    expect(pulls.log.slice(2)).toEqual(['end r2', 'start r3']);
    await pulls.finish('r1');
    await pulls.finish('r3');
    await pulls.finish('r4');

    expect(await Promise.all(all)).toEqual(['pulled r1', 'pulled r2', 'pulled r3', 'pulled r4']);
    expect(pulls.maxActive()).toBe(2);
    expect(pulls.log.filter((l) => l.startsWith('overlap'))).toEqual([]);
  });

  it('frees the ride and the slot when a pull fails', async () => {
    let calls = 0;
    const scheduler = new PullScheduler(1, (ride) =>
      ++calls === 1 ? Promise.reject(new Error(`${ride}: gateway down`)) : Promise.resolve(ride),
    );

    await expect(scheduler.request('r1')).rejects.toThrow('r1: gateway down');

    expect(scheduler.state('r1')).toBe('idle');
    expect(await scheduler.request('r2')).toBe('r2');
  });
});
