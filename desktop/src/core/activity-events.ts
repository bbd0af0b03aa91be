import type { ActivityLog } from './buffer/activity-log.ts';
import { HostKeyMismatchError } from './gateway/host-key.ts';
import type { RidePullResult } from './pull.ts';
import type { UploadRoundResult } from './upload.ts';

/**
 * What the agent writes to the activity log, in words for a park technician. Quiet rounds
 * (a pull that found nothing new, an upload round with nothing to send) are not written: the
 * log would be nothing but them.
 */
export function pullActivity(log: ActivityLog, ride: string, result: RidePullResult): void {
  if (result.quarantined > 0) {
    log.append({
      level: 'warn',
      kind: 'quarantine',
      ride,
      message: `${result.quarantined} drop(s) quarantined as invalid: see Drops for the reason`,
    });
  }
  const failed = result.failed.length + result.cleanupFailed.length;
  if (result.buffered + result.quarantined + result.duplicates + failed === 0) return;
  const parts = [`${result.buffered} new`, `${result.quarantined} quarantined`];
  if (result.duplicates > 0) parts.push(`${result.duplicates} duplicate`);
  if (result.failed.length > 0) parts.push(`${result.failed.length} failed to download`);
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

export function pullFailedActivity(log: ActivityLog, ride: string, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
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
  log.append({
    level: result.rejected + result.damaged > 0 ? 'error' : result.failed > 0 ? 'warn' : 'info',
    kind: 'upload',
    message: `upload round: ${parts.join(', ')}; ${result.remaining} waiting`,
  });
}
