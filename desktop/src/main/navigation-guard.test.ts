import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { APP_URL } from './app-protocol.ts';
import {
  guardEveryWebContents,
  installNavigationGuard,
  type GuardedApp,
  type GuardedContents,
} from './navigation-guard.ts';

/** A stand-in for Electron's WebContents that records what the guard decided. */
class FakeContents extends EventEmitter {
  openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null;
  setWindowOpenHandler(handler: (d: { url: string }) => { action: 'deny' }): void {
    this.openHandler = handler;
  }
  /** Emits `event` as Electron does; answers whether the navigation was let through. */
  attempt(event: string, url: string, isMainFrame = true): boolean {
    let prevented = false;
    this.emit(event, { url, isMainFrame, preventDefault: () => (prevented = true) });
    return !prevented;
  }
}

const OTHER_PAGES = [
  'https://evil.example.com/',
  'file:///etc/passwd',
  `${APP_URL}?x=1`,
  'zra://agent/other.html',
  'zra://elsewhere/index.html',
  'http://127.0.0.1:9477/#token=abc',
];

describe('navigation guard', () => {
  it('keeps the window on the app page: other pages, sites and webviews are refused', () => {
    const contents = new FakeContents();
    installNavigationGuard(contents as unknown as GuardedContents, APP_URL);
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
      expect(contents.attempt(event, `${APP_URL}#/drops`), event).toBe(true);
      for (const url of OTHER_PAGES)
        expect(contents.attempt(event, url), `${event} ${url}`).toBe(false);
    }
    let webviewPrevented = false;
    contents.emit('will-attach-webview', { preventDefault: () => (webviewPrevented = true) });
    expect(webviewPrevented).toBe(true);
  });

  it('never lets a subframe navigate, not even to the app page', () => {
    const contents = new FakeContents();
    installNavigationGuard(contents as unknown as GuardedContents, APP_URL);
    expect(contents.attempt('will-frame-navigate', APP_URL, false)).toBe(false);
    expect(contents.attempt('will-frame-navigate', 'https://evil.example.com/', false)).toBe(false);
  });

  it('never opens a new window', () => {
    const contents = new FakeContents();
    installNavigationGuard(contents as unknown as GuardedContents, APP_URL);
    expect(contents.openHandler?.({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: APP_URL })).toEqual({ action: 'deny' });
  });

  it('guards every web contents the app creates, not only the main window', () => {
    const app = new EventEmitter();
    guardEveryWebContents(app as unknown as GuardedApp, APP_URL);
    const later = [new FakeContents(), new FakeContents()];
    for (const contents of later) app.emit('web-contents-created', {}, contents);
    for (const contents of later) {
      expect(contents.attempt('will-navigate', 'https://evil.example.com/')).toBe(false);
      expect(contents.attempt('will-redirect', 'https://evil.example.com/')).toBe(false);
      expect(contents.openHandler?.({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    }
  });
});
