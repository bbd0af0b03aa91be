import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  safeStorage,
  shell,
  Tray,
} from 'electron';
import { AGENT_CHANNEL } from '../common/ipc-contract.ts';
import { createAgent } from '../core/agent.ts';
import { ConfigError, loadAgentConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { safeStorageSecretStore } from '../core/secrets/safe-storage-secret-store.ts';
import { createStatusRouter } from '../core/status-router.ts';
import { createIpcHandler } from './ipc-handler.ts';
import { installNavigationGuard } from './navigation-guard.ts';
import { handleReportDownload } from './report-download.ts';
import { circleBitmap, trayState } from './tray-state.ts';
import { windowOptions } from './window-options.ts';

/**
 * The Electron shell: one window on the built renderer, a tray icon coloured by the worst
 * state, the agent core in this process with the OS credential store, the router over IPC.
 * Config: `ZRA_AGENT_CONFIG` or `<userData>/agent.json` (the same file as headless).
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const RENDERER = path.join(here, '../renderer/index.html');
const PRELOAD = path.join(here, 'preload.cjs');
const TRAY_REFRESH_MS = 5000;

async function start(): Promise<void> {
  const log = createLogger();
  const configFile =
    process.env.ZRA_AGENT_CONFIG ?? path.join(app.getPath('userData'), 'agent.json');
  if (!existsSync(configFile)) {
    dialog.showErrorBox(
      'Park agent not set up',
      `No agent configuration at ${configFile}. Ask Zamperla for the park's agent.json and put it there, then start the app again.`,
    );
    app.exit(2);
    return;
  }
  let config;
  try {
    config = await loadAgentConfig(configFile);
  } catch (err) {
    dialog.showErrorBox(
      'Park agent configuration is wrong',
      err instanceof ConfigError ? err.message : String(err),
    );
    app.exit(2);
    return;
  }
  const agent = await createAgent(config, { log, secrets: safeStorageSecretStore(safeStorage) });
  agent.start();

  const appUrl = pathToFileURL(RENDERER).href;
  ipcMain.handle(AGENT_CHANNEL, createIpcHandler(createStatusRouter(agent), appUrl));

  const win = new BrowserWindow(windowOptions(PRELOAD));
  installNavigationGuard(win.webContents, appUrl);
  win.webContents.session.on('will-download', (_event, item) =>
    handleReportDownload(item, {
      dir: app.getPath('temp'),
      open: (file) => shell.openPath(file),
      onError: (message) => {
        log.warn({ message }, 'report download');
        dialog.showErrorBox('Report', message);
      },
    }),
  );
  win.once('ready-to-show', () => win.show());
  // Closing the window keeps the agent pulling in the tray.
  win.on('close', (event) => {
    if (!quitting) {
      event.preventDefault();
      win.hide();
    }
  });
  await win.loadURL(appUrl);

  const tray = new Tray(nativeImage.createEmpty());
  const showWindow = () => {
    win.show();
    win.focus();
  };
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Open park agent', click: showWindow },
      {
        label: 'Start at login',
        type: 'checkbox',
        checked: app.getLoginItemSettings().openAtLogin,
        click: (item) => app.setLoginItemSettings({ openAtLogin: item.checked }),
      },
      { type: 'separator' },
      { label: 'Quit', click: () => app.quit() },
    ]),
  );
  tray.on('click', showWindow);
  let lastColour = '';
  const refreshTray = () => {
    const state = trayState(agent.status());
    if (state.colour !== lastColour) {
      tray.setImage(
        nativeImage.createFromBitmap(circleBitmap(state.colour), { width: 16, height: 16 }),
      );
      lastColour = state.colour;
    }
    tray.setToolTip(state.tooltip);
  };
  refreshTray();
  const timer = setInterval(refreshTray, TRAY_REFRESH_MS);

  app.on('second-instance', showWindow);
  app.on('before-quit', (event) => {
    if (closed) return;
    quitting = true;
    event.preventDefault();
    clearInterval(timer);
    void agent.close().finally(() => {
      closed = true;
      app.quit();
    });
  });
}

let quitting = false;
let closed = false;

// One agent per machine: a second start only brings the window forward.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('window-all-closed', () => undefined); // the tray keeps the app running
  app.whenReady().then(start, (err: unknown) => {
    dialog.showErrorBox('Park agent could not start', String(err));
    app.exit(1);
  });
}
