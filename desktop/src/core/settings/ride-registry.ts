import type { Logger } from 'pino';
import type { RideStatus } from '../status/agent-status.ts';
import type { RideConfig, RideDraft } from './config.ts';
import { testConnection, type ConnectionTestResult } from './connection-test.ts';
import { describePullRule } from '../pull/describe-pull-rule.ts';
import { initialHostKey, type GatewayClient } from '@zra/gateway';
import { completeRide, connectionView, RideDraftError, type ConnectionView } from './ride-draft.ts';
import type { LoadedRide, RideSource, RideStore } from '../store/ride-store.ts';

/** A ride as the UI's ride list shows it: its settings without credentials. */
export interface RideView {
  id: string;
  /** `file`: from the config file, untouched; `stored`: added or edited through the API. */
  source: RideSource;
  connection: ConnectionView;
  remoteDir: string;
  afterBuffer: RideConfig['afterBuffer'];
  schedule: string[];
  scheduleInWords: string[];
  /** Why the ride's stored credential cannot be read (wrong key file); null when it can. */
  credentialError: string | null;
}

export interface RideRegistryDeps {
  store: RideStore;
  connect: (ride: RideConfig) => Promise<GatewayClient>;
  log: Logger;
  /** The set of rides or their rules changed (the agent restarts its rules). */
  changed: () => void;
}

/** Where a ride's gateway is: a key presented by one address says nothing about another. */
function gatewayOf(ride: RideConfig): string {
  const c = ride.connection;
  return c.type === 'sftp' ? `sftp://${c.host}:${c.port}` : c.url;
}

/** Same gateway, login and folder: a test of one says how the other stands. */
function sameConnection(a: RideConfig, b: RideConfig): boolean {
  return (
    gatewayOf(a) === gatewayOf(b) &&
    a.remoteDir === b.remoteDir &&
    JSON.stringify(a.connection) === JSON.stringify(b.connection)
  );
}

/** Why a connection test failed, as the ride's card says it; null when every step passed. */
function testFailure(r: ConnectionTestResult): string | null {
  if (r.hostKey.state === 'changed') {
    return r.error ?? "connection test: the gateway's host key changed; pulling is stopped";
  }
  if (r.hostKey.state === 'unconfirmed') {
    return "connection test: the gateway's host key has not been accepted yet, so no password or key was sent";
  }
  if (!r.reachable || !r.loggedIn || r.folderExists === false || r.error) {
    return `connection test failed: ${r.error ?? 'the gateway did not answer'}`;
  }
  return null;
}

/**
 * The rides the agent runs and what it knows about each (status), kept in line with the ride
 * store: adding, editing, removing, accepting a host key and testing a connection.
 */
export class RideRegistry {
  private loaded = new Map<string, LoadedRide>();
  private readonly statuses = new Map<string, RideStatus>();

  constructor(private readonly deps: RideRegistryDeps) {
    // Nobody listens for changes yet: the first reading is not one.
    this.reload(false);
  }

  get(rideId: string): LoadedRide | undefined {
    return this.loaded.get(rideId);
  }

  ids(): string[] {
    return [...this.loaded.keys()];
  }

  rides(): RideConfig[] {
    return [...this.loaded.values()].map((l) => l.ride);
  }

  status(rideId: string): RideStatus | undefined {
    return this.statuses.get(rideId);
  }

  allStatuses(): RideStatus[] {
    return [...this.statuses.values()];
  }

  unknown(rideId: string): Error {
    return new Error(
      `no ride "${rideId}" in the config; configured rides: ${this.ids().join(', ') || 'none'}`,
    );
  }

  views(): RideView[] {
    return this.ids().map((id) => this.view(id));
  }

  view(rideId: string): RideView {
    const entry = this.loaded.get(rideId);
    if (!entry) throw this.unknown(rideId);
    const { ride, source, credentialError } = entry;
    return {
      id: ride.id,
      source,
      connection: connectionView(ride.connection),
      remoteDir: ride.remoteDir,
      afterBuffer: ride.afterBuffer,
      schedule: ride.schedule,
      scheduleInWords: ride.schedule.map(describePullRule),
      credentialError,
    };
  }

  add(draft: RideDraft): RideView {
    if (this.loaded.has(draft.id)) {
      throw new RideDraftError(`a ride "${draft.id}" exists already: edit it, or pick another id`);
    }
    this.deps.store.save(completeRide(draft));
    this.reload();
    this.deps.log.info({ ride: draft.id }, 'ride added');
    return this.view(draft.id);
  }

  edit(draft: RideDraft): RideView {
    const existing = this.loaded.get(draft.id);
    if (!existing) throw this.unknown(draft.id);
    this.deps.store.save(completeRide(draft, existing.ride));
    this.reload();
    this.deps.log.info({ ride: draft.id }, 'ride edited');
    return this.view(draft.id);
  }

  remove(rideId: string): void {
    if (!this.deps.store.remove(rideId)) throw this.unknown(rideId);
    this.reload();
    this.deps.log.info({ ride: rideId }, 'ride removed');
  }

  acceptHostKey(rideId: string, fingerprint: string): RideView {
    const entry = this.loaded.get(rideId);
    const status = this.statuses.get(rideId);
    if (!entry || !status) throw this.unknown(rideId);
    const conn = entry.ride.connection;
    if (conn.type !== 'sftp') {
      throw new RideDraftError(`ride "${rideId}" uses HTTP(S): there is no SSH host key to accept`);
    }
    if (status.hostKey.presented !== fingerprint) {
      throw new RideDraftError(
        status.hostKey.presented === null
          ? `the agent has not seen the gateway's host key of ride "${rideId}" yet: test the connection first`
          : `the gateway of ride "${rideId}" presented ${status.hostKey.presented}, not ${fingerprint}: test the connection again and compare`,
      );
    }
    this.deps.store.save({ ...entry.ride, connection: { ...conn, hostKeySha256: fingerprint } });
    this.reload();
    const after = this.statuses.get(rideId);
    if (after) {
      after.hostKey = { state: 'pinned', pinned: fingerprint, presented: fingerprint };
      after.hostKeyChanged = null;
      after.lastError = null;
      after.lastErrorFrom = null;
    }
    this.deps.log.info({ ride: rideId, fingerprint }, 'gateway host key accepted');
    return this.view(rideId);
  }

  /** See `Agent.testConnection`. */
  async testConnection(
    target: { rideId: string } | { draft: RideDraft },
  ): Promise<ConnectionTestResult> {
    let ride: RideConfig;
    try {
      if ('rideId' in target) {
        const entry = this.loaded.get(target.rideId);
        if (!entry) throw this.unknown(target.rideId);
        if (entry.credentialError) throw new Error(entry.credentialError);
        ride = entry.ride;
      } else {
        ride = completeRide(target.draft, this.loaded.get(target.draft.id)?.ride);
      }
    } catch (err) {
      return {
        reachable: false,
        hostKey: { state: 'unconfirmed', pinned: null, presented: null },
        loggedIn: false,
        folderExists: null,
        zipFiles: null,
        error: (err as Error).message,
      };
    }
    const result = await testConnection(ride, this.deps.connect, this.deps.log);
    const status = this.statuses.get(ride.id);
    const stored = this.loaded.get(ride.id)?.ride;
    // A test of the configured ride (by id, or its own form unchanged in what the test uses)
    // says how the ride stands now: a failure shows on its card and in the header at once, a
    // success clears a failure an earlier test showed. A draft with other settings says
    // nothing about the ride as configured.
    const ofConfigured =
      status !== undefined &&
      stored !== undefined &&
      ('rideId' in target || sameConnection(stored, ride));
    if (status && ofConfigured) {
      const failed = testFailure(result);
      if (failed !== null) {
        status.lastError = failed;
        status.lastErrorFrom = 'connection test';
      } else if (status.lastErrorFrom === 'connection test') {
        status.lastError = null;
        status.lastErrorFrom = null;
      }
    }
    // What the gateway presented is remembered on the configured ride (same gateway), so the
    // technician can accept it.
    if (
      status &&
      stored &&
      gatewayOf(stored) === gatewayOf(ride) &&
      result.hostKey.presented !== null
    ) {
      status.hostKey = { ...status.hostKey, presented: result.hostKey.presented };
    }
    return result;
  }

  /** Reads the rides again (after a change) and brings the statuses in line. */
  private reload(notify = true): void {
    const previous = new Map(this.statuses);
    const previousGateway = new Map(
      [...this.loaded.values()].map((l) => [l.ride.id, gatewayOf(l.ride)]),
    );
    this.loaded = new Map(this.deps.store.list().map((l) => [l.ride.id, l]));
    this.statuses.clear();
    for (const { ride, source, credentialError } of this.loaded.values()) {
      const before = previous.get(ride.id);
      const sameGateway = previousGateway.get(ride.id) === gatewayOf(ride);
      const hostKey = initialHostKey(ride.connection);
      this.statuses.set(ride.id, {
        id: ride.id,
        type: ride.connection.type,
        source,
        lastPullAt: before?.lastPullAt ?? null,
        lastSuccessAt: before?.lastSuccessAt ?? null,
        lastResult: before?.lastResult ?? null,
        lastError: credentialError ?? before?.lastError ?? null,
        lastErrorFrom: credentialError ? 'pull' : (before?.lastErrorFrom ?? null),
        hostKeyChanged: sameGateway ? (before?.hostKeyChanged ?? null) : null,
        // A key the same gateway presented stays known across edits, so it can be accepted.
        hostKey:
          before && sameGateway
            ? before.hostKey.pinned === hostKey.pinned
              ? before.hostKey
              : { ...hostKey, presented: before.hostKey.presented }
            : hostKey,
        pausedReason: before?.pausedReason ?? null,
        schedule: ride.schedule,
        scheduleInWords: ride.schedule.map(describePullRule),
        nextPullAt: null,
        pulling: 'idle',
      });
    }
    if (notify) this.deps.changed();
  }
}
