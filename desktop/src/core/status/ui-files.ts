import type http from 'node:http';
import { fileURLToPath } from 'node:url';
import { serveStaticFile, UI_CSP } from '@zra/ui/server';

/** Where `npx vite build --config desktop/vite.config.ts` puts the renderer. */
export const DEFAULT_RENDERER_DIR = fileURLToPath(
  new URL('../../../dist/renderer', import.meta.url),
);

/** The one Content-Security-Policy of both UIs (`@zra/ui/server`), also Electron's app scheme. */
export { UI_CSP };

/**
 * Serves the built renderer's static files (no token: they hold no data; every API call
 * needs it) through the toolkit's one static-file server. The renderer's screens live in the
 * URL's hash, so there is no single-page fallback: an unknown path answers false and the
 * caller answers 404.
 */
export function serveUiFile(
  dir: string,
  urlPath: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<boolean> {
  return serveStaticFile(dir, urlPath, req, res, {
    spaFallback: false,
    notBuilt: `the agent's UI is not built: run "npx vite build --config desktop/vite.config.ts" and reload`,
  });
}
