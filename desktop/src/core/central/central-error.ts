import { TRPCClientError } from '@trpc/client';
import { CentralTimeoutError } from './central-fetch.ts';
import { errorForPeople } from '../error-for-people.ts';

/** Central's tRPC error code (`BAD_REQUEST`, `TOO_MANY_REQUESTS`, …); undefined without one. */
export function centralErrorCode(err: unknown): string | undefined {
  if (!(err instanceof TRPCClientError)) return undefined;
  const data: unknown = err.data;
  if (data && typeof data === 'object' && 'code' in data && typeof data.code === 'string') {
    return data.code;
  }
  return undefined;
}

/**
 * tRPC's answer for a path central's router does not have: a central from before the call was
 * added (a rolled-back upgrade, docs/operations.md). An unknown upload is NOT_FOUND too, with
 * another message.
 */
export function isUnknownProcedure(err: unknown): boolean {
  return (
    centralErrorCode(err) === 'NOT_FOUND' &&
    err instanceof Error &&
    err.message.startsWith('No procedure found on path')
  );
}

/**
 * A call to central that failed, in words: central's own message with its code, a deadline
 * it missed, or what the network said (e.g. "central is unreachable (ECONNREFUSED): fetch
 * failed"). Anything else goes through {@link errorForPeople}.
 */
export function describeCentralError(err: unknown, doing: string): string {
  if (err instanceof TRPCClientError) {
    const code = centralErrorCode(err);
    if (code) return `central refused (${code}): ${err.message}`;
    if (err.cause instanceof CentralTimeoutError) return err.cause.message;
    const cause = (err.cause as Error | undefined)?.cause as { code?: string } | undefined;
    return `central is unreachable${cause?.code ? ` (${cause.code})` : ''}: ${err.message}`;
  }
  return errorForPeople(err, doing);
}
