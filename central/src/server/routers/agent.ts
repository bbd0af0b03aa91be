import { heartbeatInputSchema, heartbeatOutputSchema } from '../../agents/heartbeat-schemas.ts';
import { parkProcedure, router } from '../trpc.ts';

/** What a park agent reports about itself (docs/job-contracts.md, "Agent API"). */
export const agentRouter = router({
  heartbeat: parkProcedure
    .input(heartbeatInputSchema)
    .output(heartbeatOutputSchema)
    .mutation(({ ctx, input }) => ctx.heartbeats.record(ctx.park, input)),
});
