/**
 * The private OpenSSH SFTP gateway for tests. It lives in desktop's `core/testing` because the
 * agent's own tests need it and desktop may not reference scripts/ (scripts references
 * desktop; project references cannot form a cycle). This is its harness entry point.
 */
export {
  startSftpGateway,
  type SftpGateway,
  type SftpGatewayOptions,
} from '../../desktop/src/core/testing/sftp-gateway.ts';
