import { accessRouter } from './routers/access.ts';
import { adminRouter } from './routers/admin.ts';
import { agentRouter } from './routers/agent.ts';
import { authRouter } from './routers/auth.ts';
import { centralPullRouter } from './routers/central-pull.ts';
import { dashboardRouter } from './routers/dashboard.ts';
import { ingestRouter } from './routers/ingest.ts';
import { parkRouter } from './routers/park.ts';
import { mergeRouters, router } from './trpc.ts';

/**
 * The central API: `ingest`, `agent`, `park` for park agents (bearer park token); `auth`,
 * `dashboard` (viewer or admin) and `admin` for the dashboard (session cookie).
 */
export const appRouter = router({
  ingest: ingestRouter,
  agent: agentRouter,
  park: parkRouter,
  auth: authRouter,
  dashboard: dashboardRouter,
  // Two files, one namespace: access.ts holds password resets, ending sessions, the audit log.
  admin: mergeRouters(adminRouter, accessRouter),
  // Central pull's rides, downloads and quarantine (viewers read, admins change).
  centralPull: centralPullRouter,
});

/** Import with `import type` from clients; tRPC infers every call from it. */
export type AppRouter = typeof appRouter;
