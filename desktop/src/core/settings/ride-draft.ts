import {
  DEFAULT_PULL_SCHEDULE,
  rideConfigSchema,
  rideDraftSchema,
  type RideConfig,
  type RideDraft,
} from './config.ts';

/** A ride the form sent cannot be used; the message names each bad field. */
export class RideDraftError extends Error {
  override readonly name = 'RideDraftError';
}

/**
 * Turns what the UI's form sent into a complete ride. On an edit (`existing` given) the
 * credentials left out are kept (same connection type, and for SFTP no other credential
 * given), and the pinned host key stays while host and port stay: a new gateway address means
 * a new first contact.
 */
export function completeRide(draftInput: RideDraft, existing?: RideConfig): RideConfig {
  const draft = rideDraftSchema.parse(draftInput);
  const conn: Record<string, unknown> = { ...draft.connection };
  const old = existing?.connection;
  if (old?.type === 'sftp' && draft.connection.type === 'sftp') {
    const d = draft.connection;
    if (d.password === undefined && d.privateKey === undefined && d.privateKeyPath === undefined) {
      conn.password = old.password;
      conn.privateKey = old.privateKey;
      conn.privateKeyPath = old.privateKeyPath;
    }
    if (d.hostKeySha256 === undefined && d.host === old.host && d.port === old.port) {
      conn.hostKeySha256 = old.hostKeySha256;
    }
  }
  if (old?.type === 'http' && draft.connection.type === 'http') {
    const d = draft.connection;
    if (d.password === undefined && d.username !== undefined && d.username === old.username) {
      conn.password = old.password;
    }
  }
  const defined = Object.fromEntries(Object.entries(conn).filter(([, v]) => v !== undefined));
  const parsed = rideConfigSchema.safeParse({ ...draft, connection: defined });
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) => `${i.path.length ? i.path.join('.') : 'ride'}: ${i.message}`,
    );
    throw new RideDraftError(`the ride is not valid: ${lines.join('; ')}`);
  }
  return { ...parsed.data, schedule: parsed.data.schedule ?? [...DEFAULT_PULL_SCHEDULE] };
}

/** A ride's connection without its credentials, and which credentials are stored. */
export type ConnectionView =
  | (Omit<Extract<RideConfig['connection'], { type: 'sftp' }>, 'password' | 'privateKey'> & {
      hasPassword: boolean;
      hasPrivateKey: boolean;
    })
  | (Omit<Extract<RideConfig['connection'], { type: 'http' }>, 'password'> & {
      hasPassword: boolean;
    });

/** The connection as the UI may show it: no credential ever leaves the agent. */
export function connectionView(conn: RideConfig['connection']): ConnectionView {
  if (conn.type === 'sftp') {
    const { password, privateKey, ...rest } = conn;
    return {
      ...rest,
      hasPassword: password !== undefined,
      hasPrivateKey: privateKey !== undefined,
    };
  }
  const { password, ...rest } = conn;
  return { ...rest, hasPassword: password !== undefined };
}
