import type { DropVerifier, GatewayClient } from '@zra/gateway';
import type { TimerClock } from '@zra/shared';
import type { Logger } from 'pino';
import type { ScrubResult } from './buffer/scrub-blobs.ts';
import type { CentralClient } from './central/central-client.ts';
import type { CentralTestResult } from './central/central-test.ts';
import type { GlobalView } from './central/central-view.ts';
import type { RefetchResult } from './quarantine/problem-drops-api.ts';
import type { RecheckResult } from './quarantine/quarantine.ts';
import type { SecretStore } from './secrets/secret-store.ts';
import type { RideConfig, RideDraft } from './settings/config.ts';
import type { ConnectionTestResult } from './settings/connection-test.ts';
import type { RideView } from './settings/ride-registry.ts';
import type { SettingsView } from './settings/settings-applier.ts';
import type { AgentStatus, ProblemDrop, RunSummary } from './status/agent-status.ts';
import type { DropsApi } from './status/drops-api.ts';
import type { AgentSettingsPatch } from './store/settings-store.ts';
import type { ThrottleClock } from './upload/upload-throttle.ts';
import type { UploadRoundResult } from './upload/upload.ts';

export type { RideView } from './settings/ride-registry.ts';
export type { SettingsView } from './settings/settings-applier.ts';

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
  /** The pull rules' clock (tests walk through a DST day with one that moves when told). */
  ruleClock?: TimerClock;
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
  /**
   * Deletes a quarantined file's kept copy and pulls its ride at once, so the file is
   * downloaded from the gateway and checked again (e.g. after the PLC wrote it anew under
   * the same name and size); says what the new pull made of it.
   */
  refetchQuarantined(id: number): Promise<RefetchResult>;
  /**
   * Tries central with an address and park token (the saved ones when left out) without
   * saving anything: whether it answers and takes the token.
   */
  testCentral(input: { centralUrl?: string; parkToken?: string }): Promise<CentralTestResult>;
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
