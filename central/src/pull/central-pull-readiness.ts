import type pg from 'pg';
import type { Logger } from 'pino';
import { ConfigError } from '../config.ts';
import type { JobKind } from '../worker/job-kind.ts';
import { MISSING_KEY_TEXT } from './credential-seal.ts';
import { centralPullRideCount } from './ride-sources.ts';

/**
 * Whether central pull can run in this process: a ride uses it but GATEWAY_CREDENTIALS_KEY is
 * not set, so no credential could be read. Null when ready (or when no ride uses it). A
 * database that does not answer yet is not a reason: the jobs then say it themselves.
 */
export async function centralPullKeyProblem(
  pool: pg.Pool,
  key: Buffer | undefined,
): Promise<string | null> {
  if (key) return null;
  let rides: number;
  try {
    rides = await centralPullRideCount(pool);
  } catch {
    return null;
  }
  return rides > 0
    ? `${rides === 1 ? 'a ride uses' : `${rides} rides use`} central pull, but ${MISSING_KEY_TEXT}`
    : null;
}

/**
 * The job kinds a worker may take: a worker that would take downloads without the key refuses
 * to start central pull. Taking only downloads (a download job pod) it refuses to start at all
 * (exit 78, the sentence says why); a worker of every queue goes on with the other queues.
 */
export async function kindsReadyToRun<K extends JobKind<unknown>>(
  kinds: K[],
  pool: pg.Pool,
  key: Buffer | undefined,
  log: Logger,
): Promise<K[]> {
  if (!kinds.some((k) => k.queue === 'download')) return kinds;
  const problem = await centralPullKeyProblem(pool, key);
  if (!problem) return kinds;
  const others = kinds.filter((k) => k.queue !== 'download');
  if (others.length === 0) throw new ConfigError(problem);
  log.error({ code: 'credentials_key' }, `central pull not started: ${problem}`);
  return others;
}
