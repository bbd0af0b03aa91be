import { mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SftpConnectionConfig } from '../connection.ts';

/** What a test needs of the SFTP gateway harness (`scripts/harness/sftp-gateway.ts`). */
export interface GatewayAccess {
  host: string;
  port: number;
  username: string;
  privateKeyPath: string;
  hostKeySha256: string;
  root: string;
}

/** The harness gateway's key login with its host key pinned, as a connection config. */
export function sftpLoginTo(gw: GatewayAccess): SftpConnectionConfig {
  return {
    type: 'sftp',
    host: gw.host,
    port: gw.port,
    username: gw.username,
    privateKeyPath: gw.privateKeyPath,
    hostKeySha256: gw.hostKeySha256,
  };
}

/**
 * Puts a file on the gateway as a PLC access node would, back-dated by `ageSeconds` (default
 * one minute) so it counts as settled.
 */
export async function putOnGateway(
  gw: GatewayAccess,
  remoteDir: string,
  name: string,
  bytes: Buffer,
  ageSeconds = 60,
): Promise<string> {
  const dir = path.join(gw.root, remoteDir);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  const t = (Date.now() - ageSeconds * 1000) / 1000;
  await utimes(file, t, t);
  return file;
}
