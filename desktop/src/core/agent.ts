import { connectGateway, createVerifierPool } from '@zra/gateway';
import { PUT_PATH_RECHECK_MS, verifyDrop } from '@zra/shared';
import type { Agent, AgentOptions } from './agent-api.ts';
import { startBackgroundCheck, type BackgroundCheck } from './buffer/background-check.ts';
import { bufferSpace, makeRoom, type BufferSpaceConfig } from './buffer/buffer-space.ts';
import { createCentralClient } from './central/central-client.ts';
import { createCentralLoops } from './central/central-loops.ts';
import { fetchReportPdf } from './central/report-pdf.ts';
import { testCentral } from './central/central-test.ts';
import { switchableCentralClient } from './central/switchable-central-client.ts';
import { silentLogger } from './logger.ts';
import { PullCoordinator } from './pull/pull-coordinator.ts';
import { createProblemDropsApi } from './quarantine/problem-drops-api.ts';
import type { AgentConfig, RideConfig } from './settings/config.ts';
import { RideRegistry } from './settings/ride-registry.ts';
import { createRidesApi } from './settings/rides-api.ts';
import { SettingsApplier } from './settings/settings-applier.ts';
import type { RunSummary } from './status/agent-status.ts';
import { createDropsApi } from './status/drops-api.ts';
import { readStatus } from './status/read-status.ts';
import { openAgentData } from './store/open-agent-data.ts';
import { RideStore } from './store/ride-store.ts';
import { SettingsStore } from './store/settings-store.ts';
import { createUploadLoop } from './upload/create-upload-loop.ts';
import { uploadUntilDone } from './upload/upload-until-done.ts';

export type { Agent, AgentObserver, AgentOptions, RideView, SettingsView } from './agent-api.ts';

/**
 * Opens the buffer in `config.dataDir` (repairing what a crash left) and builds the agent from
 * its parts: the stores, the live settings, the rides, the pull coordinator, the upload loop,
 * the heartbeat and global view of central, and the APIs a person uses. Wiring only: what each
 * part does is in its own file.
 */
export async function createAgent(config: AgentConfig, options: AgentOptions = {}): Promise<Agent> {
  const log = (options.log ?? silentLogger()).child({ park: config.park });
  const bufferLog = log.child({ component: 'buffer' });
  const { db, buffer, secrets, activity } = await openAgentData(
    config.dataDir,
    options.secrets,
    bufferLog,
  );
  const settings = new SettingsApplier(
    new SettingsStore(db, secrets, config),
    activity,
    log.child({ component: 'settings' }),
  );
  const initial = settings.current;
  const bufferConfig: BufferSpaceConfig = {
    maxBytes: initial.bufferMaxBytes,
    retainAcknowledgedHours: initial.retainAcknowledgedHours,
  };
  const room = (pendingBytes = 0) =>
    makeRoom(buffer, bufferConfig, bufferLog, Date.now(), pendingBytes);

  // Central: one client, switched when its URL or the park token changes.
  const centralTimeoutMs = config.central.timeoutSeconds * 1000;
  const newCentralClient = (url: string, token: string) =>
    createCentralClient(url, token, {
      timeoutMs: centralTimeoutMs,
      onPutPathUnknown: (status) =>
        log.warn(
          { component: 'upload', url, status },
          `central answered ${status} to POST /ingest/put: drops go through /trpc, which works but costs central more, and the path is tried again every ${PUT_PATH_RECHECK_MS / 60_000} minutes; if central is up to date, let its reverse proxy pass POST /ingest/put (docs/operations.md)`,
        ),
    });
  const centralSwitch = switchableCentralClient(
    options.central ?? newCentralClient(initial.centralUrl, initial.parkToken),
  );
  const central = centralSwitch.client;

  // Production verification runs on threads of their own while the next files download (two:
  // the pull's own thread mostly waits on the network and the disk; 2 measured 16.8 MB/s
  // against 12.9 for 1 in bench/agent/pull-throughput.ts); an injected verifier runs inline.
  const verify = options.verify ?? verifyDrop;
  const verifierPool = options.verify
    ? null
    : createVerifierPool(2, log.child({ component: 'verify' }));
  const connect =
    options.connect ??
    ((ride: RideConfig) => connectGateway(ride.connection, log.child({ ride: ride.id })));

  const registry = new RideRegistry({
    store: new RideStore(db, secrets, config.rides),
    connect,
    log: log.child({ component: 'rides' }),
    // New or changed rules apply at once while the agent runs.
    changed: () => pulls.ridesChanged(),
  });
  const uploads = createUploadLoop({
    config,
    settings: () => settings.current,
    buffer,
    central,
    activity,
    log,
    room,
    observer: options.observer,
    throttleClock: options.throttleClock,
    linkDb: db,
  });
  const pulls = new PullCoordinator({
    park: config.park,
    buffer,
    registry,
    connect,
    verify,
    ...(verifierPool ? { check: verifierPool.check } : {}),
    log: log.child({ component: 'pull' }),
    activity,
    room,
    pausedReason: () => bufferSpace(buffer, bufferConfig).pullPausedReason ?? 'the buffer is full',
    buffered: () => uploads.kick(),
    pulled: (ride, outcome, bytes) => options.observer?.pulled(ride, outcome, bytes),
    maxConcurrentPulls: initial.maxConcurrentPulls,
    minAgeSeconds: initial.minAgeSeconds,
    timeZone: initial.timeZone,
    ...(options.ruleClock ? { ruleClock: options.ruleClock } : {}),
  });
  settings.applyTo({
    bufferConfig,
    pulls,
    uploads,
    ...(options.central
      ? {}
      : { switchCentral: (url, token) => centralSwitch.switchTo(newCentralClient(url, token)) }),
    // Built below; a change can only come once the agent is made.
    centralChanged: () => void heartbeats.beat(),
  });
  const { heartbeats, globalView } = createCentralLoops({
    client: central,
    link: uploads.link,
    buffer,
    bufferConfig,
    rides: () => registry.allStatuses(),
    heartbeatSeconds: config.heartbeatSeconds,
    globalViewSeconds: config.globalViewSeconds,
    log,
    viewed: (view) => {
      const zone = view.standing?.today.timezone;
      if (zone) settings.adoptParkTimeZone(zone);
    },
  });

  let running = false;
  let lastRunAt: string | null = null;
  let round: Promise<RunSummary> | null = null;
  // Aborted by stop(): a wait for central's rate limit inside runOnce ends at once.
  let stopping = new AbortController();
  let check: BackgroundCheck | null = null;

  async function stop(): Promise<void> {
    running = false;
    stopping.abort();
    check?.stop();
    await Promise.allSettled([
      check?.done,
      round,
      pulls.stop(),
      uploads.stop(),
      heartbeats.stop(),
      globalView.stop(),
    ]);
  }

  return {
    runOnce() {
      round ??= (async () => {
        const rides = await pulls.pullNow();
        const upload = await uploadUntilDone(() => uploads.runNow(), log, stopping.signal);
        await heartbeats.beat();
        lastRunAt = new Date().toISOString();
        return { rides, upload, drops: buffer.counts() };
      })().finally(() => {
        round = null;
      });
      return round;
    },
    start() {
      if (running) return;
      running = true;
      if (stopping.signal.aborted) stopping = new AbortController();
      pulls.start();
      check = startBackgroundCheck(buffer, activity, log);
      uploads.start();
      heartbeats.start();
      globalView.start();
    },
    pullNow: (rideId) => pulls.pullNow(rideId),
    stop,
    backgroundCheck: () => check?.done ?? Promise.resolve(null),
    sendHeartbeat: () => heartbeats.beat(),
    status: () =>
      readStatus({
        park: config.park,
        running,
        lastRunAt,
        settings: settings.current,
        registry,
        pulls,
        uploads,
        heartbeats,
        globalView,
        buffer,
        bufferConfig,
      }),
    ...createRidesApi({
      registry,
      activity,
      timeZone: () => settings.current.timeZone,
      added: (rideId) => pulls.rideAdded(rideId),
    }),
    settings: () => settings.view(),
    updateSettings: (patch) => settings.update(patch),
    ...createProblemDropsApi({
      buffer,
      activity,
      log,
      verify,
      park: config.park,
      ride: (rideId) => registry.get(rideId)?.ride,
      kickUploads: () => uploads.kick(),
      pull: (rideId) => pulls.pullNow(rideId),
    }),
    testCentral: (input) =>
      testCentral(
        input.centralUrl ?? settings.current.centralUrl,
        input.parkToken ?? settings.current.parkToken,
        centralTimeoutMs,
      ),
    refreshGlobalView: () => globalView.refresh(),
    fetchReportPdf: (reportId) =>
      fetchReportPdf(
        settings.current.centralUrl,
        settings.current.parkToken,
        reportId,
        centralTimeoutMs,
      ),
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
