import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  protocol,
  safeStorage,
  session,
  shell,
  Tray,
} from 'electron';
import { AGENT_CHANNEL } from '../common/ipc-contract.ts';
import {
  ConfigError,
  createAgent,
  createLogger,
  createStatusRouter,
  loadAgentConfig,
} from '../core/index.ts';
import { configFileExposure } from '../core/settings/config-exposure.ts';
import { appMenuTemplate } from './app-menu.ts';
import {
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  APP_URL,
  createAppProtocolHandler,
} from './app-protocol.ts';
import { chooseCredentialStore, NoCredentialStoreError } from './credential-store.ts';
import { createIpcHandler } from './ipc-handler.ts';
import { guardEveryWebContents } from './navigation-guard.ts';
import { denyAllPermissions, denyPermissionsInEverySession } from './permission-guard.ts';
import { handleReportDownload } from './report-download.ts';
import { circleBitmap, trayState } from './tray-state.ts';
import { windowOptions } from './window-options.ts';

/**
 * The Electron shell: one window on the built renderer (served from the app's own `zra://`
 * scheme), a tray icon coloured by the worst state, the agent core in this process with the
 * OS credential store, the router over IPC. Config: `ZRA_AGENT_CONFIG` or
 * `<userData>/agent.json` (the same file as headless). docs/agent.md lists the safeguards.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const RENDERER_DIR = path.join(here, '../renderer');
const PRELOAD = path.join(here, 'preload.cjs');
const TRAY_REFRESH_MS = 5000;

async function start(): Promise<void> {
  const log = createLogger();
  denyAllPermissions(session.defaultSession);
  protocol.handle(APP_SCHEME, createAppProtocolHandler(RENDERER_DIR));
  Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate(app.isPackaged)));
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
  let credentials;
  try {
    credentials = chooseCredentialStore({
      platform: process.platform,
      safeStorage,
      choiceFile: path.join(app.getPath('userData'), 'credential-store.json'),
      keyFile: path.join(config.dataDir, 'secrets.key'),
      askForKeyFile: (q) =>
        dialog.showMessageBoxSync({
          type: 'warning',
          title: q.title,
          message: q.message,
          detail: q.detail,
          buttons: q.buttons,
          defaultId: 0,
          cancelId: 0,
          noLink: true,
        }) === 1,
    });
  } catch (err) {
    if (!(err instanceof NoCredentialStoreError)) throw err;
    dialog.showErrorBox('Park agent not started', err.message);
    app.exit(2);
    return;
  }
  log.info({ credentialStore: credentials.kind }, 'credentials are sealed');
  const exposure = configFileExposure(configFile, config);
  if (exposure) log.warn({ configFile }, exposure);
  const agent = await createAgent(config, { log, secrets: credentials.store });
  agent.start();

  ipcMain.handle(AGENT_CHANNEL, createIpcHandler(createStatusRouter(agent), APP_URL));

  // The navigation guard is on every web contents already (guardEveryWebContents).
  const win = new BrowserWindow(windowOptions(PRELOAD, { packaged: app.isPackaged }));
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
  await win.loadURL(APP_URL);

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

// What the app writes (the agent's buffer and keys, Chromium's profile) is this user's alone.
process.umask(0o077);

// Before `ready`: the app's scheme must be privileged before it is used, and the guards must
// see the first session and web contents.
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
app.enableSandbox(); // every renderer, not only the window built with sandbox: true
guardEveryWebContents(app, APP_URL);
denyPermissionsInEverySession(app);

// One agent per machine: a second start only brings the window forward.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('window-all-closed', () => undefined); // the tray keeps the app running
  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => {
      dialog.showErrorBox(
        'Park agent could not start',
        err instanceof Error ? err.message : String(err),
      );
      app.exit(1);
    });
}
