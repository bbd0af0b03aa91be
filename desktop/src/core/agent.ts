import { verifyDrop } from '@zra/shared';
import type { Logger } from 'pino';
import {
  toProblemDrop,
  type AgentStatus,
  type RideStatus,
  type RunSummary,
} from './agent-status.ts';
import { DropBuffer } from './buffer/drop-buffer.ts';
import { bufferSpace, makeRoom } from './buffer-space.ts';
import { createCentralClient, type CentralClient } from './central-client.ts';
import type { AgentConfig, RideConfig } from './config.ts';
import { connectGateway } from './gateway/create-gateway-client.ts';
import type { GatewayClient } from './gateway/gateway-client.ts';
import { HostKeyMismatchError } from './gateway/host-key.ts';
import { HeartbeatLoop } from './heartbeat-loop.ts';
import { silentLogger } from './logger.ts';
import { describePullRule } from './describe-pull-rule.ts';
import { pullRide, type DropVerifier } from './pull.ts';
import { startPullRules, type PullRules } from './pull-rules.ts';
import { PullScheduler } from './pull-scheduler.ts';
import { SettleTracker } from './settle-tracker.ts';
import { UploadLoop } from './upload-loop.ts';
import type { UploadRoundResult } from './upload.ts';

/** Seams for tests and for the Electron shell; production uses the defaults. */
export interface AgentOptions {
  log?: Logger;
  verify?: DropVerifier;
  connect?: (ride: RideConfig) => Promise<GatewayClient>;
  central?: CentralClient;
  /** Told about each pull and upload round (the status server's `/metrics`). */
  observer?: AgentObserver;
}

/** What happened, for counters outside the agent. */
export interface AgentObserver {
  pulled(ride: string, outcome: 'ok' | 'failed' | 'paused', bytes: number): void;
  uploaded(result: UploadRoundResult): void;
}

/** The park agent: pulls every ride into the buffer, uploads the buffer to central. */
export interface Agent {
  /**
   * One round: pull all rides, then upload, whatever the upload backoff says. Never overlaps
   * itself.
   */
  runOnce(): Promise<RunSummary>;
  /**
   * Pulls every ride once now, then each on its cron rules (`rides[].schedule`, in the
   * park's time zone); uploads run on their own loop (every `upload.intervalSeconds`, sooner
   * after new drops, backing off while central is away).
   */
  start(): void;
  /**
   * Pulls one ride (or all) now, joining a pull of that ride already running or waiting;
   * at most `maxConcurrentPulls` rides at once.
   */
  pullNow(rideId?: string): Promise<RunSummary['rides']>;
  /** Stops the rules and loops and waits for the pulls and upload in progress. */
  stop(): Promise<void>;
  /**
   * Sends central a heartbeat now (version, buffer, backlog, offline since); resolves whether
   * central recorded it. Never throws: a failure only moves the central link offline.
   */
  sendHeartbeat(): Promise<boolean>;
  status(): AgentStatus;
  /** Stops and closes the buffer. */
  close(): Promise<void>;
}

/** Opens the buffer in `config.dataDir` (repairing what a crash left) and builds the agent. */
export async function createAgent(config: AgentConfig, options: AgentOptions = {}): Promise<Agent> {
  const log = (options.log ?? silentLogger()).child({ park: config.park });
  const buffer = await DropBuffer.open(config.dataDir, log.child({ component: 'buffer' }));
  const central = options.central ?? createCentralClient(config.central.url, config.central.token);
  const verify = options.verify ?? verifyDrop;
  const connect =
    options.connect ??
    ((ride: RideConfig) => connectGateway(ride.connection, log.child({ ride: ride.id })));

  const rides = new Map<string, RideStatus>(
    config.rides.map((r) => [
      r.id,
      {
        id: r.id,
        lastPullAt: null,
        lastSuccessAt: null,
        lastResult: null,
        lastError: null,
        hostKeyChanged: null,
        pausedReason: null,
        schedule: r.schedule,
        scheduleInWords: r.schedule.map(describePullRule),
        nextPullAt: null,
        pulling: 'idle',
      },
    ]),
  );
  let lastRunAt: string | null = null;
  const settle = new SettleTracker(config.minAgeSeconds * 1000);
  let current: Promise<RunSummary> | null = null;
  const pulls = new PullScheduler(config.maxConcurrentPulls, (rideId) => {
    const ride = config.rides.find((r) => r.id === rideId);
    if (!ride) throw new Error(`ride ${rideId} is not configured`);
    return pullOne(ride);
  });
  let rules: PullRules | null = null;
  let running = false;

  const bufferLog = log.child({ component: 'buffer' });
  const room = (): Promise<boolean> => makeRoom(buffer, config.buffer, bufferLog);
  const uploads = new UploadLoop({
    buffer,
    client: central,
    log: log.child({ component: 'upload' }),
    chunkBytes: config.chunkBytes,
    upload: config.upload,
    // Acknowledged drops may now leave the disk, which is what un-pauses a full buffer.
    afterAcknowledged: room,
    afterRound: (result) => options.observer?.uploaded(result),
  });
  const heartbeats = new HeartbeatLoop({
    client: central,
    link: uploads.link,
    log: log.child({ component: 'heartbeat' }),
    intervalSeconds: config.heartbeatSeconds,
    snapshot: () => ({
      buffer: {
        drops: buffer.storedDrops(),
        bytes: buffer.storedBytes(),
        capBytes: config.buffer.maxBytes,
      },
      backlog: buffer.backlog(),
      offlineSince: uploads.link.status().offlineSince,
    }),
  });
  const pausedReason = (): string =>
    bufferSpace(buffer, config.buffer).pullPausedReason ?? 'the buffer is full';

  async function pullOne(ride: RideConfig): Promise<RunSummary['rides'][number]> {
    const status = rides.get(ride.id);
    if (!status) throw new Error(`ride ${ride.id} is not configured`);
    try {
      if (!(await room())) {
        // The gateway still holds the files; nothing is lost by waiting.
        status.pausedReason = pausedReason();
        options.observer?.pulled(ride.id, 'paused', 0);
        return { id: ride.id, result: null, error: null, paused: status.pausedReason };
      }
      status.pausedReason = null;
      const result = await pullRide(ride, {
        room,
        park: config.park,
        buffer,
        connect,
        verify,
        log: log.child({ component: 'pull' }),
        minAgeMs: config.minAgeSeconds * 1000,
        settle,
      });
      Object.assign(status, {
        lastResult: result,
        lastError: null,
        hostKeyChanged: null,
        lastSuccessAt: new Date().toISOString(),
        pausedReason: result.pausedForSpace ? pausedReason() : null,
      });
      // New drops should not wait for the upload loop's next interval.
      if (result.buffered > 0) uploads.kick();
      options.observer?.pulled(ride.id, 'ok', result.bytes);
      return { id: ride.id, result, error: null, paused: status.pausedReason };
    } catch (err) {
      const message = (err as Error).message;
      status.lastError = message;
      status.hostKeyChanged =
        err instanceof HostKeyMismatchError ? { expected: err.expected, got: err.got } : null;
      log.error({ ride: ride.id, err }, 'pull failed');
      options.observer?.pulled(ride.id, 'failed', 0);
      return { id: ride.id, result: null, error: message, paused: null };
    } finally {
      status.lastPullAt = new Date().toISOString();
    }
  }

  function pullNow(rideId?: string): Promise<RunSummary['rides']> {
    if (rideId !== undefined && !rides.has(rideId)) {
      return Promise.reject(
        new Error(
          `no ride "${rideId}" in the config; configured rides: ${[...rides.keys()].join(', ')}`,
        ),
      );
    }
    const ids = rideId === undefined ? config.rides.map((r) => r.id) : [rideId];
    return Promise.all(ids.map((id) => pulls.request(id)));
  }

  async function round(): Promise<RunSummary> {
    const summary = await pullNow();
    const upload = await uploads.runNow();
    await heartbeats.beat();
    lastRunAt = new Date().toISOString();
    return { rides: summary, upload, drops: buffer.counts() };
  }

  function runOnce(): Promise<RunSummary> {
    current ??= round().finally(() => {
      current = null;
    });
    return current;
  }

  async function stop(): Promise<void> {
    running = false;
    rules?.stop();
    rules = null;
    await Promise.allSettled([current, pulls.idle(), uploads.stop(), heartbeats.stop()]);
  }

  return {
    runOnce,
    start() {
      if (running) return;
      running = true;
      rules = startPullRules(config.rides, config.timezone, (rideId) => {
        if (!pulls.tick(rideId)) {
          log.info({ ride: rideId }, 'rule fired while this ride is still pulling; skipped');
        }
      });
      // Catch up at start-up (the agent may have been off for a while), then follow the rules.
      for (const ride of config.rides) pulls.tick(ride.id);
      uploads.start();
      heartbeats.start();
    },
    pullNow,
    stop,
    sendHeartbeat: () => heartbeats.beat(),
    status: () => ({
      park: config.park,
      running,
      lastRunAt,
      rides: [...rides.values()].map((r) => ({
        ...r,
        nextPullAt: rules?.nextRunAt(r.id) ?? null,
        pulling: pulls.state(r.id),
      })),
      upload: uploads.status(),
      central: uploads.link.status(),
      heartbeat: heartbeats.status(),
      drops: buffer.counts(),
      buffer: bufferSpace(buffer, config.buffer),
      rejected: buffer.list({ state: 'rejected' }).map(toProblemDrop),
      backlog: buffer.backlog(),
    }),
    async close() {
      await stop();
      buffer.close();
    },
  };
}
