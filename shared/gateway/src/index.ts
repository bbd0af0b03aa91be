/**
 * The gateway side of a pull, for any client of a park gateway (the park agent today; central
 * may pull too): connection settings, the SFTP and HTTP(S) clients behind one interface,
 * host-key pinning, the settle rule, download to a temp file with verification, and what
 * happens to the remote file afterwards. Recording a drop is the caller's.
 */
export {
  connectionDraftSchema,
  connectionSchema,
  hostKeyFingerprintSchema,
  httpConnectionFields,
  httpConnectionSchema,
  sftpConnectionFields,
  sftpConnectionSchema,
  type ConnectionConfig,
  type HttpConnectionConfig,
  type SftpConnectionConfig,
} from './connection.ts';
export { GatewayUnreachableError, type GatewayClient, type RemoteFile } from './gateway-client.ts';
export { connectGateway } from './connect-gateway.ts';
export {
  connectSftpGateway,
  GatewayConnectionLostError,
  type SftpGatewayOptions,
} from './sftp-gateway-client.ts';
export { connectHttpGateway } from './http-gateway-client.ts';
export { HostKeyMismatchError, HostKeyUnconfirmedError, hostKeyFingerprint } from './host-key.ts';
export {
  hostKeyAfterError,
  hostKeyAfterLogin,
  initialHostKey,
  type HostKeyStatus,
} from './host-key-status.ts';
export { SettleTracker, type Sighting } from './settle-rule.ts';
export { byAppearance } from './remote-order.ts';
export {
  checkDownload,
  type DownloadCheck,
  type DownloadChecker,
  type DropVerifier,
} from './check-download.ts';
export { downloadDrop, type DropDownload } from './download-drop.ts';
export { createVerifierPool, type VerifierPool } from './verifier-pool.ts';
export {
  afterBufferSchema,
  handleRemoteFile,
  remoteHandlingInWords,
  type AfterBuffer,
  type RemoteHandled,
} from './remote-handling.ts';
export { fsyncDir, fsyncFile } from './fsync.ts';
export { sha256File } from './hash-file.ts';
