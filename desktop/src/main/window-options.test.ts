import { describe, expect, it } from 'vitest';
import { windowOptions } from './window-options.ts';

describe('the app window', () => {
  it('gives the page no Node, an isolated world, the sandbox and web security, and only our preload', () => {
    const o = windowOptions('/app/dist/main/preload.cjs', { packaged: true });
    expect(o.webPreferences).toMatchObject({
      preload: '/app/dist/main/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    // Fits the smallest screen the app must work on.
    expect([o.width, o.height]).toEqual([1280, 800]);
  });

  it("opens no developer tools in the installed app, only in a developer's run", () => {
    expect(windowOptions('/p.cjs', { packaged: true }).webPreferences?.devTools).toBe(false);
    expect(windowOptions('/p.cjs', { packaged: false }).webPreferences?.devTools).toBe(true);
  });
});
