import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CustomScheme } from 'electron';
import { UI_CSP } from '@zra/ui/server';

/**
 * The app's own scheme: the window loads `zra://agent/index.html` instead of a `file://` page,
 * so the page has an origin of its own (not every file on the disk) and Electron's extra
 * `file://` privileges can be switched off (the `grantFileProtocolExtraPrivileges` fuse).
 */
export const APP_SCHEME = 'zra';
export const APP_HOST = 'agent';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * Registered before `ready` (`protocol.registerSchemesAsPrivileged`): a standard scheme, so
 * relative URLs and the page's origin work as over HTTP, and a secure one, so the page is a
 * secure context. No CORS, no service workers, no streaming: the page only loads its own files.
 */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true },
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/**
 * The handler of `protocol.handle(APP_SCHEME, …)`: the built renderer's files under `rootDir`
 * and nothing else. Only GET of `zra://agent/…`; `/` is `index.html`; a path that leaves
 * `rootDir` (`..`, an encoded slash or backslash) or a file type the renderer does not have
 * answers 404. Every answer carries the page's Content-Security-Policy.
 */
export function createAppProtocolHandler(rootDir: string): (request: Request) => Promise<Response> {
  const root = path.resolve(rootDir);
  return async (request) => {
    if (request.method !== 'GET') return answer(405, 'only GET is served');
    const url = new URL(request.url);
    if (url.host.toLowerCase() !== APP_HOST) return answer(404, 'not found');
    let rel: string;
    try {
      rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    } catch {
      return answer(404, 'not found');
    }
    const file = path.resolve(root, rel);
    const inside = path.relative(root, file);
    if (!inside || inside.startsWith('..') || path.isAbsolute(inside) || rel.includes('\0')) {
      return answer(404, 'not found');
    }
    const type = TYPES[path.extname(file)];
    if (!type) return answer(404, 'not found');
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      if (inside !== 'index.html') return answer(404, 'not found');
      return answer(
        503,
        `the app's pages are missing (no ${path.basename(file)} in the installation): install the app again`,
      );
    }
    return new Response(new Uint8Array(body), {
      status: 200,
      headers: { ...SECURITY_HEADERS, 'content-type': type },
    });
  };
}

const SECURITY_HEADERS = {
  'content-security-policy': UI_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function answer(status: number, text: string): Response {
  return new Response(`${text}\n`, {
    status,
    headers: { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' },
  });
}
