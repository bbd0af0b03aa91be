/** A navigation Electron lets the app refuse (`event.preventDefault()`). */
export interface NavigationEvent {
  preventDefault(): void;
  url: string;
}

/** `will-frame-navigate`: also says whether the main frame or a subframe navigates. */
export interface FrameNavigationEvent extends NavigationEvent {
  isMainFrame: boolean;
}

/** What the guard needs of Electron's `WebContents` (injected, so it is testable). */
export interface GuardedContents {
  on(event: 'will-navigate' | 'will-redirect', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-frame-navigate', listener: (event: FrameNavigationEvent) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/** What the app-wide guard needs of Electron's `app`. */
export interface GuardedApp {
  on(
    event: 'web-contents-created',
    listener: (event: unknown, contents: GuardedContents) => void,
  ): unknown;
}

/**
 * Keeps a web contents on the app's own page: any navigation elsewhere (a link, a
 * drag-and-drop, a script, a server redirect) is refused, subframes never navigate (the app
 * has none), new windows are never opened, webviews never attached. `appUrl` is the page's
 * URL; only it (with another hash) is allowed.
 */
export function installNavigationGuard(contents: GuardedContents, appUrl: string): void {
  const base = withoutHash(appUrl);
  const onlyTheApp = (event: NavigationEvent) => {
    if (withoutHash(event.url) !== base) event.preventDefault();
  };
  contents.on('will-navigate', onlyTheApp);
  contents.on('will-redirect', onlyTheApp);
  contents.on('will-frame-navigate', (event) => {
    if (!event.isMainFrame) event.preventDefault();
    else onlyTheApp(event);
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/**
 * The guard on every web contents the app ever creates (windows, and whatever a bug or a
 * compromised page might open), not only on the main window: call before `ready`.
 */
export function guardEveryWebContents(app: GuardedApp, appUrl: string): void {
  app.on('web-contents-created', (_event, contents) => installNavigationGuard(contents, appUrl));
}

function withoutHash(url: string): string {
  const i = url.indexOf('#');
  return i === -1 ? url : url.slice(0, i);
}
