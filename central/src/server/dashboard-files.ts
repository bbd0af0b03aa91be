import type http from 'node:http';
import { join } from 'node:path';
import { UI_CSP, serveStaticFile } from '@zra/ui/server';

/** Where `vite build` puts the dashboard unless `DASHBOARD_DIR` says otherwise. */
export const DEFAULT_DASHBOARD_DIR = new URL('../../dashboard/dist', import.meta.url).pathname;

/** The dashboard's Content-Security-Policy: the one both UIs use (@zra/ui/server). */
export const DASHBOARD_CSP = UI_CSP;

/**
 * Serves the built dashboard (a single-page app) from `dir` with the shared static-file server:
 * real files by path, `index.html` for every other path so that a reloaded `/parks/alpha`
 * still opens the app; anything but GET/HEAD is 405.
 */
export async function serveDashboardFile(
  dir: string,
  path: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const handled = await serveStaticFile(dir, path, req, res, {
    spaFallback: true,
    notBuilt:
      `The dashboard is not built (no ${join(dir, 'index.html')}): run npm run bootstrap, ` +
      'or point DASHBOARD_DIR at a folder built by vite build.',
  });
  if (!handled) {
    res.writeHead(405, { 'content-type': 'application/json', allow: 'GET, HEAD' });
    res.end(JSON.stringify({ error: 'use GET' }));
  }
}
