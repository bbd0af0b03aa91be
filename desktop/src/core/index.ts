/** The park agent core: plain Node, used headless (cli.ts) and by the Electron shell. */
export { createAgent, type Agent, type AgentObserver, type AgentOptions } from './agent.ts';
export { createAgentMetrics, type AgentMetrics } from './agent-metrics.ts';
export { createStatusRouter, type AgentRouter, type StatusContext } from './status-router.ts';
export { startStatusServer, type StatusServer, type StatusServerOptions } from './status-server.ts';
export {
  summarize,
  type AgentStatus,
  type ProblemDrop,
  type RideStatus,
  type RunSummary,
} from './agent-status.ts';
export { fullJitterDelayMs } from './backoff.ts';
export {
  bufferSpace,
  formatBytes,
  makeRoom,
  type BufferSpaceConfig,
  type BufferSpaceStatus,
} from './buffer-space.ts';
export { CentralLink, type CentralLinkStatus } from './central-link.ts';
export {
  afterBufferSchema,
  agentConfigSchema,
  bufferConfigSchema,
  uploadConfigSchema,
  type AfterBuffer,
  connectionSchema,
  sftpConnectionSchema,
  ConfigError,
  loadAgentConfig,
  parseAgentConfig,
  type AgentConfig,
  type AgentConfigInput,
  type ConnectionConfig,
  type RideConfig,
  type SftpConnectionConfig,
} from './config.ts';
export {
  DropBuffer,
  type CentralAnswer,
  type PulledDrop,
  type RemoteFileRef,
} from './buffer/drop-buffer.ts';
export { DROP_STATES, type DropRecord, type DropState } from './buffer/drop-record.ts';
export { createCentralClient, type CentralClient } from './central-client.ts';
export { connectGateway } from './gateway/create-gateway-client.ts';
export type { GatewayClient, RemoteFile } from './gateway/gateway-client.ts';
export { HostKeyMismatchError, hostKeyFingerprint } from './gateway/host-key.ts';
export { connectSftpGateway } from './gateway/sftp-gateway-client.ts';
export {
  AGENT_VERSION,
  HeartbeatLoop,
  type Heartbeat,
  type HeartbeatLoopDeps,
  type HeartbeatStatus,
} from './heartbeat-loop.ts';
export { createLogger, silentLogger, type Logger } from './logger.ts';
export { pullRide, type DropVerifier, type PullDeps, type RidePullResult } from './pull.ts';
export { describePullRule } from './describe-pull-rule.ts';
export { isCronExpression, startPullRules, type PullRules } from './pull-rules.ts';
export { PullScheduler } from './pull-scheduler.ts';
export { SettleTracker } from './settle-tracker.ts';
export { UploadLoop, type UploadLoopDeps } from './upload-loop.ts';
export { uploadBuffered, type UploadDeps, type UploadRoundResult } from './upload.ts';
