import { createHash } from 'node:crypto';

/** The OpenSSH fingerprint of a raw host key blob: `SHA256:` + unpadded base64. */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/**
 * The gateway presented a host key other than the pinned one: either the gateway was
 * replaced or someone is in the middle. Nothing is pulled until a person confirms the key.
 */
export class HostKeyMismatchError extends Error {
  override readonly name = 'HostKeyMismatchError';
  constructor(
    readonly expected: string,
    readonly got: string,
  ) {
    super(
      `the gateway's host key changed (expected ${expected}, got ${got}): ` +
        'the ride is stopped until a technician confirms the new key',
    );
  }
}

/**
 * First contact with a gateway whose host key is not pinned yet: the key it presented is
 * shown, and nothing is sent or pulled until a person accepts it (`acceptHostKey`).
 */
export class HostKeyUnconfirmedError extends Error {
  override readonly name = 'HostKeyUnconfirmedError';
  constructor(readonly presented: string) {
    super(
      `the gateway presented host key ${presented}, which nobody has accepted yet: compare it ` +
        'with `ssh-keygen -lf <host key>.pub -E sha256` on the gateway and accept it in the ' +
        'ride settings; nothing is pulled until then',
    );
  }
}
