import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { Logger } from 'pino';
import { CHUNK_OFFSET_HEADER, CHUNK_UPLOAD_ID_HEADER, DROP_PUT_PATH } from '@zra/shared';
import { MAX_CHUNK_BYTES } from '../ingest/ingest-schemas.ts';
import { RateLimitedError } from '../ingest/rate-limiter.ts';
import { cookieValue } from '../users/cookies.ts';
import type { SessionView } from '../users/auth-schemas.ts';
import { DEVICE_COOKIE } from '../users/known-devices.ts';
import { SESSION_COOKIE, sessionFor } from '../users/session-store.ts';
import { MAX_BATCH_CALLS } from './batch-limit.ts';
import { clientAddressResolver } from './client-address.ts';
import type { CentralServices } from './context.ts';
import { DEFAULT_DASHBOARD_DIR, serveDashboardFile } from './dashboard-files.ts';
import { dropPutRoute, putHeadersOf } from './drop-put-route.ts';
import { hostAllowlist, hostRefusal } from './host-allowlist.ts';
import { serveReportFile } from './report-files.ts';
import type { CentralMetrics } from './metrics.ts';
import { checkLiveness, checkReadiness } from './readiness.ts';
import { requestIdFor } from './request-id.ts';
import { routeLabel } from './route-label.ts';
import { appRouter } from './router.ts';

/** A chunk plus the multipart envelope and the other fields; anything larger is refused (413). */
export const MAX_BODY_BYTES = MAX_CHUNK_BYTES + 1024 * 1024;

/** Headers of every API and JSON answer: never sniffed as another type, never cached. */
const API_HEADERS = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };

/** What the HTTP server serves. */
export interface HttpServerDeps extends CentralServices {
  metrics: CentralMetrics;
  log: Logger;
  /** How long `close()` lets in-flight requests finish before cutting their connections. */
  shutdownGraceMs: number;
  /** The built dashboard served at `/` (default `central/dashboard/dist`). */
  dashboardDir?: string;
  /** Reverse proxies whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`). */
  trustedProxies: readonly string[];
  /** Host names a request may name besides IP addresses and localhost (`ALLOWED_HOSTS`). */
  allowedHosts: readonly string[];
}

/** A listening server and how to reach and stop it. */
export interface RunningHttpServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`; the tRPC endpoint is `${url}/trpc`. */
  url: string;
  /** Stops accepting connections at once, then waits for in-flight requests (up to the grace). */
  close(): Promise<void>;
}

/**
 * Serves `/trpc/*` (the API), `POST /ingest/put` (a drop sent whole), `/files/reports/*`, the dashboard at every other path, `/healthz`
 * (the process answers) and `/readyz` (the database answers; the broker is reported) on node:http;
 * `/metrics` has a listener of its own (metrics-server.ts). Every request gets an id
 * (`x-request-id`, echoed) and a child logger carrying it. A `Host` that is not central's is
 * refused (421) everywhere but the probes.
 */
export async function startHttpServer(
  deps: HttpServerDeps,
  host: string,
  port: number,
): Promise<RunningHttpServer> {
  const { log, metrics } = deps;
  const requestLogs = new WeakMap<http.IncomingMessage, Logger>();
  const resolveClient = clientAddressResolver(deps.trustedProxies);
  // Behind a proxy that TRUSTED_PROXIES does not list, every client counts as the proxy for the
  // sign-in limits: say so once per sender (a few at most), so the operator can fix the setting.
  const warnedForwarders = new Set<string>();
  const clientAddress = (req: http.IncomingMessage, log: Logger): string => {
    const forwarded = req.headers['x-forwarded-for'];
    const client = resolveClient(req.socket.remoteAddress, forwarded);
    // Not believed: `client` is then the sender itself.
    const ignored = forwarded !== undefined && !resolveClient.trusts(req.socket.remoteAddress);
    if (ignored && warnedForwarders.size < 8 && !warnedForwarders.has(client)) {
      warnedForwarders.add(client);
      log.warn(
        { sender: client },
        'a request came with X-Forwarded-For from a sender TRUSTED_PROXIES does not list: it is not believed, so behind that proxy all clients share its address for the sign-in limits; if it is your ingress, add its address range to TRUSTED_PROXIES',
      );
    }
    return client;
  };
  const hostAllowed = hostAllowlist(deps.allowedHosts);
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: MAX_BODY_BYTES,
    maxBatchSize: MAX_BATCH_CALLS,
    createContext: ({ req, res, info }) => {
      const sessionId = cookieValue(req.headers.cookie, SESSION_COOKIE);
      let session: Promise<SessionView | null> | undefined;
      return {
        ingest: deps.ingest,
        auth: deps.auth,
        heartbeats: deps.heartbeats,
        parkReads: deps.parkReads,
        pool: deps.pool,
        fleet: deps.fleet,
        broker: deps.broker,
        settings: deps.settings,
        ingestLimiter: deps.ingestLimiter,
        loginThrottle: deps.loginThrottle,
        parkQuota: deps.parkQuota,
        remoteAddress: clientAddress(req, log),
        deviceId: cookieValue(req.headers.cookie, DEVICE_COOKIE),
        batchCalls: info.calls.length,
        onEnqueued: deps.onEnqueued,
        gatewayCredentialsKey: deps.gatewayCredentialsKey,
        blobs: deps.blobs,
        checkDrop: deps.checkDrop,
        log: requestLogs.get(req) ?? log,
        authorization: req.headers.authorization,
        sessionId,
        currentSession: () =>
          (session ??= sessionId ? sessionFor(deps.pool, sessionId) : Promise.resolve(null)),
        csrfHeader: headerValue(req.headers['x-zra-csrf']),
        chunkPlace: {
          uploadId: headerValue(req.headers[CHUNK_UPLOAD_ID_HEADER]),
          offset: headerValue(req.headers[CHUNK_OFFSET_HEADER]),
        },
        dropPut: putHeadersOf(req),
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

  const putDrop = dropPutRoute(deps, MAX_BODY_BYTES);
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

    const probe = path === '/healthz' || path === '/readyz';
    if (!probe && !hostAllowed(req.headers.host)) {
      reqLog.info({ host: req.headers.host?.slice(0, 200) }, 'request refused: unknown Host');
      res.writeHead(421, { 'content-type': 'application/json', ...API_HEADERS });
      res.end(JSON.stringify({ error: hostRefusal(req.headers.host) }));
      return;
    }
    const api =
      probe ||
      path.startsWith('/trpc/') ||
      path.startsWith('/files/') ||
      path === '/metrics' ||
      path === DROP_PUT_PATH;
    if (api) for (const [name, value] of Object.entries(API_HEADERS)) res.setHeader(name, value);

    if (path.startsWith('/trpc/')) {
      trpc(req, res);
    } else if (path === DROP_PUT_PATH) {
      void putDrop(req, res, reqLog);
    } else if (path.startsWith('/files/reports/')) {
      void serveReportFile(deps.pool, deps.blobs, path, req, res).catch((err: unknown) => {
        reqLog.error({ err }, 'report download failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'report download failed; see the central logs' }));
      });
    } else if (path === '/metrics') {
      // Not on the public listener: the metrics name parks and queues to anyone who asks.
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: 'metrics are served on their own port (METRICS_PORT, 9464 by default)',
        }),
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
