import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type http from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

/**
 * The one Content-Security-Policy of both UIs (the agent's renderer and central's dashboard):
 * only their own scripts, styles, images and API; no inline script or style (charts are SVG
 * attributes plus CSS classes), no eval, no plugin, no other origin, no <base>, no form posted
 * anywhere (every form is handled by script), and no framing (clickjacking of the buttons).
 */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The headers every UI file is sent with. */
export const UI_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': UI_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

const TYPES: Readonly<Record<string, string>> = {
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

export interface StaticFileOptions {
  /**
   * Answer `index.html` for a path without a file extension that is no file (a single-page
   * app's routes, so a reloaded `/parks/alpha` opens the app). Without it such a path is not
   * handled and the caller answers.
   */
  spaFallback: boolean;
  /** The sentence for a missing build, naming the command that makes it. */
  notBuilt: string;
}

function sendJson(res: http.ServerResponse, status: number, error: string): true {
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-content-type-options': 'nosniff',
  });
  res.end(JSON.stringify({ error }));
  return true;
}

/**
 * Serves a file of a Vite build from `dir`. Returns false when the request is not for a UI
 * file (not GET/HEAD, or an unknown route without the SPA fallback): the caller answers it.
 * Hashed files under `assets/` never change and are cached for a year; the rest (index.html)
 * is revalidated each time, so a new build is picked up on the next load. A missing file with
 * an extension is 404 (a stale tab asking for an old chunk must not get HTML as JavaScript);
 * `..` cannot leave `dir`.
 */
export async function serveStaticFile(
  dir: string,
  urlPath: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  options: StaticFileOptions,
): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return sendJson(res, 400, 'malformed path');
  }
  if (decoded.includes('\0')) return sendJson(res, 400, 'malformed path');
  const root = normalize(dir + sep);
  const wanted = normalize(join(root, decoded));
  if (!wanted.startsWith(root)) return sendJson(res, 404, `no such path: ${urlPath}`);
  const isFile = await stat(wanted).then(
    (s) => s.isFile(),
    () => false,
  );
  const hasExtension = extname(decoded) !== '';
  if (!isFile && hasExtension) return sendJson(res, 404, `no such file: ${urlPath}`);
  const isIndex = !isFile;
  if (isIndex && !options.spaFallback && decoded !== '/' && decoded !== '') return false;
  const file = isFile ? wanted : join(root, 'index.html');
  const size = await stat(file).then(
    (s) => s.size,
    () => null,
  );
  if (size === null) {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${options.notBuilt}\n`);
    return true;
  }
  const immutable = decoded.startsWith('/assets/');
  res.writeHead(200, {
    ...UI_HEADERS,
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': String(size),
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return true;
  }
  await new Promise<void>((resolve, reject) => {
    createReadStream(file).on('error', reject).pipe(res).on('finish', resolve).on('error', reject);
  });
  return true;
}
