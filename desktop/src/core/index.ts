/** The park agent core: plain Node, used headless (cli.ts) and by the Electron shell. */
export {
  createAgent,
  type Agent,
  type AgentObserver,
  type AgentOptions,
  type RideView,
  type SettingsView,
} from './agent.ts';
export {
  CentralViewLoop,
  type GlobalView,
  GLOBAL_VIEW_DROPS,
  GLOBAL_VIEW_REPORTS,
} from './central/central-view.ts';
export {
  testConnection,
  type ConnectionTestResult,
  type HostKeyStatus,
} from './settings/connection-test.ts';
export { recheckQuarantined, type RecheckResult } from './quarantine/quarantine.ts';
export {
  completeRide,
  connectionView,
  RideDraftError,
  type ConnectionView,
} from './settings/ride-draft.ts';
export { KeyFileSecretStore } from './secrets/key-file-secret-store.ts';
export {
  safeStorageSecretStore,
  type SafeStorageLike,
} from './secrets/safe-storage-secret-store.ts';
export { SecretStoreError, type SecretStore } from './secrets/secret-store.ts';
export { RideStore, type LoadedRide, type RideSource } from './store/ride-store.ts';
export {
  agentSettingsPatchSchema,
  agentSettingsSchema,
  SettingsStore,
  type AgentSettings,
  type AgentSettingsPatch,
} from './store/settings-store.ts';
export { UploadThrottle, realClock, type ThrottleClock } from './upload/upload-throttle.ts';
export { createAgentMetrics, type AgentMetrics } from './status/agent-metrics.ts';
export {
  createStatusRouter,
  type AgentRouter,
  type StatusContext,
} from './status/status-router.ts';
export {
  startStatusServer,
  type StatusServer,
  type StatusServerOptions,
} from './status/status-server.ts';
export {
  summarize,
  type AgentStatus,
  type ProblemDrop,
  type RideStatus,
  type RunSummary,
} from './status/agent-status.ts';
export { fullJitterDelayMs } from './upload/backoff.ts';
export {
  bufferSpace,
  formatBytes,
  makeRoom,
  type BufferSpaceConfig,
  type BufferSpaceStatus,
} from './buffer/buffer-space.ts';
export { CentralLink, type CentralLinkStatus } from './central/central-link.ts';
export {
  afterBufferSchema,
  agentConfigSchema,
  bufferConfigSchema,
  uploadConfigSchema,
  type AfterBuffer,
  connectionSchema,
  connectionDraftSchema,
  httpConnectionSchema,
  rideConfigSchema,
  rideDraftSchema,
  sftpConnectionSchema,
  CREDENTIAL_FIELDS,
  ConfigError,
  loadAgentConfig,
  parseAgentConfig,
  type AgentConfig,
  type AgentConfigInput,
  type ConnectionConfig,
  type RideConfig,
  type SftpConnectionConfig,
  type HttpConnectionConfig,
  type RideDraft,
} from './settings/config.ts';
export {
  DropBuffer,
  type CentralAnswer,
  type PulledDrop,
  type RemoteFileRef,
} from './buffer/drop-buffer.ts';
export { DROP_STATES, type DropRecord, type DropState } from './buffer/drop-record.ts';
export { createCentralClient, type CentralClient } from './central/central-client.ts';
// Gateway clients, host keys and the settle rule: import them from `@zra/gateway`.
export {
  AGENT_VERSION,
  HeartbeatLoop,
  type Heartbeat,
  type HeartbeatLoopDeps,
  type HeartbeatStatus,
} from './central/heartbeat-loop.ts';
export { createLogger, silentLogger, type Logger } from './logger.ts';
export { pullRide, type DropVerifier, type PullDeps, type RidePullResult } from './pull/pull.ts';
export { describePullRule } from './pull/describe-pull-rule.ts';
export { startPullRules, type PullRules } from './pull/pull-rules.ts';
export { PullScheduler } from './pull/pull-scheduler.ts';
export { UploadLoop, type UploadLoopDeps } from './upload/upload-loop.ts';
export { uploadBuffered, type UploadDeps, type UploadRoundResult } from './upload/upload.ts';
