import { infrastructureFault } from '../infra/infrastructure-fault.ts';

/**
 * True when `err` says the database connection is gone, cannot be made or stopped answering
 * (as opposed to a query PostgreSQL refused): worth a retry once the database is back, not a
 * bug report. A client-side timeout counts: the statement may or may not have run.
 */
export function isConnectionLost(err: unknown): boolean {
  const fault = infrastructureFault(err, 'postgres');
  return fault?.dependency === 'postgres';
}
