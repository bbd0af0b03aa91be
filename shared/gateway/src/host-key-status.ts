import type { ConnectionConfig } from './connection.ts';
import { HostKeyMismatchError, HostKeyUnconfirmedError } from './host-key.ts';

/** The host key of an SFTP gateway as the client side knows it. */
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

/** The host-key status of a connection before any contact. */
export function initialHostKey(conn: ConnectionConfig): HostKeyStatus {
  if (conn.type !== 'sftp') return { state: 'not_applicable', pinned: null, presented: null };
  const pinned = conn.hostKeySha256 ?? null;
  return { state: pinned ? 'pinned' : 'unconfirmed', pinned, presented: null };
}

/** The host-key status after a connection attempt that failed with `err`, if it says anything. */
export function hostKeyAfterError(conn: ConnectionConfig, err: unknown): HostKeyStatus | null {
  if (err instanceof HostKeyUnconfirmedError) {
    return { state: 'unconfirmed', pinned: null, presented: err.presented };
  }
  if (err instanceof HostKeyMismatchError) {
    return { state: 'changed', pinned: err.expected, presented: err.got };
  }
  return conn.type === 'sftp' ? null : initialHostKey(conn);
}

/** The host-key status after a successful login: the pinned key was presented. */
export function hostKeyAfterLogin(conn: ConnectionConfig): HostKeyStatus {
  const status = initialHostKey(conn);
  return { ...status, presented: status.pinned };
}
