import type pg from 'pg';
import { dropPutInfoSchema, type DropPutInfo } from '@zra/shared';
import type { ParkQuota } from '../config.ts';
import { DomainError } from '../domain-error.ts';
import type { IngestService } from '../server/context.ts';
import type { ParkIdentity } from '../server/park-identity.ts';
import { readDropBody } from './chunk-body.ts';
import { MAX_PUT_BYTES, type CommitOutput } from './ingest-schemas.ts';
import { checkParkQuota } from './park-quota.ts';

/** What taking a whole drop needs of central. */
export interface ReceiveDropDeps {
  pool: pg.Pool;
  ingest: IngestService;
  parkQuota: ParkQuota;
}

/** The put headers as the request carried them (absent: undefined). */
export type DropPutHeaders = Record<keyof DropPutInfo, string | undefined>;

/**
 * A whole drop of up to MAX_PUT_BYTES, its bytes the body, what begin would be told in headers
 * (`ingest.put` and `POST /ingest/put`). The headers are checked and the quota asked before a
 * byte of the body is read; answers as commit does.
 */
export async function receiveDrop(
  deps: ReceiveDropDeps,
  park: ParkIdentity,
  headers: DropPutHeaders,
  body: AsyncIterable<Uint8Array>,
): Promise<CommitOutput> {
  const info = dropPutInfo(headers);
  if (info.bytes > MAX_PUT_BYTES) {
    throw new DomainError(
      'invalid_input',
      `a drop of ${info.bytes} bytes is larger than one request takes (${MAX_PUT_BYTES} bytes): send it in chunks (begin, chunkBytes, commit)`,
    );
  }
  const known = await checkParkQuota(deps.pool, park, info, deps.parkQuota);
  const data = await readDropBody(body, info.bytes);
  return deps.ingest.put(park, { ...info, data }, known);
}

/** A put's drop from its headers, or what the client must fix. */
function dropPutInfo(headers: DropPutHeaders): DropPutInfo {
  const parsed = dropPutInfoSchema.safeParse(headers);
  if (parsed.success) return parsed.data;
  throw new DomainError('invalid_input', parsed.error.issues.map((i) => i.message).join('; '));
}
