import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { DomainError, type DomainErrorKind } from '../domain-error.ts';
import { dependencyName, infrastructureFault } from '../infra/infrastructure-fault.ts';
import { hashParkToken } from '../parks/park-tokens.ts';
import { RateLimitedError } from '../ingest/rate-limiter.ts';
import { describeInput, recordAudit } from '../users/audit-log.ts';
import { csrfMatches } from '../users/session-store.ts';
import type { CentralContext } from './context.ts';
import { containsNul, NUL_MESSAGE } from './nul-characters.ts';
import { MAX_BATCH_CALLS } from './batch-limit.ts';

// isDev false: error responses go to parks over the internet and must not carry stack traces.
const t = initTRPC.context<CentralContext>().create({
  isDev: false,
  errorFormatter({ shape, error }) {
    // tRPC's own refusal of an oversized batch (maxBatchSize) says what, not what to do.
    if (error.message === 'Batch call exceeds maximum size') {
      return {
        ...shape,
        message: `Batch call exceeds maximum size: one request carries at most ${MAX_BATCH_CALLS} calls; send the others in further requests`,
      };
    }
    // A refused call (rate limit, quota, sign-in throttle) says how long to wait (also the
    // `retry-after` header); the agent's back-off honours it.
    const retryAfterS =
      error.cause instanceof RateLimitedError
        ? Math.ceil(error.cause.retryAfterMs / 1000)
        : undefined;
    return retryAfterS === undefined ? shape : { ...shape, data: { ...shape.data, retryAfterS } };
  },
});

/** Builds routers; the one tRPC instance of the central API. */
export const router = t.router;

/** Joins routers into one namespace (several files' procedures under `admin`). */
export const mergeRouters = t.mergeRouters;

const TRPC_CODE: Record<DomainErrorKind, TRPC_ERROR_CODE_KEY> = {
  not_found: 'NOT_FOUND',
  conflict: 'CONFLICT',
  invalid_input: 'BAD_REQUEST',
  precondition_failed: 'PRECONDITION_FAILED',
  unavailable: 'SERVICE_UNAVAILABLE',
};

/**
 * Services throw DomainErrors; the API answers them with the matching tRPC code and message.
 * Anything else that escapes a procedure (a dependency that is down, a bug) would reach the
 * agent or the dashboard as its raw text (driver messages, addresses, paths): it is answered
 * with a sentence instead, and the raw error stays in the log (the cause).
 */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof DomainError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: TRPC_CODE[cause.kind], message: cause.message, cause });
  }
  // A limit (a full password-hashing queue, a quota) refused the call: wait and try again.
  if (!result.ok && result.error.cause instanceof RateLimitedError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: cause.message, cause });
  }
  // PostgreSQL refused a character in text (NUL): the caller's input, not our failure.
  if (!result.ok && isBadTextError(result.error.cause)) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: NUL_MESSAGE, cause: result.error.cause });
  }
  if (!result.ok && result.error.code === 'INTERNAL_SERVER_ERROR' && result.error.cause) {
    const cause = result.error.cause;
    const fault = infrastructureFault(cause);
    if (fault) {
      throw new TRPCError({
        code: 'SERVICE_UNAVAILABLE',
        message: `central cannot reach ${dependencyName(fault.dependency)} right now (${fault.summary}): try again in a minute; if it lasts, tell the Zamperla operators`,
        cause,
      });
    }
    throw new TRPCError({
      code: 'INTERNAL_SERVER_ERROR',
      message:
        'central failed unexpectedly (an error on its side, logged for Zamperla): try again; if it keeps happening, tell Zamperla support when it happened',
      cause,
    });
  }
  return result;
});

/** PostgreSQL's "invalid byte sequence" / "untranslatable character" (a NUL in text). */
function isBadTextError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '22021' || code === '22P05';
}

/**
 * Text with a NUL character is refused as bad input before any procedure runs (PostgreSQL
 * cannot store it; it was a 500 with the driver's text and an error log, before sign-in).
 */
const noNulCharacters = t.middleware(async ({ next, getRawInput }) => {
  const raw = await getRawInput().catch(() => undefined);
  if (containsNul(raw)) throw new TRPCError({ code: 'BAD_REQUEST', message: NUL_MESSAGE });
  return next();
});

/** A procedure anyone may call (only `auth.login`). */
export const publicProcedure = t.procedure.use(domainErrors).use(noNulCharacters);

/**
 * For `auth.*` and other procedures that check a password: one per HTTP request. A batch of
 * many sign-ins in one request was one request for every per-request defence while it ran
 * scrypt hundreds of times.
 */
export const alone = t.middleware(({ ctx, next, path }) => {
  if (ctx.batchCalls > 1) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `${path} cannot be batched with other calls: send it in a request of its own`,
    });
  }
  return next();
});

/** The sentence a park technician sees for any token problem; it names the fix. */
export const UNRECOGNISED_TOKEN_MESSAGE =
  "park token not recognised: check the token in the agent's settings or ask Zamperla for a new one";

/** A procedure that requires `Authorization: Bearer <park token>` and puts the park in ctx. */
export const parkProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.authorization ?? '');
  const token = match?.[1];
  const park = token ? await ctx.auth.parkForToken(token) : null;
  if (!park || !token) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: UNRECOGNISED_TOKEN_MESSAGE });
  }
  // Only what is new: tRPC merges it into the context (a spread here copied all of it twice).
  return next({
    ctx: { park, tokenHash: hashParkToken(token), log: ctx.log.child({ park: park.id }) },
  });
});

/** The calls one `ingest.put` replaces: begin, one chunk, commit. */
const PUT_CALLS = 3;

/** A park procedure that takes `cost` tokens of the park token's rate-limit bucket. */
function rateLimited(cost: number) {
  return parkProcedure.use(({ ctx, next }) => {
    try {
      ctx.ingestLimiter.take(ctx.tokenHash, cost);
    } catch (err) {
      if (!(err instanceof RateLimitedError)) throw err;
      throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: err.message, cause: err });
    }
    return next();
  });
}

/** An ingest call: a park token, and one token of that park token's rate-limit bucket. */
export const ingestProcedure = rateLimited(1);

/**
 * `ingest.put`: a drop in one request costs the three calls it replaces (begin, chunk,
 * commit), so a park catching up gets no more drops a second by sending them whole.
 */
export const putProcedure = rateLimited(PUT_CALLS);

/** The message of a mutation without the right CSRF header. */
export const CSRF_MESSAGE =
  'missing or wrong x-zra-csrf header: send the csrfToken from auth.login or auth.me with every change';

/**
 * A dashboard procedure for any signed-in user (viewer or admin). The session comes from the
 * HttpOnly cookie; a mutation must also carry the session's CSRF token in `x-zra-csrf`, which
 * another site's page cannot read or set (custom headers need a CORS preflight we never grant).
 */
export const userProcedure = publicProcedure.use(async ({ ctx, next, type }) => {
  const session = await ctx.currentSession();
  if (!session || !ctx.sessionId) {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: 'not signed in, or the session expired: sign in again',
    });
  }
  if (type === 'mutation' && !csrfMatches(ctx.csrfHeader, session.csrfToken)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: CSRF_MESSAGE });
  }
  return next({
    ctx: {
      ...ctx,
      session,
      sessionId: ctx.sessionId,
      user: session.user,
      log: ctx.log.child({ user: session.user.username }),
    },
  });
});

/**
 * A dashboard procedure only admins may call; a viewer gets FORBIDDEN. Every admin mutation that
 * succeeds is written to the audit log (who, what, to what, when; the input without secrets).
 */
export const adminProcedure = userProcedure
  .use(({ ctx, next }) => {
    if (ctx.user.role !== 'admin') {
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: `this needs the admin role; "${ctx.user.username}" is a ${ctx.user.role}`,
      });
    }
    return next();
  })
  .use(async ({ ctx, next, path, type, getRawInput }) => {
    const result = await next();
    if (type !== 'mutation' || !result.ok) return result;
    const { target, details } = describeInput(await getRawInput().catch(() => undefined));
    const entry = { actor: ctx.user.username, action: path, target, details };
    try {
      await recordAudit(ctx.pool, entry);
    } catch (err) {
      // The action is done and cannot be taken back; the entry goes to the log instead.
      ctx.log.error({ err, audit: entry }, 'the audit log could not be written; entry logged here');
    }
    return result;
  });
