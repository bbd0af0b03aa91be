import { afterBufferSchema, type AfterBuffer } from '@zra/gateway';
import { nextFiring } from '@zra/shared';
import type pg from 'pg';
import { DomainError } from '../domain-error.ts';
import { sealCredential } from './credential-seal.ts';
import {
  gatewaySettingsSchema,
  setRideSourceInputSchema,
  type GatewaySettings,
  type SetRideSourceInput,
} from './ride-source-schemas.ts';

type Db = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** A ride's source row as stored (the sealed credential never leaves the pull code). */
export interface RideSourceRow {
  park_id: string;
  ride_id: string;
  mode: 'app' | 'central';
  connection: unknown;
  credential_sealed: Buffer | null;
  remote_dir: string | null;
  cron: string | null;
  after_download: unknown;
  min_age_s: number;
  host_key_pinned: string | null;
  host_key_presented: string | null;
  last_attempt_at: Date | null;
  last_success_at: Date | null;
  last_error_code: string | null;
  last_error: string | null;
  consecutive_failures: number;
  files_waiting: number | null;
  files_waiting_at: Date | null;
  updated_at: Date;
  timezone: string;
  park_disabled: boolean;
}

/** What a person sees of a ride's source: everything but the credential. */
export interface RideSourceView {
  park: string;
  ride: string;
  /** The park's time zone: the schedule runs on its clock, times are shown in it. */
  timezone: string;
  /** Which path is set to feed the ride. */
  mode: 'app' | 'central';
  gateway: GatewaySettings | null;
  /** Whether a credential is stored (it is never shown). */
  hasCredential: boolean;
  remoteDir: string | null;
  cron: string | null;
  afterDownload: AfterBuffer;
  minAgeSeconds: number;
  hostKey: {
    /**
     * `pinned`: an accepted key; `presented`: the gateway showed a key nobody accepted yet;
     * `unconfirmed`: not contacted yet; `changed`: it presented another key than the accepted
     * one (the ride is stopped); `not_applicable`: HTTP(S).
     */
    state: 'pinned' | 'presented' | 'unconfirmed' | 'changed' | 'not_applicable';
    pinned: string | null;
    presented: string | null;
  };
  status: {
    lastAttemptAt: string | null;
    lastSuccessAt: string | null;
    lastErrorCode: string | null;
    lastError: string | null;
    consecutiveFailures: number;
    /** Files on the gateway central has not pulled, at the latest listing (null: never listed). */
    filesWaiting: number | null;
    filesWaitingAt: string | null;
    /** The next scheduled pull (central mode, park enabled), on the scheduler's own rule. */
    nextPullAt: string | null;
  };
  /** Where the ride's drops actually came from: the latest drop by each path. */
  fedBy: { appLastAt: string | null; centralLastAt: string | null };
}

const ROW_COLUMNS = `s.*, p.timezone, p.disabled_at IS NOT NULL AS park_disabled`;

/** One ride's source, or null when the ride has none (the park app feeds it). */
export async function rideSourceRow(
  db: Db,
  park: string,
  ride: string,
  options: { forUpdate?: boolean } = {},
): Promise<RideSourceRow | null> {
  const r = await db.query<RideSourceRow>(
    `SELECT ${ROW_COLUMNS} FROM ride_sources s JOIN parks p ON p.id = s.park_id
      WHERE s.park_id = $1 AND s.ride_id = $2 ${options.forUpdate ? 'FOR UPDATE OF s' : ''}`,
    [park, ride],
  );
  return r.rows[0] ?? null;
}

/** The rides central pulls on a schedule: central mode, in a park that is not disabled. */
export async function scheduledRideSources(db: Db): Promise<RideSourceRow[]> {
  const r = await db.query<RideSourceRow>(
    `SELECT ${ROW_COLUMNS} FROM ride_sources s JOIN parks p ON p.id = s.park_id
      WHERE s.mode = 'central' AND p.disabled_at IS NULL ORDER BY s.park_id, s.ride_id`,
  );
  return r.rows;
}

/** How many rides central pulls (a missing GATEWAY_CREDENTIALS_KEY then stops central pull). */
export async function centralPullRideCount(db: Db): Promise<number> {
  const r = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM ride_sources WHERE mode = 'central'",
  );
  return r.rows[0]?.n ?? 0;
}

/** Every ride with a source row (optionally one park's), with its status and who fed it. */
export async function listRideSources(db: Db, park?: string): Promise<RideSourceView[]> {
  const r = await db.query<
    RideSourceRow & { app_last_at: Date | null; central_last_at: Date | null }
  >(
    `SELECT ${ROW_COLUMNS},
            (SELECT max(b.received_at) FROM batches b WHERE b.park_id = s.park_id
                AND b.ride_id = s.ride_id AND b.source = 'app') AS app_last_at,
            (SELECT max(b.received_at) FROM batches b WHERE b.park_id = s.park_id
                AND b.ride_id = s.ride_id AND b.source = 'central') AS central_last_at
       FROM ride_sources s JOIN parks p ON p.id = s.park_id
      WHERE ($1::text IS NULL OR s.park_id = $1)
      ORDER BY s.park_id, s.ride_id`,
    [park ?? null],
  );
  return r.rows.map((row) => rideSourceView(row, row.app_last_at, row.central_last_at));
}

/** One ride's view; NOT_FOUND when the ride has no source settings. */
export async function getRideSource(db: Db, park: string, ride: string): Promise<RideSourceView> {
  const found = (await listRideSources(db, park)).find((s) => s.ride === ride);
  if (!found) throw noSource(park, ride);
  return found;
}

export function rideSourceView(
  row: RideSourceRow,
  appLastAt: Date | null = null,
  centralLastAt: Date | null = null,
): RideSourceView {
  const gateway = row.connection ? gatewaySettingsSchema.parse(row.connection) : null;
  const next =
    row.mode === 'central' && row.cron && !row.park_disabled
      ? nextFiring(row.cron, row.timezone, new Date())
      : null;
  return {
    park: row.park_id,
    ride: row.ride_id,
    timezone: row.timezone,
    mode: row.mode,
    gateway,
    hasCredential: row.credential_sealed !== null,
    remoteDir: row.remote_dir,
    cron: row.cron,
    afterDownload: afterBufferSchema.parse(row.after_download),
    minAgeSeconds: row.min_age_s,
    hostKey: hostKeyView(gateway, row),
    status: {
      lastAttemptAt: row.last_attempt_at?.toISOString() ?? null,
      lastSuccessAt: row.last_success_at?.toISOString() ?? null,
      lastErrorCode: row.last_error_code,
      lastError: row.last_error,
      consecutiveFailures: row.consecutive_failures,
      filesWaiting: row.files_waiting,
      filesWaitingAt: row.files_waiting_at?.toISOString() ?? null,
      nextPullAt: next?.toISOString() ?? null,
    },
    fedBy: {
      appLastAt: appLastAt?.toISOString() ?? null,
      centralLastAt: centralLastAt?.toISOString() ?? null,
    },
  };
}

function hostKeyView(
  gateway: GatewaySettings | null,
  row: Pick<RideSourceRow, 'host_key_pinned' | 'host_key_presented'>,
): RideSourceView['hostKey'] {
  const pinned = row.host_key_pinned;
  const presented = row.host_key_presented;
  if (gateway?.type !== 'sftp') return { state: 'not_applicable', pinned: null, presented: null };
  const state = pinned
    ? presented && presented !== pinned
      ? 'changed'
      : 'pinned'
    : presented
      ? 'presented'
      : 'unconfirmed';
  return { state, pinned, presented };
}

/**
 * Sets which path feeds a ride and, for central pull, its gateway: the credential is sealed
 * (never stored or logged in clear), kept when an edit leaves it out. Another gateway (type,
 * host, port or URL) forgets the accepted host key: a new gateway's key is shown to a person
 * again. Answers the view without the credential.
 */
export async function setRideSource(
  pool: pg.Pool,
  rawInput: SetRideSourceInput,
  key: Buffer | undefined,
): Promise<RideSourceView> {
  const input = setRideSourceInputSchema.parse(rawInput);
  const parks = await pool.query('SELECT 1 FROM parks WHERE id = $1', [input.park]);
  if (parks.rowCount === 0) {
    throw new DomainError('not_found', `there is no park "${input.park}": create it first`);
  }
  const old = await rideSourceRow(pool, input.park, input.ride);
  if (input.mode === 'app') {
    await pool.query(
      `INSERT INTO ride_sources (park_id, ride_id, mode) VALUES ($1, $2, 'app')
       ON CONFLICT (park_id, ride_id) DO UPDATE SET mode = 'app', updated_at = now()`,
      [input.park, input.ride],
    );
    return getRideSource(pool, input.park, input.ride);
  }
  const oldGateway = old?.connection ? gatewaySettingsSchema.parse(old.connection) : null;
  const sameGateway =
    oldGateway !== null && gatewayIdentity(oldGateway) === gatewayIdentity(input.gateway);
  const ref = { park: input.park, ride: input.ride };
  // The stored credential stays only for the same kind of gateway: an SFTP password is no
  // HTTP one.
  const keep = old?.credential_sealed && oldGateway?.type === input.gateway.type;
  const sealed = input.credential
    ? sealCredential(key, ref, input.credential)
    : keep
      ? old.credential_sealed
      : null;
  if (sealed === null && (input.gateway.type === 'sftp' || input.gateway.username)) {
    throw new DomainError(
      'invalid_input',
      input.gateway.type === 'sftp'
        ? 'give the password or private key central logs in to the gateway with'
        : 'give the password for the gateway user, or leave the user name empty for a gateway without login',
    );
  }
  await pool.query(
    `INSERT INTO ride_sources (park_id, ride_id, mode, connection, credential_sealed, remote_dir,
                               cron, after_download, min_age_s)
     VALUES ($1, $2, 'central', $3, $4, $5, $6, $7, $8)
     ON CONFLICT (park_id, ride_id) DO UPDATE SET
       mode = 'central', connection = EXCLUDED.connection,
       credential_sealed = EXCLUDED.credential_sealed, remote_dir = EXCLUDED.remote_dir,
       cron = EXCLUDED.cron, after_download = EXCLUDED.after_download,
       min_age_s = EXCLUDED.min_age_s,
       host_key_pinned = CASE WHEN $9::boolean THEN ride_sources.host_key_pinned END,
       host_key_presented = CASE WHEN $9::boolean THEN ride_sources.host_key_presented END,
       updated_at = now()`,
    [
      input.park,
      input.ride,
      JSON.stringify(input.gateway),
      sealed,
      input.remoteDir,
      input.cron,
      JSON.stringify(input.afterDownload),
      input.minAgeSeconds,
      sameGateway,
    ],
  );
  return getRideSource(pool, input.park, input.ride);
}

/** The ride forgets its gateway settings and is fed by the park app; its drops stay. */
export async function removeRideSource(pool: pg.Pool, park: string, ride: string): Promise<void> {
  const r = await pool.query('DELETE FROM ride_sources WHERE park_id = $1 AND ride_id = $2', [
    park,
    ride,
  ]);
  if (r.rowCount === 0) throw noSource(park, ride);
}

/**
 * Pins the host key a person compared and accepted. It must be the one the gateway presented
 * at its latest contact: accepting a key nobody was shown, or an older one, is refused.
 */
export async function acceptHostKey(
  pool: pg.Pool,
  park: string,
  ride: string,
  fingerprint: string,
): Promise<RideSourceView> {
  const row = await rideSourceRow(pool, park, ride);
  if (!row) throw noSource(park, ride);
  if (row.host_key_presented === null) {
    throw new DomainError(
      'precondition_failed',
      'central has not contacted this gateway yet, so there is no host key to accept: press "Check connection" first',
    );
  }
  if (row.host_key_presented !== fingerprint) {
    throw new DomainError(
      'conflict',
      `the gateway presented ${row.host_key_presented}, not ${fingerprint}: compare the key shown now with the gateway's and accept that one`,
    );
  }
  await pool.query(
    `UPDATE ride_sources SET host_key_pinned = $3,
            last_error_code = CASE WHEN last_error_code LIKE 'host_key_%' THEN NULL ELSE last_error_code END,
            last_error = CASE WHEN last_error_code LIKE 'host_key_%' THEN NULL ELSE last_error END,
            updated_at = now()
      WHERE park_id = $1 AND ride_id = $2`,
    [park, ride, fingerprint],
  );
  return getRideSource(pool, park, ride);
}

/** What identifies a gateway: another one means another host key to accept. */
function gatewayIdentity(g: GatewaySettings): string {
  return g.type === 'sftp' ? `sftp://${g.host}:${g.port}` : g.url;
}

export function noSource(park: string, ride: string): DomainError {
  return new DomainError(
    'not_found',
    `ride ${park}/${ride} has no gateway settings at central: set them under Central pull first`,
  );
}
