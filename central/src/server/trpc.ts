import { initTRPC, TRPCError } from '@trpc/server';
import { RateLimitedError } from '../ingest/rate-limiter.ts';
import { describeInput, recordAudit } from '../users/audit-log.ts';
import { csrfMatches } from '../users/session-store.ts';
import { failureOf, refusalOf } from './api-refusal.ts';
import type { CentralContext } from './context.ts';
import { parkOfBearer, UNRECOGNISED_TOKEN_MESSAGE } from './park-bearer.ts';
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

/**
 * Services throw DomainErrors; the API answers them with the matching tRPC code and message
 * (api-refusal.ts). Anything else that escapes a procedure (a dependency that is down, a bug)
 * is answered with a sentence instead of its raw text, which stays in the log (the cause).
 */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  const refusal =
    refusalOf(cause) ??
    (result.error.code === 'INTERNAL_SERVER_ERROR' && cause ? failureOf(cause) : null);
  if (refusal) throw new TRPCError({ code: refusal.code, message: refusal.message, cause });
  return result;
});

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

/** A procedure that requires `Authorization: Bearer <park token>` and puts the park in ctx. */
export const parkProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const bearer = await parkOfBearer(ctx.auth, ctx.authorization);
  if (!bearer) throw new TRPCError({ code: 'UNAUTHORIZED', message: UNRECOGNISED_TOKEN_MESSAGE });
  const { park, tokenHash } = bearer;
  // Only what is new: tRPC merges it into the context (a spread here copied all of it twice).
  return next({ ctx: { park, tokenHash, log: ctx.log.child({ park: park.id }) } });
});

/** The calls one `ingest.put` replaces: begin, one chunk, commit. */
export const PUT_CALLS = 3;

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
