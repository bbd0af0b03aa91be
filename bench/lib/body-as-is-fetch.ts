import http from 'node:http';

/** Kept-alive connections, as the platform's fetch keeps them. */
const agent = new http.Agent({ keepAlive: true });

/**
 * A `fetch` for the simulated parks' puts that hands the body it is given to the socket as it
 * is. The platform's fetch copies a byte body first (the Fetch standard's "extract a body"), so
 * a simulated park made a drop's size in memory outside V8's heap per put, twice with the file
 * read; V8 answers every 64 MB of that with a full collection, which at 5.6 drops a second was
 * one every 3.75 s on the cores the API under test shares, and 27 of its 30 puts over 40 ms
 * overlapped one (docs/performance.md, "… the simulated parks' memory outside the heap"). Only
 * what the benches' puts use is supported: method, headers as a plain object, a byte or
 * text body, signal.
 *
 * Settles once the body has been handed over and the answer read, so the caller may reuse the
 * body's memory afterwards.
 */
export function bodyAsIsFetch(
  input: string | URL | Request,
  init: RequestInit = {},
): Promise<Response> {
  if (input instanceof Request) throw new Error('bodyAsIsFetch takes a URL, not a Request');
  const body = init.body;
  if (body != null && !(body instanceof Uint8Array) && typeof body !== 'string') {
    throw new Error('bodyAsIsFetch sends a byte or text body only');
  }
  return new Promise((resolve, reject) => {
    let sent = false;
    let answer: Response | null = null;
    const settle = () => {
      if (sent && answer) resolve(answer);
    };
    const req = http.request(
      input,
      {
        method: init.method ?? 'GET',
        headers: init.headers as Record<string, string> | undefined,
        agent,
        signal: init.signal ?? undefined,
      },
      (res) => {
        const pieces: Buffer[] = [];
        res.on('data', (piece: Buffer) => pieces.push(piece));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(pieces);
          answer = new Response(status === 204 || status === 304 ? null : text, { status });
          settle();
        });
      },
    );
    req.on('error', reject);
    req.on('finish', () => {
      sent = true;
      settle();
    });
    req.end(body ?? undefined);
  });
}
