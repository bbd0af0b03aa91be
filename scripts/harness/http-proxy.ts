import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Options of {@link startHttpProxy}. */
export interface HttpProxyOptions {
  /**
   * Sees every request first; answers it itself and returns true (a proxy's error page, an
   * older server's refusal), or returns false to pass it on.
   */
  intercept?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
  /** The path asked of the target for the one the client asked (an older server's names). */
  rewritePath?: (path: string) => string;
}

/** A listening HTTP proxy a test controls. */
export interface HttpProxy {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/**
 * A plain HTTP/1.1 reverse proxy in front of `target` (e.g. a central), for tests of what a
 * client does when something between it and the server answers otherwise (a reverse proxy
 * without a route, a server from before a path existed). Bodies stream both ways.
 */
export async function startHttpProxy(
  target: string,
  options: HttpProxyOptions = {},
): Promise<HttpProxy> {
  const host = new URL(target).host;
  const server = http.createServer((req, res) => {
    if (options.intercept?.(req, res)) {
      req.resume();
      return;
    }
    const path = req.url ?? '/';
    const upstream = http.request(
      `${target}${options.rewritePath?.(path) ?? path}`,
      { method: req.method, headers: { ...req.headers, host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
