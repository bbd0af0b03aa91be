import { DROP_PUT_PATH } from '@zra/shared';
import { appRouter } from './router.ts';

const PROCEDURES = new Set(Object.keys(appRouter._def.procedures));
const PLAIN_PATHS = new Set(['/healthz', '/readyz', '/metrics', DROP_PUT_PATH]);

/** The `route` label of a batch of several distinct procedures. */
export const BATCH_ROUTE = 'trpc:batch';

/**
 * The `route` label of a request: the tRPC procedure (`ingest.chunk`; a batch that repeats one
 * procedure is labelled by it), `trpc:batch` for a batch of several procedures, `trpc:unknown`,
 * a known plain path, or `other`. Label values come only from the router's own procedure
 * names, never from what a caller typed: not even combinations of them (a batch's set of
 * procedures is caller-chosen, and the combinations of ~50 names have no useful bound).
 */
export function routeLabel(path: string): string {
  if (path.startsWith('/trpc/')) {
    const names = new Set(path.slice('/trpc/'.length).split(','));
    if (![...names].every((n) => PROCEDURES.has(n))) return 'trpc:unknown';
    return names.size === 1 ? ([...names][0] as string) : BATCH_ROUTE;
  }
  if (path.startsWith('/files/reports/')) return '/files/reports';
  return PLAIN_PATHS.has(path) ? path : 'other';
}
