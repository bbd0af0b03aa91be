/** What the guard needs of Electron's `WebContents` (injected, so it is testable). */
export interface GuardedContents {
  on(
    event: 'will-navigate',
    listener: (event: { preventDefault(): void; url: string }) => void,
  ): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/**
 * Keeps the window on the app's own page: any navigation elsewhere (a link, a drag-and-drop,
 * a script) is refused, new windows are never opened, webviews never attached. `appUrl` is
 * the page's URL; only it (with another hash) is allowed.
 */
export function installNavigationGuard(contents: GuardedContents, appUrl: string): void {
  const base = withoutHash(appUrl);
  contents.on('will-navigate', (event) => {
    if (withoutHash(event.url) !== base) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

function withoutHash(url: string): string {
  const i = url.indexOf('#');
  return i === -1 ? url : url.slice(0, i);
}
