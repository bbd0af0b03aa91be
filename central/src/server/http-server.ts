import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { Logger } from 'pino';
import { MAX_CHUNK_BYTES } from '../ingest/ingest-schemas.ts';
import { RateLimitedError } from '../ingest/rate-limiter.ts';
import { cookieValue } from '../users/cookies.ts';
import type { SessionView } from '../users/auth-schemas.ts';
import { SESSION_COOKIE, sessionFor } from '../users/session-store.ts';
import type { CentralServices } from './context.ts';
import { DEFAULT_DASHBOARD_DIR, serveDashboardFile } from './dashboard-files.ts';
import { serveReportFile } from './report-files.ts';
import type { CentralMetrics } from './metrics.ts';
import { checkLiveness, checkReadiness } from './readiness.ts';
import { requestIdFor } from './request-id.ts';
import { routeLabel } from './route-label.ts';
import { appRouter } from './router.ts';

/** A chunk plus the multipart envelope and the other fields; anything larger is refused (413). */
export const MAX_BODY_BYTES = MAX_CHUNK_BYTES + 1024 * 1024;

/** What the HTTP server serves. */
export interface HttpServerDeps extends CentralServices {
  metrics: CentralMetrics;
  log: Logger;
  /** How long `close()` lets in-flight requests finish before cutting their connections. */
  shutdownGraceMs: number;
  /** The built dashboard served at `/` (default `central/dashboard/dist`). */
  dashboardDir?: string;
}

/** A listening server and how to reach and stop it. */
export interface RunningHttpServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`; the tRPC endpoint is `${url}/trpc`. */
  url: string;
  /** Stops accepting connections at once, then waits for in-flight requests (up to the grace). */
  close(): Promise<void>;
}

/**
 * Serves `/trpc/*` (the API), `/files/reports/*`, the dashboard at every other path, `/healthz` (the process answers), `/readyz`
 * (the database answers; the broker is reported) and `/metrics` on node:http. Every request gets an id
 * (`x-request-id`, echoed) and a child logger carrying it.
 */
export async function startHttpServer(
  deps: HttpServerDeps,
  host: string,
  port: number,
): Promise<RunningHttpServer> {
  const { log, metrics } = deps;
  const requestLogs = new WeakMap<http.IncomingMessage, Logger>();
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: MAX_BODY_BYTES,
    createContext: ({ req, res }) => {
      const sessionId = cookieValue(req.headers.cookie, SESSION_COOKIE);
      let session: Promise<SessionView | null> | undefined;
      return {
        ingest: deps.ingest,
        auth: deps.auth,
        heartbeats: deps.heartbeats,
        parkReads: deps.parkReads,
        pool: deps.pool,
        broker: deps.broker,
        settings: deps.settings,
        ingestLimiter: deps.ingestLimiter,
        loginLimiter: deps.loginLimiter,
        remoteAddress: req.socket.remoteAddress ?? 'unknown',
        onEnqueued: deps.onEnqueued,
        log: requestLogs.get(req) ?? log,
        authorization: req.headers.authorization,
        sessionId,
        currentSession: () =>
          (session ??= sessionId ? sessionFor(deps.pool, sessionId) : Promise.resolve(null)),
        csrfHeader: headerValue(req.headers['x-zra-csrf']),
        setCookie: (cookie: string) => res.appendHeader('set-cookie', cookie),
      };
    },
    responseMeta: ({ errors }) => {
      // The agent's back-off honours `retry-after` (seconds) on a rate-limited call.
      const waits = errors
        .map((e) => (e.cause instanceof RateLimitedError ? e.cause.retryAfterMs : 0))
        .filter((ms) => ms > 0);
      return waits.length > 0
        ? { headers: { 'retry-after': String(Math.ceil(Math.max(...waits) / 1000)) } }
        : {};
    },
    onError: ({ error, path, req }) => {
      const reqLog = requestLogs.get(req) ?? log;
      // Client mistakes are answered to the client; only our own failures need a person.
      if (error.code === 'INTERNAL_SERVER_ERROR')
        reqLog.error({ err: error, path }, 'request failed');
      else if (error.code === 'SERVICE_UNAVAILABLE')
        reqLog.warn({ err: error, path }, 'request failed: a dependency is unavailable');
      else reqLog.info({ code: error.code, path, reason: error.message }, 'request refused');
    },
  });

  const dashboardDir = deps.dashboardDir ?? DEFAULT_DASHBOARD_DIR;
  let closing = false;
  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = routeLabel(path);
    const requestId = requestIdFor(req.headers['x-request-id']);
    const reqLog = log.child({ requestId });
    requestLogs.set(req, reqLog);
    res.setHeader('x-request-id', requestId);
    // During shutdown, a kept-alive connection must not carry another request after this one.
    if (closing) res.setHeader('connection', 'close');
    reqLog.debug({ method: req.method, route }, 'request started');
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = String(res.statusCode);
      metrics.httpDuration.observe({ route, method: req.method ?? '?', status }, seconds);
      reqLog.debug({ route, status, ms: Math.round(seconds * 1000) }, 'request finished');
      if (closing) setImmediate(() => server.closeIdleConnections());
    });

    if (path.startsWith('/trpc/')) {
      trpc(req, res);
    } else if (path.startsWith('/files/reports/')) {
      void serveReportFile(deps.pool, path, req, res).catch((err: unknown) => {
        reqLog.error({ err }, 'report download failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'report download failed; see the central logs' }));
      });
    } else if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          reqLog.warn({ err }, 'metrics unavailable');
          res.writeHead(503, { 'content-type': 'text/plain' });
          res.end('metrics unavailable: database unreachable\n');
        },
      );
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(checkLiveness()));
    } else if (path === '/readyz') {
      void checkReadiness(deps.pool, deps.broker).then((readiness) => {
        if (!readiness.ok) reqLog.warn({ readiness }, 'not ready');
        res.writeHead(readiness.ok ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify(readiness));
      });
    } else {
      void serveDashboardFile(dashboardDir, path, req, res).catch((err: unknown) => {
        reqLog.error({ err }, 'dashboard file failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'dashboard file failed; see the central logs' }));
      });
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
  if (!existsSync(`${dashboardDir}/index.html`)) {
    log.warn(
      { dashboardDir },
      'the dashboard is not built, so / answers 503: run npm run bootstrap (or set DASHBOARD_DIR)',
    );
  }
  return {
    url,
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
      });
      server.closeIdleConnections();
      log.info(
        { graceMs: deps.shutdownGraceMs },
        'stopped accepting; finishing in-flight requests',
      );
      // A client that never finishes its body must not hold the shutdown forever.
      const cut = setTimeout(() => {
        log.warn('shutdown grace elapsed; cutting the remaining connections');
        server.closeAllConnections();
      }, deps.shutdownGraceMs);
      try {
        await closed;
      } finally {
        clearTimeout(cut);
      }
    },
  };
}

function headerValue(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}
