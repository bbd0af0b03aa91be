import { appRouter } from './router.ts';

const PROCEDURES = new Set(Object.keys(appRouter._def.procedures));
const PLAIN_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The `route` label of a request: the tRPC procedure path(s) (`ingest.chunk`, or the
 * sorted distinct `a,b` of a batch), a known plain path, or `other`. Anything a caller typed that is not a
 * known route collapses to one value, so a scanner cannot blow up the metric's cardinality.
 */
export function routeLabel(path: string): string {
  if (path.startsWith('/trpc/')) {
    const names = path.slice('/trpc/'.length).split(',');
    if (!names.every((n) => PROCEDURES.has(n))) return 'trpc:unknown';
    // A batch may repeat and reorder calls; the set of procedures is what bounds the labels.
    return [...new Set(names)].sort().join(',');
  }
  if (path.startsWith('/files/reports/')) return '/files/reports';
  return PLAIN_PATHS.has(path) ? path : 'other';
}
