import path from 'node:path';
import {
  centralLinkActivity,
  pullActivity,
  pullFailedActivity,
  rideAddedActivity,
  rideEditedActivity,
  rideRemovedActivity,
  settingsChangedActivity,
  uploadActivity,
} from './status/activity-events.ts';
import { verifyDrop } from '@zra/shared';
import type { Logger } from 'pino';
import {
  toProblemDrop,
  type AgentStatus,
  type ProblemDrop,
  type RunSummary,
} from './status/agent-status.ts';
import { ActivityLog } from './buffer/activity-log.ts';
import { scrubWaitingBlobs, type ScrubResult } from './buffer/scrub-blobs.ts';
import { openDataDir } from './buffer/data-dir.ts';
import { DropBuffer } from './buffer/drop-buffer.ts';
import { bufferSpace, makeRoom, type BufferSpaceConfig } from './buffer/buffer-space.ts';
import { createCentralClient, type CentralClient } from './central/central-client.ts';
import { CentralViewLoop, type GlobalView } from './central/central-view.ts';
import type { AgentConfig, RideConfig, RideDraft } from './settings/config.ts';
import type { ConnectionTestResult } from './settings/connection-test.ts';
import {
  connectGateway,
  createVerifierPool,
  hostKeyAfterError,
  hostKeyAfterLogin,
  HostKeyMismatchError,
  SettleTracker,
  type DropVerifier,
  type GatewayClient,
} from '@zra/gateway';
import { createDropsApi, type DropsApi } from './status/drops-api.ts';
import { HeartbeatLoop } from './central/heartbeat-loop.ts';
import { errorForPeople } from './error-for-people.ts';
import { silentLogger } from './logger.ts';
import { pullRide } from './pull/pull.ts';
import { startPullRules, type PullRules } from './pull/pull-rules.ts';
import { PullScheduler } from './pull/pull-scheduler.ts';
import { recheckQuarantined, type RecheckResult } from './quarantine/quarantine.ts';
import { RideDraftError } from './settings/ride-draft.ts';
import { RideRegistry, type RideView } from './settings/ride-registry.ts';
import { KeyFileSecretStore } from './secrets/key-file-secret-store.ts';
import type { SecretStore } from './secrets/secret-store.ts';
import { CentralLinkStore } from './store/central-link-store.ts';
import { RideStore, type LoadedRide } from './store/ride-store.ts';
import { SecretTable } from './store/secret-table.ts';
import {
  agentSettingsPatchSchema,
  SettingsStore,
  type AgentSettings,
  type AgentSettingsPatch,
} from './store/settings-store.ts';
import { switchableCentralClient } from './central/switchable-central-client.ts';
import { UploadLoop } from './upload/upload-loop.ts';
import { UploadThrottle, type ThrottleClock } from './upload/upload-throttle.ts';
import type { UploadRoundResult } from './upload/upload.ts';

/** Seams for tests and for the Electron shell; production uses the defaults. */
export interface AgentOptions {
  log?: Logger;
  verify?: DropVerifier;
  connect?: (ride: RideConfig) => Promise<GatewayClient>;
  /** A fixed central client (tests); otherwise one is made from the settings, and remade
   * when the central URL or park token changes. */
  central?: CentralClient;
  /** Told about each pull and upload round (the status server's `/metrics`). */
  observer?: AgentObserver;
  /**
   * Seals credentials before they reach SQLite: Electron's `safeStorage` in the app; by
   * default an AES-256-GCM key in `<dataDir>/secrets.key` (0600).
   */
  secrets?: SecretStore;
  /** The upload bandwidth limit's clock (tests inject one that only advances when slept). */
  throttleClock?: ThrottleClock;
}

export type { RideView } from './settings/ride-registry.ts';

/** What happened, for counters outside the agent. */
export interface AgentObserver {
  pulled(ride: string, outcome: 'ok' | 'failed' | 'paused', bytes: number): void;
  uploaded(result: UploadRoundResult): void;
}

/** The settings as the UI shows them: the park token is never sent back, only a hint. */
export interface SettingsView extends Omit<AgentSettings, 'parkToken'> {
  /** The token's last four characters, to tell tokens apart. */
  parkTokenHint: string;
  /** Why the stored park token cannot be read; null when it can. */
  parkTokenError: string | null;
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
   * The background SHA-256 check of the waiting blobs that `start()` began, once it is done
   * (reported in the activity log by then): what it checked and found damaged; null before
   * `start()`, or when the check itself failed (said in the activity log).
   */
  backgroundCheck(): Promise<ScrubResult | null>;
  /**
   * Sends central a heartbeat now (version, buffer, backlog, offline since); resolves whether
   * central recorded it. Never throws: a failure only moves the central link offline.
   */
  sendHeartbeat(): Promise<boolean>;
  status(): AgentStatus;
  /** Rides with their settings (no credentials), for the ride list and the edit form. */
  rides(): RideView[];
  /** Adds a ride (its id must be new); credentials are sealed before they are stored. */
  addRide(draft: RideDraft): RideView;
  /** Replaces a ride's settings; credentials left out are kept. */
  editRide(draft: RideDraft): RideView;
  /** Removes a ride (a pull in progress finishes); its buffered drops stay and are uploaded. */
  removeRide(rideId: string): void;
  /**
   * Pins the host key a ride's gateway presented (shown in the ride's `hostKey.presented`
   * after a pull or a connection test). `fingerprint` must be that key: a key nobody saw is
   * never pinned.
   */
  acceptHostKey(rideId: string, fingerprint: string): RideView;
  /**
   * Tries a ride's connection: a configured ride by id, or a form's draft (credentials left
   * out of an edit are taken from the stored ride of that id). Never sends a credential to a
   * host key nobody accepted. Never throws.
   */
  testConnection(target: { rideId: string } | { draft: RideDraft }): Promise<ConnectionTestResult>;
  settings(): SettingsView;
  /** Changes the settings given; they apply at once and survive restarts. */
  updateSettings(patch: AgentSettingsPatch): SettingsView;
  /** Drops kept aside as invalid, with their reason, oldest first. */
  quarantined(): ProblemDrop[];
  /**
   * Deletes a quarantined (or rejected) record by its id; its gateway file is not pulled
   * again. Nothing else is touched (a valid drop with the same bytes stays).
   */
  deleteQuarantined(id: number): Promise<void>;
  /** Verifies a quarantined file again; a now-valid one becomes buffered and is uploaded. */
  recheckQuarantined(id: number): Promise<RecheckResult>;
  /** Fetches the park's global view from central now (also done every `globalViewSeconds`). */
  refreshGlobalView(): Promise<GlobalView>;
  /**
   * Central's answer for one report's PDF, asked with the current central URL and park token
   * (central serves a park token its own park's reports only).
   */
  fetchReportPdf(reportId: string): Promise<Response>;
  /** The Drops screen's list and retry, and the persistent activity log. */
  drops: DropsApi;
  /** Stops and closes the buffer. */
  close(): Promise<void>;
}

/** Opens the buffer in `config.dataDir` (repairing what a crash left) and builds the agent. */
export async function createAgent(config: AgentConfig, options: AgentOptions = {}): Promise<Agent> {
  const log = (options.log ?? silentLogger()).child({ park: config.park });
  // One database for the buffer and the stores; each gets the handle from here.
  const data = await openDataDir(config.dataDir, log.child({ component: 'buffer' }));
  let buffer: DropBuffer;
  let secretStore: SecretStore;
  try {
    buffer = await DropBuffer.over(data, log.child({ component: 'buffer' }), true);
    secretStore =
      options.secrets ?? KeyFileSecretStore.openOrCreate(path.join(config.dataDir, 'secrets.key'));
  } catch (err) {
    data.close();
    throw err;
  }
  const secretTable = new SecretTable(data.db, secretStore);
  const rideStore = new RideStore(data.db, secretTable, config.rides);
  const settingsStore = new SettingsStore(data.db, secretTable, config);
  let { settings, tokenError } = settingsStore.load();
  if (tokenError) log.error({ reason: tokenError }, 'stored park token unreadable');
  // Read on every use by the buffer-space functions, so a settings change applies at once.
  const bufferConfig: BufferSpaceConfig = {
    maxBytes: settings.bufferMaxBytes,
    retainAcknowledgedHours: settings.retainAcknowledgedHours,
  };
  const centralTimeoutMs = config.central.timeoutSeconds * 1000;
  const centralOptions = { timeoutMs: centralTimeoutMs };
  const centralSwitch = switchableCentralClient(
    options.central ?? createCentralClient(settings.centralUrl, settings.parkToken, centralOptions),
  );
  const central = centralSwitch.client;
  const verify = options.verify ?? verifyDrop;
  // Production verification runs on threads of their own while the next files download (two:
  // the pull's own thread mostly waits on the network and the disk; 2 measured 16.8 MB/s
  // against 12.9 for 1 in bench/agent/pull-throughput.ts); an injected verifier runs inline.
  const verifierPool = options.verify
    ? null
    : createVerifierPool(2, log.child({ component: 'verify' }));
  const connect =
    options.connect ??
    ((ride: RideConfig) => connectGateway(ride.connection, log.child({ ride: ride.id })));

  let lastRunAt: string | null = null;
  const settle = new SettleTracker(settings.minAgeSeconds * 1000);
  let current: Promise<RunSummary> | null = null;
  const pulls = new PullScheduler(settings.maxConcurrentPulls, (rideId) => {
    const entry = registry.get(rideId);
    // Removed while its pull waited for a slot: nothing to pull, and not a failure of the round.
    if (!entry) {
      return Promise.resolve({
        id: rideId,
        result: null,
        error: `ride "${rideId}" was removed before its pull started`,
        paused: null,
      });
    }
    return pullOne(entry);
  });
  let rules: PullRules | null = null;
  let running = false;

  function startRules(): void {
    rules?.stop();
    rules = startPullRules(registry.rides(), settings.timeZone, (rideId) => {
      if (!pulls.tick(rideId)) {
        log.info({ ride: rideId }, 'rule fired while this ride is still pulling; skipped');
      }
    });
  }

  const registry = new RideRegistry({
    store: rideStore,
    connect,
    log: log.child({ component: 'rides' }),
    // New or changed rules apply at once while the agent runs.
    changed: () => {
      if (running) startRules();
    },
  });

  const bufferLog = log.child({ component: 'buffer' });
  const room = (pendingBytes = 0): Promise<boolean> =>
    makeRoom(buffer, bufferConfig, bufferLog, Date.now(), pendingBytes);
  const throttle = new UploadThrottle(() => settings.uploadBytesPerSecond, options.throttleClock);
  const activity = new ActivityLog(data.db);
  const linkStore = new CentralLinkStore(data.db);
  const uploads = new UploadLoop({
    buffer,
    client: central,
    log: log.child({ component: 'upload' }),
    chunkBytes: config.chunkBytes,
    upload: { ...config.upload, intervalSeconds: settings.uploadIntervalSeconds },
    // Acknowledged drops may now leave the disk, which is what un-pauses a full buffer.
    afterAcknowledged: room,
    afterRound: (result) => {
      uploadActivity(activity, result);
      options.observer?.uploaded(result);
    },
    throttle: (bytes) => throttle.take(bytes),
    linkChanged: (change) => {
      log.info({ change }, `central link ${change.to}`);
      centralLinkActivity(activity, change);
    },
    failedUnexpectedly: (err) =>
      activity.append({
        level: 'error',
        kind: 'upload',
        message: `upload round stopped: ${errorForPeople(err, 'uploading')}; drops stay buffered`,
      }),
    linkMemory: {
      remembered: linkStore.load(),
      remember: (link) => {
        try {
          linkStore.save(link);
        } catch (err) {
          // Only the "offline since" shown after a restart is at stake, never a drop.
          log.warn({ err }, 'could not keep the central link state; it restarts afresh');
        }
      },
    },
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
        capBytes: bufferConfig.maxBytes,
      },
      backlog: buffer.backlog(),
      offlineSince: uploads.link.status().offlineSince,
    }),
  });
  const globalView = new CentralViewLoop({
    client: central,
    log: log.child({ component: 'global-view' }),
    intervalSeconds: config.globalViewSeconds,
  });
  const pausedReason = (): string =>
    bufferSpace(buffer, bufferConfig).pullPausedReason ?? 'the buffer is full';

  async function pullOne({
    ride,
    credentialError,
  }: LoadedRide): Promise<RunSummary['rides'][number]> {
    const status = registry.status(ride.id);
    if (!status) throw new Error(`ride ${ride.id} is not configured`);
    try {
      if (credentialError) throw new Error(credentialError);
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
        ...(verifierPool ? { check: verifierPool.check } : {}),
        log: log.child({ component: 'pull' }),
        minAgeMs: settings.minAgeSeconds * 1000,
        settle,
      });
      Object.assign(status, {
        lastResult: result,
        lastError: null,
        hostKeyChanged: null,
        hostKey: hostKeyAfterLogin(ride.connection),
        lastSuccessAt: new Date().toISOString(),
        pausedReason: result.pausedForSpace ? pausedReason() : null,
      });
      // New drops should not wait for the upload loop's next interval.
      if (result.buffered > 0) uploads.kick();
      pullActivity(activity, ride.id, result);
      options.observer?.pulled(ride.id, 'ok', result.bytes);
      return { id: ride.id, result, error: null, paused: status.pausedReason };
    } catch (err) {
      const message = errorForPeople(err, `pulling ride ${ride.id}`);
      status.lastError = message;
      status.hostKeyChanged =
        err instanceof HostKeyMismatchError ? { expected: err.expected, got: err.got } : null;
      status.hostKey = hostKeyAfterError(ride.connection, err) ?? status.hostKey;
      log.error({ ride: ride.id, err }, 'pull failed');
      pullFailedActivity(activity, ride.id, err, message);
      options.observer?.pulled(ride.id, 'failed', 0);
      return { id: ride.id, result: null, error: message, paused: null };
    } finally {
      status.lastPullAt = new Date().toISOString();
    }
  }

  function pullNow(rideId?: string): Promise<RunSummary['rides']> {
    if (rideId !== undefined && !registry.get(rideId)) {
      return Promise.reject(registry.unknown(rideId));
    }
    const ids = rideId === undefined ? registry.ids() : [rideId];
    return Promise.all(ids.map((id) => pulls.request(id)));
  }

  // Aborted by stop(): a wait for central's rate limit inside runOnce ends at once.
  let stopping = new AbortController();

  /**
   * Upload rounds for `runOnce`: when central answers 429 with a `retryAfterS`, wait that long
   * and go on, as long as the waits add up to at most ONCE_RATE_LIMIT_WAIT_MAX_S; one round
   * otherwise (an unreachable central is not waited for: the next run is the retry).
   */
  async function uploadUntilDone(): Promise<UploadRoundResult> {
    const rounds = [await uploads.runNow()];
    let waitedS = 0;
    for (;;) {
      const last = rounds.at(-1);
      if (last?.retryAfterS === undefined || last.remaining === 0) break;
      const waitS = Math.ceil(last.retryAfterS);
      if (waitedS + waitS > ONCE_RATE_LIMIT_WAIT_MAX_S || stopping.signal.aborted) break;
      log.info(
        { retryAfterS: waitS, waitedS, remaining: last.remaining },
        'central asked the agent to slow down (rate limit); waiting before the next upload round',
      );
      await sleep(waitS * 1000, stopping.signal);
      if (stopping.signal.aborted) break;
      waitedS += waitS;
      rounds.push(await uploads.runNow());
    }
    return combineRounds(rounds);
  }

  async function round(): Promise<RunSummary> {
    const summary = await pullNow();
    const upload = await uploadUntilDone();
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

  // The background check of waiting blobs started with the agent (buffer/scrub-blobs.ts).
  let scrub: { stop: AbortController; done: Promise<ScrubResult | null> } | null = null;

  function startScrub(): void {
    const stopScrub = new AbortController();
    const done = scrubWaitingBlobs(buffer, log, stopScrub.signal).then(
      (result) => {
        const { checked, damaged } = result;
        log.info({ checked, damaged }, 'checked the SHA-256 of every drop waiting for central');
        if (damaged > 0) {
          activity.append({
            level: 'warn',
            kind: 'drop',
            message: `${damaged} buffered drop(s) were damaged on disk (SHA-256 check after start-up); forgotten, so they are pulled again from the gateway while it still has them`,
          });
        }
        return result;
      },
      (err: unknown) => {
        log.error({ err }, 'checking the buffered drops on disk failed');
        activity.append({
          level: 'error',
          kind: 'drop',
          message: `the check of the buffered drops on disk stopped: ${errorForPeople(err, 'checking the buffered drops')}; each upload still checks its drop first`,
        });
        return null;
      },
    );
    scrub = { stop: stopScrub, done };
  }

  async function stop(): Promise<void> {
    running = false;
    stopping.abort();
    rules?.stop();
    rules = null;
    scrub?.stop.abort();
    await Promise.allSettled([
      scrub?.done,
      current,
      pulls.idle(),
      uploads.stop(),
      heartbeats.stop(),
      globalView.stop(),
    ]);
  }

  function settingsView(): SettingsView {
    const { parkToken, ...rest } = settings;
    return { ...rest, parkTokenHint: `…${parkToken.slice(-4)}`, parkTokenError: tokenError };
  }

  return {
    runOnce,
    fetchReportPdf(reportId) {
      const url = new URL(
        `files/reports/${encodeURIComponent(reportId)}/pdf`,
        withSlash(settings.centralUrl),
      );
      // A report PDF may be megabytes: four request deadlines, its body included.
      return fetch(url, {
        headers: { authorization: `Bearer ${settings.parkToken}` },
        signal: AbortSignal.timeout(centralTimeoutMs * 4),
      });
    },
    start() {
      if (running) return;
      running = true;
      if (stopping.signal.aborted) stopping = new AbortController();
      startRules();
      // Catch up at start-up (the agent may have been off for a while), then follow the rules.
      for (const id of registry.ids()) pulls.tick(id);
      startScrub();
      uploads.start();
      heartbeats.start();
      globalView.start();
    },
    pullNow,
    stop,
    backgroundCheck: () => scrub?.done ?? Promise.resolve(null),
    sendHeartbeat: () => heartbeats.beat(),
    status: () => ({
      park: config.park,
      running,
      lastRunAt,
      rides: registry.allStatuses().map((r) => ({
        ...r,
        nextPullAt: rules?.nextRunAt(r.id) ?? null,
        pulling: pulls.state(r.id),
      })),
      upload: uploads.status(),
      uploadBytesPerSecond: settings.uploadBytesPerSecond,
      timeZone: settings.timeZone,
      central: uploads.link.status(),
      heartbeat: heartbeats.status(),
      drops: buffer.counts(),
      buffer: bufferSpace(buffer, bufferConfig),
      quarantined: buffer.list({ state: 'quarantined' }).map(toProblemDrop),
      rejected: buffer.list({ state: 'rejected' }).map(toProblemDrop),
      backlog: buffer.backlog(),
      global: globalView.status(),
    }),
    rides: () => registry.views(),
    addRide(draft) {
      const view = registry.add(draft);
      const added = registry.get(draft.id)?.ride;
      if (added) rideAddedActivity(activity, added, settings.timeZone);
      // A running agent pulls a new ride at once, as it does every ride at start-up.
      if (running) pulls.tick(draft.id);
      return view;
    },
    editRide(draft) {
      const before = registry.get(draft.id)?.ride;
      const view = registry.edit(draft);
      const after = registry.get(draft.id)?.ride;
      if (before && after) rideEditedActivity(activity, before, after, settings.timeZone);
      return view;
    },
    removeRide(rideId) {
      registry.remove(rideId);
      rideRemovedActivity(activity, rideId);
    },
    acceptHostKey(rideId, fingerprint) {
      const view = registry.acceptHostKey(rideId, fingerprint);
      activity.append({
        level: 'info',
        kind: 'host_key',
        ride: rideId,
        message: `host key ${fingerprint} accepted by a person`,
      });
      return view;
    },
    testConnection: (target) => registry.testConnection(target),
    settings: settingsView,
    updateSettings(patch) {
      const parsed = agentSettingsPatchSchema.safeParse(patch);
      if (!parsed.success) {
        throw new RideDraftError(
          `the settings are not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      }
      const before = settings;
      settings = settingsStore.save(parsed.data);
      if (parsed.data.parkToken !== undefined) tokenError = null;
      bufferConfig.maxBytes = settings.bufferMaxBytes;
      bufferConfig.retainAcknowledgedHours = settings.retainAcknowledgedHours;
      pulls.setMaxConcurrent(settings.maxConcurrentPulls);
      settle.setMinAgeMs(settings.minAgeSeconds * 1000);
      uploads.setIntervalSeconds(settings.uploadIntervalSeconds);
      // The rules are made again in the new zone; a tick already handed over still pulls.
      if (running && before.timeZone !== settings.timeZone) startRules();
      if (
        !options.central &&
        (before.centralUrl !== settings.centralUrl || before.parkToken !== settings.parkToken)
      ) {
        centralSwitch.switchTo(
          createCentralClient(settings.centralUrl, settings.parkToken, centralOptions),
        );
        uploads.kick();
      }
      log.info({ changed: Object.keys(parsed.data) }, 'settings changed');
      settingsChangedActivity(activity, before, settings, Object.keys(parsed.data));
      return settingsView();
    },
    quarantined: () => buffer.list({ state: 'quarantined' }).map(toProblemDrop),
    async deleteQuarantined(id) {
      const drop = buffer.getRecord(id);
      if (!drop || !(await buffer.deleteProblemDrop(id))) {
        throw new Error(
          `no quarantined or rejected drop ${id}: it may have been deleted or checked again meanwhile`,
        );
      }
      log.info(
        { id, sha256: drop.sha256, fileName: drop.fileName },
        'kept drop deleted by a person',
      );
      activity.append({
        level: 'info',
        kind: 'drop',
        ride: drop.ride,
        message: `${drop.fileName} deleted by a person (was ${drop.state}); that gateway file is not pulled again unless it changes`,
      });
    },
    async recheckQuarantined(id) {
      const result = await recheckQuarantined(
        buffer,
        id,
        verify,
        config.park,
        (rideId) => registry.get(rideId)?.ride,
      );
      log.info({ id, outcome: result.outcome }, 'quarantined drop checked again');
      if (result.outcome === 'buffered') uploads.kick();
      return result;
    },
    refreshGlobalView: () => globalView.refresh(),
    drops: createDropsApi({
      buffer,
      activity,
      globalView: () => globalView.status(),
      kickUploads: () => uploads.kick(),
    }),
    async close() {
      await stop();
      await verifierPool?.close();
      buffer.close();
    },
  };
}

/**
 * The longest `runOnce` (and `agent --once`) waits in all for central's rate limit before it
 * stops with drops still waiting: a scheduled `--once` (cron, a systemd timer) runs again
 * within minutes, and while one run waits it holds the data directory's lock, so the next run
 * would be refused. Two minutes cover a burst refused for a few seconds many times over.
 */
export const ONCE_RATE_LIMIT_WAIT_MAX_S = 120;

/** Waits `ms`, or less when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Several upload rounds of one `runOnce` as one: what was acknowledged, rejected, damaged or
 * held back adds up; `failed`, `remaining`, `error` and `retryAfterS` are the last round's
 * (a drop refused by the rate limit and sent in a later round did not fail).
 */
function combineRounds(rounds: UploadRoundResult[]): UploadRoundResult {
  const last = rounds.at(-1);
  if (!last) throw new Error('no upload round to combine');
  const sum = (
    key: 'acknowledged' | 'duplicates' | 'quarantinedByCentral' | 'rejected' | 'damaged',
  ) => rounds.reduce((n, r) => n + r[key], 0);
  return {
    ...last,
    acknowledged: sum('acknowledged'),
    duplicates: sum('duplicates'),
    quarantinedByCentral: sum('quarantinedByCentral'),
    rejected: sum('rejected'),
    damaged: sum('damaged'),
  };
}

/** `new URL(path, base)` drops the base's last segment unless it ends with a slash. */
function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
