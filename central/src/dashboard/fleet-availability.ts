import type pg from 'pg';
import type { Logger } from 'pino';
import { rideAvailability, type RideAvailability } from '../reports/figures/ride-availability.ts';
import { groupByPark } from './group-by-park.ts';
import type { LocalDay } from './park-local-days.ts';

/** Today's availability is kept at most this many times as long as counting it took. */
const AVAILABILITY_KEEP_PER_COMPUTE = 100;

/** Each park's availability today, by park and ride, as of `countedAt`. */
export interface FleetAvailability {
  countedAt: Date;
  /** Covered and fault minutes of each ride of the park with data today. */
  hoursOf: Map<string, RideAvailability[]>;
}

/**
 * Today's availability of every ride of every park, counted by the counting rule and kept for a
 * while. It is most of what the fleet page costs (≈ 0.5 s of PostgreSQL's CPU at a thousand
 * parks, against a few tens of milliseconds for the rest), and the page is computed every few
 * seconds while anyone watches it; the figure itself moves only as drops are processed. So it is
 * counted again at most every `AVAILABILITY_KEEP_PER_COMPUTE` times what counting took, capped
 * at `keepMs`: a small fleet's takes milliseconds and is as good as counted with every page, a
 * thousand parks' is kept under a minute and costs about a hundredth of a core.
 *
 * Past its time (and up to twice it) the kept count is still answered while a new one runs in
 * the background, so nobody's page waits for it: the rest of the page is cheap enough to be
 * computed on the request that asks, and it would otherwise wait half a second every minute. A
 * background count that fails is logged and the kept one ages out. A new park-local day in any
 * park (or a park added, removed or moved to another zone) counts again at once, on the
 * request: a figure is never shown for another day than it was counted for. The page names the
 * time it was counted. `keepMs` 0 counts with every page.
 */
export interface AvailabilityKeeper {
  today(pool: pg.Pool, today: Map<string, LocalDay>, nowMs: number): Promise<FleetAvailability>;
}

export function keepAvailability(keepMs: number, log?: Logger): AvailabilityKeeper {
  let kept: { days: string; at: number; keepMs: number; value: FleetAvailability } | null = null;
  let counting: { days: string; done: Promise<FleetAvailability> } | null = null;

  const count = (pool: pg.Pool, today: Map<string, LocalDay>, nowMs: number, days: string) => {
    if (counting?.days === days) return counting.done;
    const started = performance.now();
    const done = countAvailability(pool, today, nowMs).then((value) => {
      const took = performance.now() - started;
      const keep = Math.min(keepMs, took * AVAILABILITY_KEEP_PER_COMPUTE);
      kept = { days, at: nowMs, keepMs: keep, value };
      return value;
    });
    counting = { days, done };
    const clear = () => {
      if (counting?.done === done) counting = null;
    };
    done.then(clear, clear);
    return done;
  };

  return {
    async today(pool, today, nowMs) {
      const days = dayKey(today);
      if (kept?.days === days) {
        const age = nowMs - kept.at;
        if (age < kept.keepMs) return kept.value;
        if (age < 2 * kept.keepMs) {
          count(pool, today, nowMs, days).catch((err: unknown) => {
            log?.warn({ err }, "counting the fleet's availability today failed; trying again");
          });
          return kept.value;
        }
      }
      return count(pool, today, nowMs, days);
    },
  };
}

async function countAvailability(
  pool: pg.Pool,
  today: Map<string, LocalDay>,
  nowMs: number,
): Promise<FleetAvailability> {
  const buckets = [...today].map(([park, d]) => ({ park, start: d.start, end: d.end }));
  const hours = await rideAvailability(pool, { buckets, ride: null });
  return { countedAt: new Date(nowMs), hoursOf: groupByPark(hours, (h) => h.park) };
}

/** Which day each park's figures are for: a different key is another day somewhere. */
function dayKey(today: Map<string, LocalDay>): string {
  let key = '';
  for (const [park, d] of today) key += `${park}\0${d.start.getTime()}\0${d.end.getTime()}\n`;
  return key;
}
