import { initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { Agent } from './agent.ts';

/** Per request: whether it carried the local access token. */
export interface StatusContext {
  authorized: boolean;
}

const t = initTRPC.context<StatusContext>().create();

const localProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.authorized) {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message:
        'missing or wrong local access token: send "Authorization: Bearer <token>" with the token from <dataDir>/status-token',
    });
  }
  return next();
});

/** The local status API of a headless agent: its status, and a pull on demand. */
export function createStatusRouter(agent: Agent) {
  return t.router({
    status: localProcedure.query(() => agent.status()),
    pullNow: localProcedure
      .input(z.strictObject({ ride: z.string().min(1).optional() }).optional())
      .mutation(async ({ input }) => {
        try {
          return await agent.pullNow(input?.ride);
        } catch (err) {
          throw new TRPCError({ code: 'BAD_REQUEST', message: (err as Error).message });
        }
      }),
  });
}

/** The router's type, for a typed client (`createTRPCClient<AgentRouter>`). */
export type AgentRouter = ReturnType<typeof createStatusRouter>;
