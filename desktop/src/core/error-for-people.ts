/**
 * An error's text as a person should read it. The agent's own errors are sentences already
 * (what happened, what to do) and pass as they are. What nobody wrote for people — a bug in
 * the agent or a library (a TypeError such as "Cannot read properties of undefined"), or
 * SQLite failing under the buffer — is said as what it is, with what to do, the original
 * text kept in brackets for support.
 */
export function errorForPeople(err: unknown, doing: string): string {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    return `the agent's database failed while ${doing} (${code}: ${e.message}): check that the disk of the data directory is healthy and has free space; the agent tries again by itself`;
  }
  if (isInternal(e)) {
    return `the agent hit an unexpected error while ${doing} (${e.name}: ${e.message}): it tries again by itself; if this keeps coming back, send the agent's log to Zamperla support`;
  }
  return e.message;
}

/** Errors of the program itself, not of anything outside it. */
function isInternal(e: Error): boolean {
  // Node's fetch reports an unreachable server as TypeError("fetch failed"): not a bug.
  if (e instanceof TypeError) return e.message !== 'fetch failed';
  return e instanceof ReferenceError || e instanceof RangeError;
}
