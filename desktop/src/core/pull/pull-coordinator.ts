import {
  hostKeyAfterError,
  hostKeyAfterLogin,
  HostKeyMismatchError,
  SettleTracker,
  type DownloadChecker,
  type DropVerifier,
  type GatewayClient,
} from '@zra/gateway';
import type { TimerClock } from '@zra/shared';
import type { Logger } from 'pino';
import type { ActivityLog } from '../buffer/activity-log.ts';
import type { DropBuffer } from '../buffer/drop-buffer.ts';
import { errorForPeople } from '../error-for-people.ts';
import type { RideConfig } from '../settings/config.ts';
import type { RideRegistry } from '../settings/ride-registry.ts';
import { pullActivity, pullFailedActivity } from '../status/activity-events.ts';
import type { RunSummary } from '../status/agent-status.ts';
import type { LoadedRide } from '../store/ride-store.ts';
import { pullRide } from './pull.ts';
import { startPullRules, type PullRules } from './pull-rules.ts';
import { PullScheduler } from './pull-scheduler.ts';

/** One ride's pull as a round reports it: a result, a failure in words, or why it paused. */
export type RidePullOutcome = RunSummary['rides'][number];

export interface PullCoordinatorDeps {
  /** The park this agent serves; a drop of another park is quarantined. */
  park: string;
  buffer: DropBuffer;
  /** The rides and their status, which each pull updates. */
  registry: RideRegistry;
  connect: (ride: RideConfig) => Promise<GatewayClient>;
  verify: DropVerifier;
  /** Hashes and verifies a download off the main thread (the verifier pool); inline if absent. */
  check?: DownloadChecker;
  log: Logger;
  activity: ActivityLog;
  /**
   * Frees what may be freed (buffer-space.ts) and answers whether one more file fits,
   * counting `pendingBytes` downloaded but not yet recorded.
   */
  room: (pendingBytes?: number) => Promise<boolean>;
  /** Why pulling pauses, in words (the buffer's cap and use). */
  pausedReason: () => string;
  /** A pull buffered new drops: uploads should not wait for their next interval. */
  buffered: () => void;
  /** Told about each pull (metrics). */
  pulled?: (ride: string, outcome: 'ok' | 'failed' | 'paused', bytes: number) => void;
  /** The settings the pulls start with; the setters below change them while running. */
  maxConcurrentPulls: number;
  minAgeSeconds: number;
  timeZone: string;
  /** The pull rules' clock; the machine's by default. */
  ruleClock?: TimerClock;
}

/**
 * Decides when each ride is pulled and runs the pull: on its cron rules (in the park's time
 * zone) and on demand, never two pulls of one ride at once, at most `maxConcurrentPulls`
 * rides at a time, a demand joining a pull of that ride already running or waiting. Before a
 * ride connects it frees buffer space; while the buffer is full the ride pauses (the gateway
 * keeps the files). Each pull's outcome goes to the ride's status, the activity log and the
 * metrics.
 */
export class PullCoordinator {
  private readonly scheduler: PullScheduler<RidePullOutcome>;
  /** Remembers listings across pulls, so a file's size can be seen unchanged (settle rule). */
  private readonly settle: SettleTracker;
  private rules: PullRules | null = null;
  private timeZone: string;
  private minAgeMs: number;

  constructor(private readonly deps: PullCoordinatorDeps) {
    this.timeZone = deps.timeZone;
    this.minAgeMs = deps.minAgeSeconds * 1000;
    this.settle = new SettleTracker(this.minAgeMs);
    this.scheduler = new PullScheduler(deps.maxConcurrentPulls, (rideId) => {
      const entry = deps.registry.get(rideId);
      // Removed while its pull waited for a slot: nothing to pull, and not a failure.
      if (!entry) {
        return Promise.resolve({
          id: rideId,
          result: null,
          error: `ride "${rideId}" was removed before its pull started`,
          paused: null,
        });
      }
      return this.pullOne(entry);
    });
  }

  /** Whether the rules run (between `start` and `stop`). */
  get running(): boolean {
    return this.rules !== null;
  }

  /** Pulls every ride once (catching up after the agent was off), then on their rules. */
  start(): void {
    if (this.rules) return;
    this.startRules();
    for (const id of this.deps.registry.ids()) this.scheduler.tick(id);
  }

  /** Stops the rules and waits for the pulls running or waiting. */
  async stop(): Promise<void> {
    this.rules?.stop();
    this.rules = null;
    await this.scheduler.idle();
  }

  /** Pulls one ride (or every ride) now; see `Agent.pullNow`. */
  pullNow(rideId?: string): Promise<RidePullOutcome[]> {
    const { registry } = this.deps;
    if (rideId !== undefined && !registry.get(rideId)) {
      return Promise.reject(registry.unknown(rideId));
    }
    const ids = rideId === undefined ? registry.ids() : [rideId];
    return Promise.all(ids.map((id) => this.scheduler.request(id)));
  }

  /** A ride was added: while running it is pulled at once, as every ride is at start. */
  rideAdded(rideId: string): void {
    if (this.running) this.scheduler.tick(rideId);
  }

  /** Rides or their rules changed: running rules are made again. */
  ridesChanged(): void {
    if (this.running) this.startRules();
  }

  setMaxConcurrent(rides: number): void {
    this.scheduler.setMaxConcurrent(rides);
  }

  /** From the next listing on. */
  setMinAgeSeconds(seconds: number): void {
    this.minAgeMs = seconds * 1000;
    this.settle.setMinAgeMs(this.minAgeMs);
  }

  /** The rules are made again in the new zone (their next firings move). */
  setTimeZone(timeZone: string): void {
    this.timeZone = timeZone;
    if (this.running) this.startRules();
  }

  /** When one of the ride's rules fires next (ISO 8601); null while not running. */
  nextPullAt(rideId: string): string | null {
    return this.rules?.nextRunAt(rideId) ?? null;
  }

  state(rideId: string): 'running' | 'waiting' | 'idle' {
    return this.scheduler.state(rideId);
  }

  private startRules(): void {
    this.rules?.stop();
    const { registry, log, ruleClock } = this.deps;
    this.rules = startPullRules(
      registry.rides(),
      this.timeZone,
      (rideId) => {
        if (!this.scheduler.tick(rideId)) {
          log.info({ ride: rideId }, 'rule fired while this ride is still pulling; skipped');
        }
      },
      ruleClock,
    );
  }

  private async pullOne({ ride, credentialError }: LoadedRide): Promise<RidePullOutcome> {
    const d = this.deps;
    const status = d.registry.status(ride.id);
    if (!status) throw new Error(`ride ${ride.id} is not configured`);
    try {
      if (credentialError) throw new Error(credentialError);
      if (!(await d.room())) {
        // The gateway still holds the files; nothing is lost by waiting.
        status.pausedReason = d.pausedReason();
        d.pulled?.(ride.id, 'paused', 0);
        return { id: ride.id, result: null, error: null, paused: status.pausedReason };
      }
      status.pausedReason = null;
      const result = await pullRide(ride, {
        room: d.room,
        park: d.park,
        buffer: d.buffer,
        connect: d.connect,
        verify: d.verify,
        ...(d.check ? { check: d.check } : {}),
        log: d.log,
        minAgeMs: this.minAgeMs,
        settle: this.settle,
      });
      Object.assign(status, {
        lastResult: result,
        lastError: null,
        lastErrorFrom: null,
        hostKeyChanged: null,
        hostKey: hostKeyAfterLogin(ride.connection),
        lastSuccessAt: new Date().toISOString(),
        pausedReason: result.pausedForSpace ? d.pausedReason() : null,
      });
      if (result.buffered > 0) d.buffered();
      pullActivity(d.activity, ride.id, result);
      d.pulled?.(ride.id, 'ok', result.bytes);
      return { id: ride.id, result, error: null, paused: status.pausedReason };
    } catch (err) {
      const message = errorForPeople(err, `pulling ride ${ride.id}`);
      status.lastError = message;
      status.lastErrorFrom = 'pull';
      status.hostKeyChanged =
        err instanceof HostKeyMismatchError ? { expected: err.expected, got: err.got } : null;
      status.hostKey = hostKeyAfterError(ride.connection, err) ?? status.hostKey;
      d.log.error({ ride: ride.id, err }, 'pull failed');
      pullFailedActivity(d.activity, ride.id, err, message);
      d.pulled?.(ride.id, 'failed', 0);
      return { id: ride.id, result: null, error: message, paused: null };
    } finally {
      status.lastPullAt = new Date().toISOString();
    }
  }
}
