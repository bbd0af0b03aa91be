import type pg from 'pg';
import { dropPutInfoSchema, type DropPutInfo } from '@zra/shared';
import type { ParkQuota } from '../config.ts';
import { DomainError } from '../domain-error.ts';
import type { IngestService } from '../server/context.ts';
import type { ParkIdentity } from '../server/park-identity.ts';
import { readDropBody } from './chunk-body.ts';
import { MAX_PUT_BYTES, type CommitOutput } from './ingest-schemas.ts';
import { checkParkQuota, type KnownContent } from './park-quota.ts';

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
 * (`ingest.put`; `POST /ingest/put` does the same with the park found by its quota's statement,
 * drop-put-route.ts). The headers are checked and the quota asked before a byte of the body is
 * read; answers as commit does.
 */
export async function receiveDrop(
  deps: ReceiveDropDeps,
  park: ParkIdentity,
  headers: DropPutHeaders,
  body: AsyncIterable<Uint8Array>,
): Promise<CommitOutput> {
  const parsed = dropPutInfo(headers);
  if (!parsed.ok) throw parsed.error;
  const info = fitsOneRequest(parsed.info);
  const known = await checkParkQuota(deps.pool, park, info, deps.parkQuota);
  return takeDrop(deps, park, info, known, body);
}

/** A put's drop from its headers, or what the client must fix. */
export function dropPutInfo(
  headers: DropPutHeaders,
): { ok: true; info: DropPutInfo } | { ok: false; error: DomainError } {
  const parsed = dropPutInfoSchema.safeParse(headers);
  if (parsed.success) return { ok: true, info: parsed.data };
  const message = parsed.error.issues.map((i) => i.message).join('; ');
  return { ok: false, error: new DomainError('invalid_input', message) };
}

/** The drop, when one request may carry it; a larger one goes chunked. */
export function fitsOneRequest(info: DropPutInfo): DropPutInfo {
  if (info.bytes > MAX_PUT_BYTES) {
    throw new DomainError(
      'invalid_input',
      `a drop of ${info.bytes} bytes is larger than one request takes (${MAX_PUT_BYTES} bytes): send it in chunks (begin, chunkBytes, commit)`,
    );
  }
  return info;
}

/** The body read (exactly the declared bytes) and the drop taken, once the quota passed it. */
export async function takeDrop(
  deps: ReceiveDropDeps,
  park: ParkIdentity,
  info: DropPutInfo,
  known: KnownContent,
  body: AsyncIterable<Uint8Array>,
): Promise<CommitOutput> {
  const data = await readDropBody(body, info.bytes);
  return deps.ingest.put(park, { ...info, data }, known);
}
