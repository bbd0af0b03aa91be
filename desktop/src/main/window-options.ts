import type { BrowserWindowConstructorOptions } from 'electron';

/**
 * The app window: the renderer gets no Node, an isolated world, Chromium's sandbox and web
 * security; its only door to the agent is the preload's one IPC channel. The installed app
 * (`packaged`) cannot open the developer tools (a console into the page that holds the
 * agent's API).
 */
export function windowOptions(
  preloadPath: string,
  { packaged }: { packaged: boolean },
): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 700,
    title: 'Zamperla park agent',
    show: false,
    backgroundColor: '#f4f6f8',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
      devTools: !packaged,
    },
  };
}
