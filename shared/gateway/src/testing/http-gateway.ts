import { createReadStream } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** A small real HTTP gateway for tests: serves `root` the way nginx's JSON autoindex does. */
export interface HttpGateway {
  url: string;
  /** Requests seen, e.g. "GET /r1/", "DELETE /r1/x.zip". */
  requests: string[];
  close(): Promise<void>;
}

export interface HttpGatewayOptions {
  /** Basic auth the gateway requires; none when absent. */
  auth?: { username: string; password: string };
  /** Answers this body to every listing instead of the real one (a broken gateway). */
  listingOverride?: unknown;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string; cert: string };
  /**
   * While true, a download sends this many bytes and then nothing more, keeping the
   * connection open (a gateway that hangs mid-file).
   */
  stallAfterBytes?: number | null;
}

/**
 * `GET /dir/` lists like nginx `autoindex_format json` (name, type, RFC 1123 mtime, size),
 * `GET /dir/name` sends the file, `DELETE /dir/name` removes it. Paths never leave `root`.
 */
export async function startHttpGateway(
  root: string,
  options: HttpGatewayOptions = {},
): Promise<HttpGateway> {
  const requests: string[] = [];
  const expected = options.auth
    ? `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`
    : null;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(`${req.method} ${urlPath}`);
    if (expected !== null && req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="gateway"' }).end();
      return;
    }
    const local = path.join(root, urlPath);
    if (!local.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    serve(req.method ?? 'GET', urlPath, local, res, options).catch(() => {
      if (!res.headersSent) res.writeHead(404);
      res.end();
    });
  };
  const server = options.tls
    ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serve(
  method: string,
  urlPath: string,
  local: string,
  res: http.ServerResponse,
  options: HttpGatewayOptions,
): Promise<void> {
  if (urlPath.endsWith('/') && method === 'GET') {
    const entries = await readdir(local, { withFileTypes: true });
    const listing =
      options.listingOverride ??
      (await Promise.all(
        entries.map(async (e) => {
          const s = await stat(path.join(local, e.name));
          return {
            name: e.name,
            type: e.isDirectory() ? 'directory' : 'file',
            mtime: s.mtime.toUTCString(),
            ...(e.isDirectory() ? {} : { size: s.size }),
          };
        }),
      ));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(listing));
    return;
  }
  if (method === 'DELETE') {
    await stat(local);
    await rm(local);
    res.writeHead(204).end();
    return;
  }
  if (method === 'GET') {
    const s = await stat(local);
    res.writeHead(200, { 'content-length': s.size, 'content-type': 'application/zip' });
    const stall = options.stallAfterBytes;
    if (stall !== undefined && stall !== null) {
      createReadStream(local, { end: stall - 1 }).on('data', (d) => res.write(d));
      return;
    }
    createReadStream(local).pipe(res);
    return;
  }
  res.writeHead(405).end();
}
