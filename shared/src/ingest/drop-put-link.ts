import { TRPCClientError, type Operation, type TRPCLink } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import { z } from 'zod';
import { DROP_PUT_PATH, DROP_PUT_PROCEDURE } from './drop-put.ts';
import { uploadHeadersOf } from './upload-headers.ts';

/** Where central is and how to speak to it, as the client's other links are told. */
export interface DropPutLinkOptions {
  /** Central's base URL, the one its `/trpc` endpoint hangs under. */
  baseUrl: string;
  /** The park's `authorization` header (and any other the client sends with every call). */
  headers: () => Record<string, string>;
  /** The client's fetch (the agent's has a deadline per request). */
  fetch?: typeof fetch;
  /**
   * Called when central (or a proxy before it) answers the path with 404 or 405 where it did
   * not before: this client then sends puts through tRPC (slower, still correct, otherwise
   * silent) and tries the path again every {@link PUT_PATH_RECHECK_MS}.
   */
  onPathUnknown?: (status: number) => void;
  /** The clock the recheck follows (tests move it); `Date.now` when absent. */
  now?: () => number;
}

/**
 * How long a client whose central did not know the path sends its puts through tRPC before
 * it tries the path again: a central upgraded (or a proxy fixed) while the agent runs gets its
 * puts on the path within this time, and an older one costs one put's bytes sent twice.
 */
export const PUT_PATH_RECHECK_MS = 15 * 60_000;

/** Central's answer in tRPC's envelope: the call's result, or its error as tRPC shapes it. */
const envelopeSchema = z.union([
  z.object({ result: z.object({ data: z.unknown() }) }),
  z.object({
    error: z.object({ message: z.string(), code: z.number(), data: z.unknown().optional() }),
  }),
]);

/**
 * Sends `ingest.put` to `POST /ingest/put` instead of through tRPC's endpoint: the same
 * headers and body, the same answer (and the same `TRPCClientError` for a refusal), less work
 * for central per drop. A central that does not know the path (from before it, a rolled-back
 * upgrade) answers 404 or 405: this client then sends its puts the tRPC way (whose own
 * "no procedure" answer the agent takes as "send chunks") and tries the path again after
 * PUT_PATH_RECHECK_MS. Any other answer that is not central's (a proxy's error page) is retried
 * once the tRPC way, which reports it in its words. Every other call passes through.
 */
export function dropPutLink<TRouter extends AnyTRPCRouter>(
  options: DropPutLinkOptions,
): TRPCLink<TRouter> {
  const url = `${options.baseUrl.replace(/\/+$/, '')}${DROP_PUT_PATH}`;
  const send = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  /** Set while central is taken not to know the path: when to try it again. */
  let recheckAt: number | undefined;
  return () =>
    ({ op, next }) => {
      if (op.path !== DROP_PUT_PROCEDURE || op.type !== 'mutation') return next(op);
      if (recheckAt !== undefined && now() < recheckAt) return next(op);
      return observable((observer) => {
        let viaTrpc: Unsubscribable | undefined;
        post(op)
          .then((answer) => {
            if (answer.kind === 'not-central') {
              if (answer.status === 404 || answer.status === 405) {
                if (recheckAt === undefined) options.onPathUnknown?.(answer.status);
                recheckAt = now() + PUT_PATH_RECHECK_MS;
              }
              viaTrpc = next(op).subscribe(observer);
              return;
            }
            observer.next({ result: { type: 'data', data: answer.data } });
            observer.complete();
          })
          .catch((err: object) => observer.error(TRPCClientError.from(err)));
        return () => viaTrpc?.unsubscribe();
      });
    };

  async function post(
    op: Operation,
  ): Promise<{ kind: 'data'; data: unknown } | { kind: 'not-central'; status: number }> {
    const res = await send(url, {
      method: 'POST',
      headers: {
        ...options.headers(),
        ...uploadHeadersOf(op.context),
        'content-type': 'application/octet-stream',
      },
      body: op.input as Uint8Array<ArrayBuffer>,
      signal: op.signal,
    });
    const envelope = envelopeSchema.safeParse(parseJson(await res.text()));
    if (!envelope.success) return { kind: 'not-central', status: res.status };
    // Central's own answer, a refusal included: the path is known (again).
    recheckAt = undefined;
    // tRPC's error response, which TRPCClientError.from reads as the tRPC call's refusal.
    if ('error' in envelope.data) throw envelope.data;
    return { kind: 'data', data: envelope.data.result.data };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
