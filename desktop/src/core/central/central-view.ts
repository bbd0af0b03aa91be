import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@zra/central/router';
import type { Logger } from 'pino';
import type { CentralClient } from './central-client.ts';
import { describeCentralError } from './central-error.ts';
import { PeriodicTask } from './periodic-task.ts';

type ParkReads = inferRouterOutputs<AppRouter>['park'];

/** What central did with the park's drops, as last fetched (`park.*` read API). */
export interface GlobalView {
  /** When central last answered (agent clock, ISO 8601); null before the first answer. */
  fetchedAt: string | null;
  /** Why the last fetch failed; null after a good one (the last good view is kept). */
  error: string | null;
  /** Today's counts by state, the last upload, the oldest unprocessed drop. */
  standing: ParkReads['standing'] | null;
  /** The newest drops (up to `GLOBAL_VIEW_DROPS`), each with central's state and error. */
  drops: ParkReads['drops']['drops'];
  /** The newest finished reports (ready or failed). */
  reports: ParkReads['reports']['reports'];
}

/** Drops and reports fetched per refresh: what a status page shows, not the history. */
export const GLOBAL_VIEW_DROPS = 100;
export const GLOBAL_VIEW_REPORTS = 20;

export interface CentralViewDeps {
  client: CentralClient;
  log: Logger;
  intervalSeconds: number;
  /** Called with each view central answered (not after a failed fetch). */
  viewed?: (view: GlobalView) => void;
}

/**
 * Fetches the park's global view from central every `intervalSeconds` (and on `refresh`).
 * A failure keeps the last good view and records the error; it never touches the upload
 * link (reading is not uploading).
 */
export class CentralViewLoop {
  private readonly task: PeriodicTask<GlobalView>;
  private view: GlobalView = {
    fetchedAt: null,
    error: null,
    standing: null,
    drops: [],
    reports: [],
  };

  constructor(private readonly deps: CentralViewDeps) {
    this.task = new PeriodicTask(() => this.fetch(), deps.intervalSeconds * 1000);
  }

  /** Fetches now (joining a fetch in flight) and answers the view; never throws. */
  refresh(): Promise<GlobalView> {
    return this.task.now();
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  status(): GlobalView {
    return this.view;
  }

  private async fetch(): Promise<GlobalView> {
    const { client } = this.deps;
    try {
      const [standing, drops, reports] = await Promise.all([
        client.park.standing.query(),
        client.park.drops.query({ limit: GLOBAL_VIEW_DROPS }),
        client.park.reports.query({ limit: GLOBAL_VIEW_REPORTS }),
      ]);
      this.view = {
        fetchedAt: new Date().toISOString(),
        error: null,
        standing,
        drops: drops.drops,
        reports: reports.reports,
      };
    } catch (err) {
      const error = `cannot fetch the park's view from central: ${describeCentralError(err, "fetching the park's view")}`;
      this.deps.log.warn({ reason: error }, 'global view not refreshed; keeping the last one');
      this.view = { ...this.view, error };
      return this.view;
    }
    try {
      this.deps.viewed?.(this.view);
    } catch (err) {
      // What the view is used for must not undo the view (refresh never throws).
      this.deps.log.error({ err }, 'acting on the global view failed');
    }
    return this.view;
  }
}
