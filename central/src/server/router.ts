import { agentRouter } from './routers/agent.ts';
import { ingestRouter } from './routers/ingest.ts';
import { parkRouter } from './routers/park.ts';
import { router } from './trpc.ts';

/** The central API as parks (and later the dashboard) see it. */
export const appRouter = router({
  ingest: ingestRouter,
  agent: agentRouter,
  park: parkRouter,
});

/** Import with `import type` from clients; tRPC infers every call from it. */
export type AppRouter = typeof appRouter;
