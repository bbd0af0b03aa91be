import type { Logger } from 'pino';
import type { UploadRoundResult } from './upload.ts';

/**
 * The longest `runOnce` (and `agent --once`) waits in all for central's rate limit before it
 * stops with drops still waiting: a scheduled `--once` (cron, a systemd timer) runs again
 * within minutes, and while one run waits it holds the data directory's lock, so the next run
 * would be refused. Two minutes cover a burst refused for a few seconds many times over.
 */
export const ONCE_RATE_LIMIT_WAIT_MAX_S = 120;

/**
 * Upload rounds for `runOnce`: when central answers 429 with a `retryAfterS`, wait that long
 * and go on, as long as the waits add up to at most ONCE_RATE_LIMIT_WAIT_MAX_S; one round
 * otherwise (an unreachable central is not waited for: the next run is the retry). `stop`
 * ends a wait at once (the agent stops).
 */
export async function uploadUntilDone(
  runRound: () => Promise<UploadRoundResult>,
  log: Logger,
  stop: AbortSignal,
): Promise<UploadRoundResult> {
  const rounds = [await runRound()];
  let waitedS = 0;
  for (;;) {
    const last = rounds.at(-1);
    if (last?.retryAfterS === undefined || last.remaining === 0) break;
    const waitS = Math.ceil(last.retryAfterS);
    if (waitedS + waitS > ONCE_RATE_LIMIT_WAIT_MAX_S || stop.aborted) break;
    log.info(
      { retryAfterS: waitS, waitedS, remaining: last.remaining },
      'central asked the agent to slow down (rate limit); waiting before the next upload round',
    );
    await sleep(waitS * 1000, stop);
    if (stop.aborted) break;
    waitedS += waitS;
    rounds.push(await runRound());
  }
  return combineRounds(rounds);
}

/** Waits `ms`, or less when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Several upload rounds of one `runOnce` as one: what was acknowledged, rejected, damaged or
 * held back adds up; `failed`, `remaining`, `error` and `retryAfterS` are the last round's
 * (a drop refused by the rate limit and sent in a later round did not fail).
 */
function combineRounds(rounds: UploadRoundResult[]): UploadRoundResult {
  const last = rounds.at(-1);
  if (!last) throw new Error('no upload round to combine');
  const sum = (
    key: 'acknowledged' | 'duplicates' | 'quarantinedByCentral' | 'rejected' | 'damaged',
  ) => rounds.reduce((n, r) => n + r[key], 0);
  return {
    ...last,
    acknowledged: sum('acknowledged'),
    duplicates: sum('duplicates'),
    quarantinedByCentral: sum('quarantinedByCentral'),
    rejected: sum('rejected'),
    damaged: sum('damaged'),
  };
}
