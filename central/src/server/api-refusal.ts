import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { DomainError, type DomainErrorKind } from '../domain-error.ts';
import { dependencyName, infrastructureFault } from '../infra/infrastructure-fault.ts';
import { RateLimitedError } from '../ingest/rate-limiter.ts';
import { NUL_MESSAGE } from './nul-characters.ts';

/** What the API answers for an error: its code, the sentence the caller sees, and any wait. */
export interface ApiRefusal {
  code: TRPC_ERROR_CODE_KEY;
  message: string;
  /** A limit refused the call: how long to wait (the `retry-after` header). */
  retryAfterMs?: number;
}

const CODE_OF_KIND: Record<DomainErrorKind, TRPC_ERROR_CODE_KEY> = {
  not_found: 'NOT_FOUND',
  conflict: 'CONFLICT',
  invalid_input: 'BAD_REQUEST',
  precondition_failed: 'PRECONDITION_FAILED',
  unavailable: 'SERVICE_UNAVAILABLE',
};

/**
 * The caller's part of a failure: a DomainError (its kind's code and its message), a limit
 * (a full password-hashing queue, a quota, the rate limit: wait and try again), or text
 * PostgreSQL refused (a NUL character). Null for anything else.
 */
export function refusalOf(cause: unknown): ApiRefusal | null {
  if (cause instanceof DomainError)
    return { code: CODE_OF_KIND[cause.kind], message: cause.message };
  if (cause instanceof RateLimitedError) {
    return { code: 'TOO_MANY_REQUESTS', message: cause.message, retryAfterMs: cause.retryAfterMs };
  }
  if (isBadTextError(cause)) return { code: 'BAD_REQUEST', message: NUL_MESSAGE };
  return null;
}

/**
 * Central's part of a failure, in a sentence: anything else that escapes would reach the agent
 * or the dashboard as its raw text (driver messages, addresses, paths). A dependency that is
 * down asks for a retry; a bug asks for a report. The raw error stays in the log.
 */
export function failureOf(cause: unknown): ApiRefusal {
  const fault = infrastructureFault(cause);
  if (fault) {
    return {
      code: 'SERVICE_UNAVAILABLE',
      message: `central cannot reach ${dependencyName(fault.dependency)} right now (${fault.summary}): try again in a minute; if it lasts, tell the Zamperla operators`,
    };
  }
  return {
    code: 'INTERNAL_SERVER_ERROR',
    message:
      'central failed unexpectedly (an error on its side, logged for Zamperla): try again; if it keeps happening, tell Zamperla support when it happened',
  };
}

/** PostgreSQL's "invalid byte sequence" / "untranslatable character" (a NUL in text). */
function isBadTextError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '22021' || code === '22P05';
}
