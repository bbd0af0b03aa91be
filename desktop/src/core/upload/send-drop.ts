import { DROP_PUT_CONTEXT, type DropPutInfo } from '@zra/shared';
import type { CentralClient } from '../central/central-client.ts';
import { isUnknownProcedure } from '../central/central-error.ts';

/** Central's answer to a whole drop: what `ingest.commit` answers. */
export type PutAnswer = Awaited<ReturnType<CentralClient['ingest']['put']['mutate']>>;

/** Clients whose central does not know `ingest.put` (one from before it): they send chunks. */
const chunkedOnly = new WeakSet<CentralClient>();

/**
 * Sends a whole drop in one request (`ingest.put`: its bytes as the body, what begin would be
 * told in headers). Answers null, and remembers it for this client, when central does not know
 * the call, so the caller uploads it the chunked way; without that, rolling central back would
 * stop every updated park's uploads until it was rolled forward again.
 */
export async function sendDrop(
  client: CentralClient,
  info: DropPutInfo,
  bytes: Buffer,
): Promise<PutAnswer | null> {
  if (chunkedOnly.has(client)) return null;
  try {
    return await client.ingest.put.mutate(bytes, { context: { [DROP_PUT_CONTEXT]: info } });
  } catch (err) {
    if (!isUnknownProcedure(err)) throw err;
    chunkedOnly.add(client);
    return null;
  }
}
