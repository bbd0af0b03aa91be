import { readFile } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `npx vite build --config desktop/vite.config.ts` puts the renderer. */
export const DEFAULT_RENDERER_DIR = fileURLToPath(
  new URL('../../../dist/renderer', import.meta.url),
);

/**
 * The page's Content-Security-Policy: only the agent's own scripts, styles and API; no inline
 * scripts, no other origin, no framing.
 */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/**
 * Serves the built renderer's static files (no token: they hold no data; every API call
 * needs it). `/` is `index.html`; only files under `dir`, only GET/HEAD. Answers false when
 * the path is not a UI file, so the caller can answer 404.
 */
export async function serveUiFile(
  dir: string,
  urlPath: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const rel = urlPath === '/' ? 'index.html' : decodeURIComponent(urlPath.slice(1));
  const file = path.resolve(dir, rel);
  if (!file.startsWith(path.resolve(dir) + path.sep)) return false;
  const type = TYPES[path.extname(file)];
  if (!type) return false;
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    if (rel !== 'index.html') return false;
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(
      `the agent's UI is not built (no ${file}): run "npx vite build --config desktop/vite.config.ts" and reload\n`,
    );
    return true;
  }
  res.writeHead(200, {
    'content-type': type,
    'content-length': String(body.length),
    'content-security-policy': UI_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': rel === 'index.html' ? 'no-store' : 'private, max-age=3600',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
