import type { Logger } from 'pino';
import type { RideConfig } from './config.ts';
import { errorForPeople } from '../error-for-people.ts';
import {
  GatewayUnreachableError,
  hostKeyAfterError,
  hostKeyAfterLogin,
  initialHostKey,
  type GatewayClient,
  type HostKeyStatus,
} from '@zra/gateway';

export type { HostKeyStatus } from '@zra/gateway';

/** What `testConnection` found, step by step; later steps are null when an earlier one failed. */
export interface ConnectionTestResult {
  /** The gateway answered at all (an SFTP host key or an HTTP status came back). */
  reachable: boolean;
  hostKey: HostKeyStatus;
  /** The credential was accepted (SFTP login; for HTTP: the folder listing was allowed). */
  loggedIn: boolean;
  folderExists: boolean | null;
  /** `.zip` files in the ride's folder right now. */
  zipFiles: number | null;
  /** The first failure in words; null when everything worked. */
  error: string | null;
}

/**
 * Connects as a pull would (never sending a credential to an unaccepted host key), checks the
 * ride's folder and counts its `.zip` files. Never throws: every failure is in the result.
 */
export async function testConnection(
  ride: RideConfig,
  connect: (ride: RideConfig) => Promise<GatewayClient>,
  log: Logger,
): Promise<ConnectionTestResult> {
  const result: ConnectionTestResult = {
    reachable: false,
    hostKey: initialHostKey(ride.connection),
    loggedIn: false,
    folderExists: null,
    zipFiles: null,
    error: null,
  };
  let client: GatewayClient;
  try {
    client = await connect(ride);
  } catch (err) {
    result.reachable = !(err instanceof GatewayUnreachableError);
    result.hostKey = hostKeyAfterError(ride.connection, err) ?? result.hostKey;
    result.error = errorForPeople(err, 'connecting to the gateway');
    return result;
  }
  try {
    if (ride.connection.type === 'sftp') {
      result.reachable = true;
      result.loggedIn = true;
      result.hostKey = hostKeyAfterLogin(ride.connection);
    }
    result.folderExists = await client.exists(ride.remoteDir);
    result.reachable = true;
    result.loggedIn = true;
    if (result.folderExists) {
      const files = await client.list(ride.remoteDir);
      result.zipFiles = files.filter((f) => /\.zip$/i.test(f.name)).length;
    } else {
      result.error = `the folder "${ride.remoteDir}" does not exist on the gateway: check the remote folder`;
    }
  } catch (err) {
    if (!(err instanceof GatewayUnreachableError)) result.reachable = true;
    result.error = errorForPeople(err, `looking at the folder "${ride.remoteDir}" on the gateway`);
    if (ride.connection.type === 'http' && /answered (401|403)/.test(result.error)) {
      result.loggedIn = false;
    }
    log.warn({ ride: ride.id, err }, 'connection test failed');
  } finally {
    await client.close();
  }
  return result;
}
