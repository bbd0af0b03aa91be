import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { Logger } from 'pino';
import type { Agent } from '../agent.ts';
import type { AgentMetrics } from './agent-metrics.ts';
import { createStatusRouter } from './status-router.ts';
import { DEFAULT_RENDERER_DIR, serveUiFile } from './ui-files.ts';

const UNAUTHORIZED_MESSAGE =
  'missing or wrong local access token: send "Authorization: Bearer <token>" with the token from <dataDir>/status-token';

/** The running local status server. */
export interface StatusServer {
  /** `http://127.0.0.1:<port>`; tRPC under `/trpc`, Prometheus at `/metrics`. */
  url: string;
  port: number;
  /** The local access token (also in `<dataDir>/status-token`). */
  token: string;
  /** The UI with the token: `http://127.0.0.1:<port>/#token=<token>` (the hash never leaves the browser). */
  uiUrl: string;
  tokenFile: string;
  /**
   * `<dataDir>/open-ui.html` (mode 0600): a page that opens `uiUrl`. How a person opens the
   * UI (`xdg-open <file>`): the link holds the token, so it is never printed or logged.
   */
  uiFile: string;
  close(): Promise<void>;
}

export interface StatusServerOptions {
  agent: Agent;
  metrics: AgentMetrics;
  dataDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  log: Logger;
  /** The built renderer (default `desktop/dist/renderer`). */
  rendererDir?: string;
  /**
   * Fetches a report's PDF from central with the park's token (`GET /reports/<id>/pdf` of the
   * UI's Reports screen); without it that path answers 501.
   */
  fetchReportPdf?: (reportId: string) => Promise<Response>;
}

const REPORT_PDF_PATH = /^\/reports\/([0-9a-f-]{36})\/pdf$/;

/**
 * Serves the agent's status API on 127.0.0.1 only: tRPC (`status-router.ts`) under `/trpc`
 * and Prometheus text at `/metrics`, all requiring `Authorization: Bearer <token>`. A new
 * random token is written to `<dataDir>/status-token` (mode 0600) at each start, and the UI
 * link with it to `<dataDir>/open-ui.html` (0600). Only requests naming this server as
 * `127.0.0.1:<port>` or `localhost:<port>` are answered (421 otherwise): a web page whose
 * own name is made to resolve to 127.0.0.1 (DNS rebinding) sends its own name. API answers
 * are never cached and never sniffed.
 */
export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const token = randomBytes(32).toString('hex');
  const tokenFile = path.join(options.dataDir, 'status-token');
  await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
  await chmod(tokenFile, 0o600); // writeFile keeps the mode of a file that already existed.
  const expected = Buffer.from(`Bearer ${token}`);
  const authorized = (req: http.IncomingMessage): boolean => {
    const got = Buffer.from(req.headers.authorization ?? '');
    return got.length === expected.length && timingSafeEqual(got, expected);
  };
  options.metrics.bind(() => options.agent.status());
  const trpc = createHTTPHandler({
    router: createStatusRouter(options.agent),
    basePath: '/trpc/',
    createContext: ({ req }) => ({ authorized: authorized(req) }),
  });
  const rendererDir = options.rendererDir ?? DEFAULT_RENDERER_DIR;
  let hosts = new Set<string>(); // filled once listening: the names carry the port
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const urlPath = url.split('?')[0] ?? '/';
    res.setHeader('x-content-type-options', 'nosniff');
    if (!hosts.has((req.headers.host ?? '').toLowerCase())) {
      res.writeHead(421, {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(
        `this agent answers only at http://127.0.0.1:${port}/ or http://localhost:${port}/: open the UI with the agent's open-ui.html\n`,
      );
      return;
    }
    // The UI's static files hold no data: served without the token, which the page then
    // sends with every API call.
    if (
      !urlPath.startsWith('/trpc/') &&
      urlPath !== '/metrics' &&
      !urlPath.startsWith('/reports/')
    ) {
      serveUiFile(rendererDir, urlPath, req, res).then(
        (served) => {
          if (served) return;
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end(
            'not found: the UI is at /, the API at /trpc/<procedure> (see docs/agent.md), metrics at /metrics\n',
          );
        },
        (err: unknown) => {
          options.log.error({ err }, 'serving a UI file failed');
          if (!res.headersSent) res.writeHead(500);
          res.end();
        },
      );
      return;
    }
    // The API's answers hold the agent's state: never kept by a cache.
    res.setHeader('cache-control', 'no-store');
    // Checked before anything else is read: without the token nothing runs, whatever the path.
    if (!authorized(req)) {
      // In tRPC's error shape, so a tRPC client shows the message.
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            message: UNAUTHORIZED_MESSAGE,
            code: -32001,
            data: { code: 'UNAUTHORIZED', httpStatus: 401 },
          },
        }),
      );
      return;
    }
    if (url.startsWith('/trpc/')) {
      trpc(req, res);
      return;
    }
    if (url === '/metrics' && req.method === 'GET') {
      options.metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': options.metrics.registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          options.log.error({ err }, 'collecting metrics failed');
          res.writeHead(500).end();
        },
      );
      return;
    }
    const report = REPORT_PDF_PATH.exec(urlPath);
    if (report?.[1] && req.method === 'GET') {
      void proxyReportPdf(report[1], options, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: use /trpc/<procedure> (see docs/agent.md) or /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const uiUrl = `http://127.0.0.1:${port}/#token=${token}`;
  const uiFile = path.join(options.dataDir, 'open-ui.html');
  await writeFile(uiFile, openUiPage(uiUrl), { mode: 0o600 });
  await chmod(uiFile, 0o600);
  // Never the token or the link in a log or on stdout: logs and captured output are readable
  // by others (a 0644 file, the system journal) and get copied into tickets.
  options.log.info(
    { port, tokenFile, uiFile, ui: `http://127.0.0.1:${port}/` },
    'local status API listening on 127.0.0.1 (open the UI with uiFile, e.g. xdg-open)',
  );
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    token,
    uiUrl,
    tokenFile,
    uiFile,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** A page that moves the browser to the UI link (the hash, with the token, stays local). */
function openUiPage(uiUrl: string): string {
  return [
    '<!doctype html>',
    '<meta charset="utf-8">',
    '<meta name="referrer" content="no-referrer">',
    `<meta http-equiv="refresh" content="0; url=${uiUrl}">`,
    '<title>Zamperla park agent</title>',
    `<p>Opening the park agent… <a href="${uiUrl}">open it</a> if nothing happens.</p>`,
    '',
  ].join('\n');
}

function answerJson(res: http.ServerResponse, status: number, error: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error }));
}

/** Streams a report's PDF from central to the UI; central's refusal is passed on in words. */
async function proxyReportPdf(
  reportId: string,
  options: StatusServerOptions,
  res: http.ServerResponse,
): Promise<void> {
  if (!options.fetchReportPdf) {
    return answerJson(
      res,
      501,
      'this agent cannot fetch report files; open the report in the central dashboard',
    );
  }
  let upstream: Response;
  try {
    upstream = await options.fetchReportPdf(reportId);
  } catch (err) {
    options.log.warn({ err, reportId }, 'fetching a report PDF from central failed');
    return answerJson(
      res,
      502,
      `central could not be reached for the report (${(err as Error).message}); check the link to central and try again`,
    );
  }
  if (!upstream.ok) {
    const body = (await upstream.json().catch(() => null)) as { error?: string } | null;
    return answerJson(
      res,
      upstream.status === 401 ? 502 : upstream.status,
      `central refused the report: ${body?.error ?? `${upstream.status} ${upstream.statusText}`}`,
    );
  }
  const pdf = Buffer.from(await upstream.arrayBuffer());
  res.writeHead(200, {
    'content-type': 'application/pdf',
    'content-length': String(pdf.length),
    'content-disposition': `attachment; filename="report-${reportId}.pdf"`,
    'x-content-type-options': 'nosniff',
    'cache-control': 'private, no-store',
  });
  res.end(pdf);
}
