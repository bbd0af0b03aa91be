import { initTRPC, TRPCError } from '@trpc/server';
import type { CentralContext } from './context.ts';

// isDev false: error responses go to parks over the internet and must not carry stack traces.
const t = initTRPC.context<CentralContext>().create({ isDev: false });

/** Builds routers; the one tRPC instance of the central API. */
export const router = t.router;

/** A procedure anyone may call (none of the ingest ones). */
export const publicProcedure = t.procedure;

/** The sentence a park technician sees for any token problem; it names the fix. */
export const UNRECOGNISED_TOKEN_MESSAGE =
  "park token not recognised: check the token in the agent's settings or ask Zamperla for a new one";

/** A procedure that requires `Authorization: Bearer <park token>` and puts the park in ctx. */
export const parkProcedure = t.procedure.use(async ({ ctx, next }) => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.authorization ?? '');
  const park = match?.[1] ? await ctx.auth.parkForToken(match[1]) : null;
  if (!park) throw new TRPCError({ code: 'UNAUTHORIZED', message: UNRECOGNISED_TOKEN_MESSAGE });
  return next({ ctx: { ...ctx, park, log: ctx.log.child({ park: park.id }) } });
});
