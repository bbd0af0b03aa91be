import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { Logger } from 'pino';
import type { Agent } from './agent.ts';
import type { AgentMetrics } from './agent-metrics.ts';
import { createStatusRouter } from './status-router.ts';

const UNAUTHORIZED_MESSAGE =
  'missing or wrong local access token: send "Authorization: Bearer <token>" with the token from <dataDir>/status-token';

/** The running local status server. */
export interface StatusServer {
  /** `http://127.0.0.1:<port>`; tRPC under `/trpc`, Prometheus at `/metrics`. */
  url: string;
  port: number;
  /** The local access token (also in `<dataDir>/status-token`). */
  token: string;
  tokenFile: string;
  close(): Promise<void>;
}

export interface StatusServerOptions {
  agent: Agent;
  metrics: AgentMetrics;
  dataDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  log: Logger;
}

/**
 * Serves the agent's status API on 127.0.0.1 only: tRPC (`status-router.ts`) under `/trpc`
 * and Prometheus text at `/metrics`, all requiring `Authorization: Bearer <token>`. A new
 * random token is written to `<dataDir>/status-token` (mode 0600) at each start.
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
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
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
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: use /trpc/<procedure> (see docs/agent.md) or /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  options.log.info({ port, tokenFile }, 'local status API listening on 127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    token,
    tokenFile,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
