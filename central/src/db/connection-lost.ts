/**
 * True when `err` says the database connection is gone or cannot be made (as opposed to a
 * query PostgreSQL refused): worth a retry once the database is back, not a bug report.
 */
export function isConnectionLost(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  // SQLSTATE class 08 (connection exception), and the server shutting down or starting up.
  if (/^08/.test(code) || ['57P01', '57P02', '57P03'].includes(code)) return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(code)) {
    return true;
  }
  // node-postgres reports a socket that ended under a query with this message and no code.
  return typeof e.message === 'string' && /^Connection terminated/.test(e.message);
}
