import type { Semaphore } from '@zra/shared';
import type { DownloadCheck, DownloadChecker } from './check-download.ts';
import { fsyncFile } from './fsync.ts';
import type { GatewayClient, RemoteFile } from './gateway-client.ts';

/** One listed file to fetch into a temp file of the caller's. */
export interface DropDownload {
  client: GatewayClient;
  dir: string;
  file: RemoteFile;
  /** The temp file to write (its folder exists; the caller removes it afterwards). */
  tmp: string;
  /** Reads, hashes and verifies the downloaded file (inline or on a verifier thread). */
  check: DownloadChecker;
  /** The receiver's clock: a window starting well after the download is `window_in_future`. */
  now: () => number;
  /** Limits the downloads running at once on `client`; none when absent. */
  slots?: Semaphore;
}

/**
 * Downloads one file to `tmp`, makes it durable (fsync), then hashes and verifies it as
 * received now. A file whose size differs from its listing was written to while it was copied:
 * not settled yet, so it fails (the next pull takes it again) rather than being judged.
 */
export async function downloadDrop(d: DropDownload): Promise<DownloadCheck> {
  const fetch = () => d.client.download(d.dir, d.file.name, d.tmp);
  await (d.slots ? d.slots.run(fetch) : fetch());
  await fsyncFile(d.tmp);
  const checked = await d.check(d.tmp, d.file.name, new Date(d.now()).toISOString());
  if (checked.size !== d.file.size) {
    throw new Error(`the file changed while downloading (${d.file.size} -> ${checked.size} bytes)`);
  }
  return checked;
}
