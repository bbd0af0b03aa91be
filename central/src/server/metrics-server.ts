import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { hostAllowlist, hostRefusal } from './host-allowlist.ts';
import type { CentralMetrics } from './metrics.ts';

/** The `/metrics` listener and how to reach and stop it. */
export interface RunningMetricsServer {
  /** Base URL, e.g. `http://127.0.0.1:9464`; the metrics are at `${url}/metrics`. */
  url: string;
  close(): Promise<void>;
}

const HEADERS = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };

/**
 * Serves `/metrics` on a port of its own (`METRICS_PORT`), never on the public API listener:
 * the metrics name every park, queue and failure count, and the ingress only forwards the API
 * port, so only what reaches the pod (Prometheus, through its NetworkPolicy) can read them.
 * The `Host` allowlist applies here too (a rebinding page must not read them from a laptop).
 */
export async function startMetricsServer(options: {
  metrics: CentralMetrics;
  log: Logger;
  host: string;
  port: number;
  allowedHosts: readonly string[];
}): Promise<RunningMetricsServer> {
  const { metrics, log } = options;
  const hostAllowed = hostAllowlist(options.allowedHosts);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (!hostAllowed(req.headers.host)) {
      res.writeHead(421, { 'content-type': 'application/json', ...HEADERS });
      res.end(JSON.stringify({ error: hostRefusal(req.headers.host) }));
      return;
    }
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'application/json', ...HEADERS });
      res.end(JSON.stringify({ error: 'this port serves GET /metrics only' }));
      return;
    }
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType, ...HEADERS });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        log.warn({ err }, 'metrics unavailable');
        res.writeHead(503, { 'content-type': 'text/plain', ...HEADERS });
        res.end('metrics unavailable: database unreachable\n');
      },
    );
  });
  // A scrape is small and quick; a client that holds a connection open must not keep it.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  log.info({ url }, 'metrics listening');
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
