import { z } from 'zod';
import type { GatewayClient } from './gateway-client.ts';

/**
 * What happens to a gateway file once its drop is durably buffered (or known to be a
 * duplicate): left in place, deleted, or moved to a done folder (relative paths resolve from
 * the login directory, like `remoteDir`). Quarantined files always stay on the gateway.
 */
export const afterBufferSchema = z.union(
  [z.enum(['keep', 'delete']), z.strictObject({ moveTo: z.string().min(1) })],
  { error: 'afterBuffer must be "keep", "delete" or { "moveTo": "<folder on the gateway>" }' },
);
export type AfterBuffer = z.output<typeof afterBufferSchema>;

/** What `handleRemoteFile` did, in words for a log line. */
export type RemoteHandled = 'kept' | 'deleted' | `moved to ${string}`;

/**
 * Applies `afterBuffer` to `dir/name` on the gateway. Call it only once the drop is safe
 * elsewhere: after this the gateway copy may be gone. A failure rejects with the gateway's
 * error; the file is then still there and a later call tries again.
 */
export async function handleRemoteFile(
  client: GatewayClient,
  dir: string,
  name: string,
  afterBuffer: AfterBuffer,
): Promise<RemoteHandled> {
  if (afterBuffer === 'keep') return 'kept';
  if (afterBuffer === 'delete') {
    await client.remove(dir, name);
    return 'deleted';
  }
  await client.move(dir, name, afterBuffer.moveTo);
  return `moved to ${afterBuffer.moveTo}`;
}

/** The failed action in words: "deleting it from" / `moving it to "done" on` (the gateway). */
export function remoteHandlingInWords(afterBuffer: Exclude<AfterBuffer, 'keep'>): string {
  return afterBuffer === 'delete' ? 'deleting it from' : `moving it to "${afterBuffer.moveTo}" on`;
}
