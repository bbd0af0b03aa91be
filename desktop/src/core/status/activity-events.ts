import type { ActivityLog } from '../buffer/activity-log.ts';
import type { CentralLinkChange } from '../central/central-link.ts';
import type { RideConfig } from '../settings/config.ts';
import { describePullRule } from '../pull/describe-pull-rule.ts';
import { HostKeyMismatchError } from '@zra/gateway';
import type { RidePullResult } from '../pull/pull.ts';
import type { AgentSettings } from '../store/settings-store.ts';
import type { UploadRoundResult } from '../upload/upload.ts';

/**
 * What the agent writes to the activity log, in words for a park technician. Quiet rounds
 * (a pull that found nothing new, an upload round with nothing to send) are not written: the
 * log would be nothing but them.
 */
export function pullActivity(log: ActivityLog, ride: string, result: RidePullResult): void {
  // Each quarantined file once, when it is first judged (it is then known and never pulled
  // again): its name and the verifier's sentence, which says what to change.
  const named = result.quarantinedFiles.slice(0, QUARANTINED_NAMED_PER_PULL);
  for (const f of named) {
    log.append({
      level: 'warn',
      kind: 'quarantine',
      ride,
      message: `${f.name} quarantined (${f.code}): ${f.reason}`,
    });
  }
  const unnamed = result.quarantined - named.length;
  if (unnamed > 0) {
    log.append({
      level: 'warn',
      kind: 'quarantine',
      ride,
      message: `${unnamed} more drop(s) quarantined by this pull: see Drops for each file and its reason`,
    });
  }
  const failed = result.failed.length + result.cleanupFailed.length;
  if (result.buffered + result.quarantined + result.duplicates + failed === 0) return;
  const parts = [`${result.buffered} new`, `${result.quarantined} quarantined`];
  if (result.duplicates > 0) parts.push(`${result.duplicates} duplicate`);
  if (result.failed.length > 0) {
    // Failures of the download, the disk or the database: each file is tried again next pull.
    parts.push(
      `${result.failed.length} could not be pulled (${result.failed
        .slice(0, 3)
        .map((f) => `${f.name}: ${f.error}`)
        .join('; ')}${result.failed.length > 3 ? '; …' : ''})`,
    );
  }
  if (result.cleanupFailed.length > 0) {
    parts.push(`${result.cleanupFailed.length} not cleaned up on the gateway`);
  }
  log.append({
    level: failed > 0 ? 'warn' : 'info',
    kind: 'pull',
    ride,
    message: `pull finished: ${parts.join(', ')} (${result.listed} listed)`,
  });
}

/** Quarantined files named one by one per pull; beyond, one entry counts the rest. */
export const QUARANTINED_NAMED_PER_PULL = 5;

/** A pull that failed as a whole; `message` is the error in words (errorForPeople). */
export function pullFailedActivity(
  log: ActivityLog,
  ride: string,
  err: unknown,
  message: string = err instanceof Error ? err.message : String(err),
): void {
  log.append({
    level: 'error',
    kind: err instanceof HostKeyMismatchError ? 'host_key' : 'pull',
    ride,
    message: `pull failed: ${message}`,
  });
}

export function uploadActivity(log: ActivityLog, result: UploadRoundResult): void {
  if (result.error) {
    log.append({
      level: 'error',
      kind: 'upload',
      message: `upload round stopped: ${result.error} (${result.remaining} drop(s) wait)`,
    });
  }
  if (result.acknowledged + result.failed + result.rejected + result.damaged === 0) return;
  const parts = [`${result.acknowledged} acknowledged by central`];
  if (result.quarantinedByCentral > 0)
    parts.push(`${result.quarantinedByCentral} quarantined by central`);
  if (result.failed > 0) parts.push(`${result.failed} failed (retried next round)`);
  if (result.rejected > 0) parts.push(`${result.rejected} rejected by central (see Drops: retry)`);
  if (result.damaged > 0) parts.push(`${result.damaged} damaged locally (pulled again)`);
  if (result.heldBack > 0) {
    parts.push(
      `${result.heldBack} held back behind an earlier revision of the same ride-window (sent after it)`,
    );
  }
  log.append({
    level: result.rejected + result.damaged > 0 ? 'error' : result.failed > 0 ? 'warn' : 'info',
    kind: 'upload',
    message: `upload round: ${parts.join(', ')}; ${result.remaining} waiting`,
  });
}

/**
 * The central link went offline or came back. Written once per transition (the link tells
 * only those), so an outage of many failed rounds is two entries, not one per round.
 */
export function centralLinkActivity(log: ActivityLog, change: CentralLinkChange): void {
  if (change.to === 'offline') {
    log.append({
      level: 'warn',
      kind: 'central',
      message: `central link offline: ${change.reason}. Drops keep being pulled into the buffer and are uploaded once central answers again`,
    });
    return;
  }
  log.append({
    level: 'info',
    kind: 'central',
    message: `central link back online after ${durationInWords(change.offlineMs)} offline; buffered drops are uploaded again`,
  });
}

/** "45 s", "12 min", "3 h 5 min", "2 d 4 h": how long, as a person reads it. */
export function durationInWords(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  return h % 24 ? `${Math.floor(h / 24)} d ${h % 24} h` : `${Math.floor(h / 24)} d`;
}

/** `timeZone`: the one the pull rules are read in (the agent's setting), named with them. */
export function rideAddedActivity(log: ActivityLog, ride: RideConfig, timeZone: string): void {
  const c = ride.connection;
  const waitsForKey =
    c.type === 'sftp' && c.hostKeySha256 === undefined
      ? "; the first pull waits until a person accepts the gateway's host key"
      : '';
  log.append({
    level: 'info',
    kind: 'ride',
    ride: ride.id,
    message: `ride added: ${gatewayAddress(ride)}, folder "${ride.remoteDir}", pulls ${scheduleInWords(ride, timeZone)}${waitsForKey}`,
  });
}

/**
 * Which parts of a ride an edit changed, with the new value where it is not a credential:
 * a password or private key is named, never written.
 */
export function rideEditedActivity(
  log: ActivityLog,
  before: RideConfig,
  after: RideConfig,
  timeZone: string,
): void {
  const parts = rideChanges(before, after, timeZone);
  log.append({
    level: 'info',
    kind: 'ride',
    ride: after.id,
    message: parts.length ? `ride edited: ${parts.join(', ')}` : 'ride saved with no changes',
  });
}

export function rideRemovedActivity(log: ActivityLog, rideId: string): void {
  log.append({
    level: 'info',
    kind: 'ride',
    ride: rideId,
    message: 'ride removed: no longer pulled; its drops already buffered stay and are uploaded',
  });
}

/** The changed parts of a ride in plain words, e.g. `folder (now "in")`, `password`. */
export function rideChanges(before: RideConfig, after: RideConfig, timeZone: string): string[] {
  const parts: string[] = [];
  const b = before.connection;
  const a = after.connection;
  if (b.type !== a.type) parts.push(`connection type (now ${a.type.toUpperCase()})`);
  if (gatewayAddress(before) !== gatewayAddress(after)) {
    parts.push(`gateway address (now ${gatewayAddress(after)})`);
  }
  if (b.username !== a.username) {
    parts.push(
      a.username === undefined ? 'user name (removed)' : `user name (now "${a.username}")`,
    );
  }
  if (b.password !== a.password)
    parts.push(a.password === undefined ? 'password (removed)' : 'password');
  const bKey = b.type === 'sftp' ? b : null;
  const aKey = a.type === 'sftp' ? a : null;
  if (bKey?.privateKey !== aKey?.privateKey) {
    parts.push(aKey?.privateKey === undefined ? 'private key (removed)' : 'private key');
  }
  if (bKey?.privateKeyPath !== aKey?.privateKeyPath) {
    parts.push(
      aKey?.privateKeyPath === undefined
        ? 'private key file (removed)'
        : `private key file (now ${aKey.privateKeyPath})`,
    );
  }
  if (bKey?.hostKeySha256 !== aKey?.hostKeySha256) {
    parts.push(
      aKey?.hostKeySha256 === undefined
        ? 'pinned host key (cleared: the next pull waits until a person accepts the key)'
        : `pinned host key (now ${aKey.hostKeySha256})`,
    );
  }
  const bHttp = b.type === 'http' ? b : null;
  const aHttp = a.type === 'http' ? a : null;
  if (bHttp && aHttp && bHttp.timeoutSeconds !== aHttp.timeoutSeconds) {
    parts.push(`download timeout (now ${aHttp.timeoutSeconds} s)`);
  }
  if (bHttp && aHttp && bHttp.caCertificate !== aHttp.caCertificate) {
    parts.push(
      aHttp.caCertificate === undefined ? 'trusted certificate (removed)' : 'trusted certificate',
    );
  }
  if (before.remoteDir !== after.remoteDir) parts.push(`folder (now "${after.remoteDir}")`);
  if (afterBufferInWords(before) !== afterBufferInWords(after)) {
    parts.push(`files after buffering (now ${afterBufferInWords(after)})`);
  }
  if (before.schedule.join('\n') !== after.schedule.join('\n')) {
    parts.push(`schedule (now ${scheduleInWords(after, timeZone)})`);
  }
  return parts;
}

/** Where the gateway is; user and password written into an HTTP URL are left out. */
function gatewayAddress(ride: RideConfig): string {
  const c = ride.connection;
  if (c.type === 'sftp') return `sftp://${c.host}:${c.port}`;
  const url = new URL(c.url);
  url.username = '';
  url.password = '';
  return url.toString();
}

function scheduleInWords(ride: RideConfig, timeZone: string): string {
  return `${ride.schedule.map(describePullRule).join('; ')}, ${timeZone} time`;
}

function afterBufferInWords(ride: RideConfig): string {
  const a = ride.afterBuffer;
  return typeof a === 'string'
    ? a === 'keep'
      ? 'kept on the gateway'
      : 'deleted from the gateway'
    : `moved to "${a.moveTo}" on the gateway`;
}

/**
 * A settings change in words: each field that changed with its new value (the park token only
 * named). The UI sends every field on save, so unchanged ones are left out.
 */
export function settingsChangedActivity(
  log: ActivityLog,
  before: AgentSettings,
  after: AgentSettings,
  given: readonly string[],
): void {
  const parts = settingsChanges(before, after, given.includes('parkToken'));
  log.append({
    level: 'info',
    kind: 'settings',
    message: parts.length
      ? `settings changed: ${parts.join(', ')}`
      : 'settings saved with no changes',
  });
}

/** The agent took central's zone for the park (no person had chosen one). */
export function parkTimeZoneAdoptedActivity(log: ActivityLog, before: string, after: string): void {
  log.append({
    level: 'info',
    kind: 'settings',
    message:
      before === after
        ? `time zone confirmed by central: the park is in ${after}`
        : `time zone taken from central: the park is in ${after}, so the rides' pull times are now read in ${after} (they were in ${before}, this computer's); change it in Settings if central is wrong`,
  });
}

/** The changed settings in plain words, e.g. `time zone (now Europe/Rome)`. */
export function settingsChanges(
  before: AgentSettings,
  after: AgentSettings,
  tokenGiven: boolean,
): string[] {
  const parts: string[] = [];
  const now = (label: string, value: string): void => {
    parts.push(`${label} (now ${value})`);
  };
  if (before.centralUrl !== after.centralUrl) now('central address', after.centralUrl);
  if (tokenGiven) parts.push('park token');
  if (before.uploadBytesPerSecond !== after.uploadBytesPerSecond) {
    now(
      'upload speed limit',
      after.uploadBytesPerSecond === null
        ? 'none'
        : `${Math.round(after.uploadBytesPerSecond / 1024)} KiB/s`,
    );
  }
  if (before.bufferMaxBytes !== after.bufferMaxBytes) {
    now('buffer size limit', `${Math.round((after.bufferMaxBytes / 1024 ** 3) * 100) / 100} GiB`);
  }
  if (before.retainAcknowledgedHours !== after.retainAcknowledgedHours) {
    now('uploaded drops kept for', `${after.retainAcknowledgedHours} h`);
  }
  if (before.timeZone !== after.timeZone) {
    now('time zone of the pull rules', after.timeZone);
  }
  if (before.maxConcurrentPulls !== after.maxConcurrentPulls) {
    now('rides pulled at once', `at most ${after.maxConcurrentPulls}`);
  }
  if (before.minAgeSeconds !== after.minAgeSeconds) {
    now('minimum file age before a pull', durationInWords(after.minAgeSeconds * 1000));
  }
  if (before.uploadIntervalSeconds !== after.uploadIntervalSeconds) {
    now('upload interval', `every ${durationInWords(after.uploadIntervalSeconds * 1000)}`);
  }
  return parts;
}
