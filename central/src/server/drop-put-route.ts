import type http from 'node:http';
import { TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import {
  DROP_PUT_PROCEDURE,
  PUT_BYTES_HEADER,
  PUT_CONTENT_ID_HEADER,
  PUT_FILE_NAME_HEADER,
  PUT_SHA256_HEADER,
} from '@zra/shared';
import type { Logger } from 'pino';
import type { TokenBucketLimiter } from '../ingest/rate-limiter.ts';
import type { CommitOutput } from '../ingest/ingest-schemas.ts';
import { judgeQuota, parkHoldingsOfToken } from '../ingest/park-quota.ts';
import {
  dropPutInfo,
  fitsOneRequest,
  takeDrop,
  type DropPutHeaders,
  type ReceiveDropDeps,
} from '../ingest/receive-drop.ts';
import { hashParkToken } from '../parks/park-tokens.ts';
import { failureOf, refusalOf, type ApiRefusal } from './api-refusal.ts';
import type { ParkAuthenticator } from './context.ts';
import { bearerToken, parkOfBearer, UNRECOGNISED_TOKEN_MESSAGE } from './park-bearer.ts';
import { PUT_CALLS } from './trpc.ts';

/** What `POST /ingest/put` needs of central. */
export interface DropPutRouteDeps extends ReceiveDropDeps {
  auth: ParkAuthenticator;
  ingestLimiter: TokenBucketLimiter;
}

/** A body longer than any put may carry: the rest is not read, the connection is closed. */
class BodyTooLargeError extends Error {}

/**
 * `POST /ingest/put`: `ingest.put` served on node:http directly. tRPC's adapter turns every
 * request into a fetch `Request` and its body into a web stream; for a 1.5 MB drop that was
 * about 2 ms of the API's CPU, a fifth of all it spends on a drop (docs/performance.md). The
 * same checks (park token, rate limit, headers, quota, then the body) with the token and the
 * quota in one statement, the same service call, and the answer in tRPC's envelope with its
 * codes and statuses, so the agent reads it as the tRPC call's.
 */
export function dropPutRoute(
  deps: DropPutRouteDeps,
  maxBodyBytes: number,
): (req: http.IncomingMessage, res: http.ServerResponse, log: Logger) => Promise<void> {
  /**
   * The checks of `ingest.put`, with one statement before the body: the park's token and its
   * quota asked together. A request whose token or headers are wrong takes the tRPC call's
   * way to its refusal (an unknown token is said first).
   */
  async function takeDropOf(
    req: http.IncomingMessage,
    seen: { park?: string },
  ): Promise<CommitOutput> {
    const authorization = req.headers.authorization;
    const token = bearerToken(authorization);
    const parsed = dropPutInfo(putHeadersOf(req));
    if (!token || !parsed.ok) {
      // As the tRPC call says them: an unknown token first, then what the headers lack, which
      // costs the park's rate limit as any put does.
      const bearer = token ? await parkOfBearer(deps.auth, authorization) : null;
      if (!bearer) throw unrecognised();
      deps.ingestLimiter.take(bearer.tokenHash, PUT_CALLS);
      throw parsed.ok ? unrecognised() : parsed.error;
    }
    const tokenHash = hashParkToken(token);
    const found = await parkHoldingsOfToken(deps.pool, tokenHash, parsed.info);
    if (!found) throw unrecognised();
    const { park, holdings } = found;
    seen.park = park.id;
    deps.ingestLimiter.take(tokenHash, PUT_CALLS);
    const info = fitsOneRequest(parsed.info);
    const known = judgeQuota(holdings, park, info, deps.parkQuota);
    return takeDrop(deps, park, info, known, bounded(req, maxBodyBytes));
  }

  return async (req, res, log) => {
    const seen: { park?: string } = {};
    try {
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        throw new TRPCError({
          code: 'METHOD_NOT_SUPPORTED',
          message: `${req.method ?? 'this method'} is not how a drop is sent: POST its bytes`,
        });
      }
      const answer = await takeDropOf(req, seen);
      send(res, 200, { result: { data: answer } });
    } catch (err) {
      const parkLog = seen.park ? log.child({ park: seen.park }) : log;
      // The client went away mid-body: nobody is left to answer.
      if (!(err instanceof BodyTooLargeError) && req.destroyed && !req.complete) {
        parkLog.info({ reason: (err as Error).message }, 'drop put abandoned by the client');
        return;
      }
      const refusal = refusalFor(err);
      if (err instanceof BodyTooLargeError) res.setHeader('connection', 'close');
      if (refusal.code === 'INTERNAL_SERVER_ERROR')
        parkLog.error({ err, path: DROP_PUT_PROCEDURE }, 'request failed');
      else if (refusal.code === 'SERVICE_UNAVAILABLE')
        parkLog.warn(
          { err, path: DROP_PUT_PROCEDURE },
          'request failed: a dependency is unavailable',
        );
      else
        parkLog.info(
          { code: refusal.code, path: DROP_PUT_PROCEDURE, reason: refusal.message },
          'request refused',
        );
      sendRefusal(res, refusal);
    }
  };
}

function unrecognised(): TRPCError {
  return new TRPCError({ code: 'UNAUTHORIZED', message: UNRECOGNISED_TOKEN_MESSAGE });
}

function refusalFor(err: unknown): ApiRefusal {
  if (err instanceof TRPCError) return { code: err.code, message: err.message };
  if (err instanceof BodyTooLargeError) {
    return { code: 'PAYLOAD_TOO_LARGE', message: err.message };
  }
  return refusalOf(err) ?? failureOf(err);
}

/**
 * The four put headers (absent: undefined; the first of a repeated one), as this route and
 * tRPC's `ingest.put` read them.
 */
export function putHeadersOf(req: http.IncomingMessage): DropPutHeaders {
  const h = (name: string): string | undefined => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  return {
    sha256: h(PUT_SHA256_HEADER),
    contentId: h(PUT_CONTENT_ID_HEADER),
    bytes: h(PUT_BYTES_HEADER),
    fileName: h(PUT_FILE_NAME_HEADER),
  };
}

/** The request's body, refused past `max` bytes (tRPC's `maxBodySize` did this before). */
async function* bounded(req: http.IncomingMessage, max: number): AsyncGenerator<Uint8Array> {
  let size = 0;
  // Not destroyed when reading stops early: the request's socket must carry the answer.
  for await (const piece of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += piece.length;
    if (size > max) {
      throw new BodyTooLargeError(
        `the request body passed ${max} bytes, more than any drop sent whole: send it in chunks (begin, chunkBytes, commit)`,
      );
    }
    yield piece;
  }
}

/** tRPC's error envelope: what `TRPCClientError` reads, the `retry-after` header for a wait. */
function sendRefusal(res: http.ServerResponse, refusal: ApiRefusal): void {
  // Failed after the answer began (it is small JSON: not seen): cut it rather than garble it.
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const code: TRPC_ERROR_CODE_KEY = refusal.code;
  const httpStatus = getHTTPStatusCodeFromError(new TRPCError({ code }));
  const retryAfterS =
    refusal.retryAfterMs === undefined ? undefined : Math.ceil(refusal.retryAfterMs / 1000);
  if (retryAfterS) res.setHeader('retry-after', String(retryAfterS));
  const data = {
    code,
    httpStatus,
    path: DROP_PUT_PROCEDURE,
    ...(retryAfterS === undefined ? {} : { retryAfterS }),
  };
  send(res, httpStatus, {
    error: { message: refusal.message, code: TRPC_ERROR_CODES_BY_KEY[code], data },
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
