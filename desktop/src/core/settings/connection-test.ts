import type { Logger } from 'pino';
import type { RideConfig } from './config.ts';
import { errorForPeople } from '../error-for-people.ts';
import { GatewayUnreachableError, type GatewayClient } from '../gateway/gateway-client.ts';
import { HostKeyMismatchError, HostKeyUnconfirmedError } from '../gateway/host-key.ts';

/** The host key of an SFTP gateway as the agent knows it. */
export interface HostKeyStatus {
  /**
   * `pinned`: the gateway presented the accepted key (or has not been contacted yet);
   * `unconfirmed`: no key accepted yet; `presented` (once contacted) waits for a person;
   * `changed`: the gateway presented another key than the pinned one; the ride is stopped;
   * `not_applicable`: HTTP(S) gateway (TLS certificates are checked as usual).
   */
  state: 'pinned' | 'unconfirmed' | 'changed' | 'not_applicable';
  /** The accepted fingerprint (`SHA256:…`), if any. */
  pinned: string | null;
  /** What the gateway presented at the last contact, if known. */
  presented: string | null;
}

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

/** The host-key status a ride has before any contact. */
export function initialHostKey(ride: RideConfig): HostKeyStatus {
  if (ride.connection.type !== 'sftp') {
    return { state: 'not_applicable', pinned: null, presented: null };
  }
  const pinned = ride.connection.hostKeySha256 ?? null;
  return { state: pinned ? 'pinned' : 'unconfirmed', pinned, presented: null };
}

/** The host-key status after a connection attempt that failed with `err`, if it says anything. */
export function hostKeyAfterError(ride: RideConfig, err: unknown): HostKeyStatus | null {
  if (err instanceof HostKeyUnconfirmedError) {
    return { state: 'unconfirmed', pinned: null, presented: err.presented };
  }
  if (err instanceof HostKeyMismatchError) {
    return { state: 'changed', pinned: err.expected, presented: err.got };
  }
  return ride.connection.type === 'sftp' ? null : initialHostKey(ride);
}

/** The host-key status after a successful login: the pinned key was presented. */
export function hostKeyAfterLogin(ride: RideConfig): HostKeyStatus {
  const status = initialHostKey(ride);
  return { ...status, presented: status.pinned };
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
    hostKey: initialHostKey(ride),
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
    result.hostKey = hostKeyAfterError(ride, err) ?? result.hostKey;
    result.error = errorForPeople(err, 'connecting to the gateway');
    return result;
  }
  try {
    if (ride.connection.type === 'sftp') {
      result.reachable = true;
      result.loggedIn = true;
      result.hostKey = hostKeyAfterLogin(ride);
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
