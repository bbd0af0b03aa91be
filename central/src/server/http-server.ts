import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type pg from 'pg';
import type { Logger } from 'pino';
import { MAX_CHUNK_BYTES } from '../ingest/ingest-schemas.ts';
import type { IngestService, ParkAuthenticator } from './context.ts';
import { createMetrics } from './metrics.ts';
import { appRouter } from './router.ts';

/** A chunk plus the multipart envelope and the other fields; anything larger is refused (413). */
export const MAX_BODY_BYTES = MAX_CHUNK_BYTES + 1024 * 1024;

/** What the HTTP server serves. */
export interface HttpServerDeps {
  pool: pg.Pool;
  ingest: IngestService;
  auth: ParkAuthenticator;
  log: Logger;
}

/** A listening server and how to reach and stop it. */
export interface RunningHttpServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`; the tRPC endpoint is `${url}/trpc`. */
  url: string;
  close(): Promise<void>;
}

/** Serves `/trpc/*` (the API), `/healthz` (database reachable) and `/metrics` on node:http. */
export async function startHttpServer(
  deps: HttpServerDeps,
  host: string,
  port: number,
): Promise<RunningHttpServer> {
  const { log } = deps;
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: MAX_BODY_BYTES,
    createContext: ({ req }) => ({
      ingest: deps.ingest,
      auth: deps.auth,
      log,
      authorization: req.headers.authorization,
    }),
    onError: ({ error, path }) => {
      // Client mistakes are answered to the client; only our own failures need a person.
      if (error.code === 'INTERNAL_SERVER_ERROR') log.error({ err: error, path }, 'request failed');
      else log.info({ code: error.code, path, reason: error.message }, 'request refused');
    },
  });

  const metrics = createMetrics(deps.pool);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/trpc/')) {
      trpc(req, res);
    } else if (path === '/metrics') {
      metrics.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.contentType });
          res.end(text);
        },
        (err: unknown) => {
          log.warn({ err }, 'metrics unavailable');
          res.writeHead(503, { 'content-type': 'text/plain' });
          res.end('metrics unavailable: database unreachable\n');
        },
      );
    } else if (path === '/healthz') {
      void healthz(deps.pool).then((ok) => {
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok, database: ok ? 'reachable' : 'unreachable' }));
      });
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `no such path: ${path}` }));
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  log.info({ url }, 'central API listening');
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function healthz(pool: pg.Pool): Promise<boolean> {
  try {
    await pool.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}
