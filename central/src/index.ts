/** What tests, the demo and other tools use to run central in-process. */
export { appRouter } from './server/router.ts';
export type { AppRouter } from './server/router.ts';
export { startCentral } from './central.ts';
export type { RunningCentral, StartCentralOptions } from './central.ts';
export { startWorker } from './worker/worker.ts';
export type { RunningWorker, WorkerOptions } from './worker/worker.ts';
export { loadConfig, loadDatabaseConfig, ConfigError } from './config.ts';
export type { CentralConfig, DatabaseConfig } from './config.ts';
export { runMigrations } from './db/migrate.ts';
export { createPool } from './db/pool.ts';
export {
  createPark,
  createParkToken,
  issueParkToken,
  revokeParkToken,
  revokeParkTokenById,
  renameRide,
  parkForToken,
  ParkExistsError,
  ParkNotFoundError,
} from './parks/park-store.ts';
export { createUser, listUsers, setUserRole, UserError } from './users/user-store.ts';
export type { CreateUserInput } from './users/user-store.ts';
export type { Role, SessionView, UserView } from './users/auth-schemas.ts';
export type * from './dashboard/dashboard-schemas.ts';
export { sweepStuckJobs } from './batches/stuck-job-sweeper.ts';
export type { CreateParkInput } from './parks/park-store.ts';
export { requestReport, reportStatus, ReportRequestError } from './reports/report-store.ts';
export { parkDetail } from './dashboard/park-detail.ts';
export { rideDetail } from './dashboard/ride-detail.ts';
export type { ReportStatus, RequestReportInput } from './reports/report-store.ts';
export { createLogger } from './logger.ts';
export type { ParkIdentity } from './server/park-identity.ts';
export { retryBatch, BatchRetryError } from './batches/batch-retry.ts';
export { parkAgentHealth } from './agents/heartbeat-store.ts';
export type { ParkAgentHealth } from './agents/heartbeat-store.ts';
export type { HeartbeatInput } from './agents/heartbeat-schemas.ts';
export { addReportRule, listReportRules, setReportRuleEnabled } from './scheduler/report-rules.ts';
export type { AddReportRuleInput, ReportRule } from './scheduler/report-rules.ts';
export { startReportScheduler } from './scheduler/report-scheduler.ts';
