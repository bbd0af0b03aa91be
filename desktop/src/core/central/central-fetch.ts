/** How long central may take to answer one request, unless the config says otherwise. */
export const DEFAULT_CENTRAL_TIMEOUT_MS = 30_000;

/**
 * The slowest uplink a chunk upload is given time for: a request that carries N bytes may
 * take N / this longer than one that carries nothing. 64 KiB/s (about 0.5 Mbit/s): a 4 MiB
 * chunk gets 64 s more. Parks on slower links lower `chunkBytes`.
 */
export const SLOWEST_UPLINK_BYTES_PER_SECOND = 64 * 1024;

/** Central did not answer a request in time: the link or central hangs, not refuses. */
export class CentralTimeoutError extends Error {
  override readonly name = 'CentralTimeoutError';
  readonly code = 'CENTRAL_TIMEOUT';
  constructor(
    readonly timeoutMs: number,
    what: string,
    options?: ErrorOptions,
  ) {
    super(
      `central did not answer ${what} within ${Math.round(timeoutMs / 1000)} s (no reply on an open connection: the link or central hangs); the agent gives up on this request and tries again later`,
      options,
    );
  }
}

/**
 * `fetch` with a deadline for every request to central, answer body included. Without one a
 * connection that stays open but never answers (a lost NAT entry, a hung proxy or server)
 * held an upload round, a heartbeat or a global-view fetch for ever: the link looked online
 * and nothing moved. Requests that carry a body get extra time for its bytes at the slowest
 * uplink we plan for. Sockets use TCP keepalive (Node's fetch sets it on every connection).
 */
export function centralFetch(timeoutMs: number = DEFAULT_CENTRAL_TIMEOUT_MS): typeof fetch {
  return async (input, init) => {
    const limitMs = Math.ceil(
      timeoutMs + (bodyBytes(init?.body) / SLOWEST_UPLINK_BYTES_PER_SECOND) * 1000,
    );
    const deadline = AbortSignal.timeout(limitMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    const what = describeRequest(input);
    try {
      const res = await fetch(input, { ...init, signal });
      // Read here, under the same deadline: a reply whose body stops half-way hangs as well.
      // tRPC answers are small JSON.
      const body = NULL_BODY_STATUS.has(res.status) ? null : await res.arrayBuffer();
      return new Response(body, {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
      });
    } catch (err) {
      if (deadline.aborted) throw new CentralTimeoutError(limitMs, what, { cause: err });
      throw err;
    }
  };
}

/** Statuses a Response may not carry a body with. */
const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

/** Bytes a request body carries (FormData: its files and fields), for the deadline. */
function bodyBytes(body: RequestInit['body']): number {
  if (body === null || body === undefined) return 0;
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof Blob) return body.size;
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return body.byteLength;
  if (body instanceof FormData) {
    let n = 0;
    for (const [, value] of body)
      n += typeof value === 'string' ? Buffer.byteLength(value) : value.size;
    return n;
  }
  return 0;
}

/** "ingest.chunk" from a tRPC URL, for the message. */
function describeRequest(input: Parameters<typeof fetch>[0]): string {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const procedure = /\/trpc\/([^?]+)/.exec(url)?.[1];
  return procedure ? `the ${decodeURIComponent(procedure).replace(/,/g, ', ')} call` : `at ${url}`;
}
