import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type http from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

/** Where `vite build` puts the dashboard unless `DASHBOARD_DIR` says otherwise. */
export const DEFAULT_DASHBOARD_DIR = new URL('../../dashboard/dist', import.meta.url).pathname;

/**
 * The dashboard's only sources are its own files and its own API: no inline script, no eval,
 * no third-party origin, and it cannot be framed (clickjacking of the admin buttons).
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'x-content-type-options': 'nosniff' });
  res.end(body);
}

/**
 * Serves the built dashboard (a single-page app) from `dir`: real files by path, and
 * `index.html` for every other path so that a reloaded `/parks/alpha` still opens the app.
 * Hashed files under `/assets/` never change and are cached for a year; `index.html` is
 * revalidated each time so a new deployment is picked up on the next load.
 */
export async function serveDashboardFile(
  dir: string,
  path: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return send(res, 405, 'application/json', JSON.stringify({ error: 'use GET' }));
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return send(res, 400, 'application/json', JSON.stringify({ error: 'malformed path' }));
  }
  const root = normalize(dir + sep);
  const wanted = normalize(join(root, decoded));
  // `..` in the path must not reach outside the build folder.
  if (!wanted.startsWith(root)) {
    return send(res, 404, 'application/json', JSON.stringify({ error: `no such path: ${path}` }));
  }
  const isFile = await stat(wanted).then(
    (s) => s.isFile(),
    () => false,
  );
  const hasExtension = extname(decoded) !== '';
  // A missing asset is a 404 (a stale tab asking for an old chunk must not get HTML as JS).
  if (!isFile && hasExtension) {
    return send(res, 404, 'application/json', JSON.stringify({ error: `no such file: ${path}` }));
  }
  const file = isFile ? wanted : join(root, 'index.html');
  const size = await stat(file).then(
    (s) => s.size,
    () => null,
  );
  if (size === null) {
    return send(
      res,
      503,
      'text/plain; charset=utf-8',
      `The dashboard is not built (no ${join(root, 'index.html')}): run npm run bootstrap, ` +
        'or point DASHBOARD_DIR at a folder built by vite build.\n',
    );
  }
  const immutable = decoded.startsWith('/assets/');
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': String(size),
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'content-security-policy': DASHBOARD_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    'x-frame-options': 'DENY',
  });
  if (req.method === 'HEAD') return void res.end();
  await new Promise<void>((resolve, reject) => {
    createReadStream(file).on('error', reject).pipe(res).on('finish', resolve).on('error', reject);
  });
}
