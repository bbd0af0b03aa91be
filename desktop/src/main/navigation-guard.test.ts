import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { installNavigationGuard, type GuardedContents } from './navigation-guard.ts';

const APP = 'file:///opt/zra/resources/app.asar/dist/renderer/index.html';

/** A stand-in for Electron's WebContents that records what the guard decided. */
class FakeContents extends EventEmitter {
  openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null;
  setWindowOpenHandler(handler: (d: { url: string }) => { action: 'deny' }): void {
    this.openHandler = handler;
  }
  /** Emits a navigation attempt; answers whether it was let through. */
  navigate(url: string): boolean {
    let prevented = false;
    this.emit('will-navigate', { url, preventDefault: () => (prevented = true) });
    return !prevented;
  }
}

describe('navigation guard', () => {
  it('keeps the window on the app page: other pages, sites and webviews are refused', () => {
    const contents = new FakeContents();
    installNavigationGuard(contents as unknown as GuardedContents, APP);
    expect(contents.navigate(`${APP}#/drops`)).toBe(true);
    expect(contents.navigate('https://evil.example.com/')).toBe(false);
    expect(contents.navigate('file:///etc/passwd')).toBe(false);
    expect(contents.navigate(`${APP}?x=1`)).toBe(false);
    let webviewPrevented = false;
    contents.emit('will-attach-webview', { preventDefault: () => (webviewPrevented = true) });
    expect(webviewPrevented).toBe(true);
  });

  it('never opens a new window', () => {
    const contents = new FakeContents();
    installNavigationGuard(contents as unknown as GuardedContents, APP);
    expect(contents.openHandler?.({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: APP })).toEqual({ action: 'deny' });
  });
});
