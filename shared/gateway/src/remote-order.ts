import { parseDropFileName } from '@zra/shared';
import type { RemoteFile } from './gateway-client.ts';

/**
 * The order files appeared in: by modification time; files of the same second (SFTP lists
 * whole seconds) by window and sequence when both names are drop names (so `_10` follows
 * `_9`), else by name. Pulls take files oldest first, so a ride's drops reach central in the
 * order they appeared (rule R2: a later revision of a ride-window must be committed last).
 */
export function byAppearance(a: RemoteFile, b: RemoteFile): number {
  if (a.mtimeMs !== b.mtimeMs) return a.mtimeMs - b.mtimeMs;
  const x = parseDropFileName(a.name);
  const y = parseDropFileName(b.name);
  if (x && y) {
    const windows = Date.parse(x.windowStart) - Date.parse(y.windowStart);
    if (windows !== 0) return windows;
    if (x.sequence !== y.sequence) return x.sequence - y.sequence;
  }
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
