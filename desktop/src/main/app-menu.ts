import type { MenuItemConstructorOptions } from 'electron';

/**
 * The window's menu. Without one, Electron shows its default menu, whose View menu reloads
 * the page and opens the developer tools (a console into the page that holds the agent's
 * API). The installed app (`packaged`) has neither: File (close the window — the agent goes
 * on in the tray — or quit), Edit (the clipboard keys in forms), Window. A developer's run
 * also gets View with reload and the developer tools.
 */
export function appMenuTemplate(packaged: boolean): MenuItemConstructorOptions[] {
  const menu: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [{ role: 'close', label: 'Close window' }, { type: 'separator' }, { role: 'quit' }],
    },
    {
      label: 'Edit',
      submenu: [
        { role: 'undo' },
        { role: 'redo' },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
      ],
    },
    { label: 'Window', submenu: [{ role: 'minimize' }, { role: 'close' }] },
  ];
  if (!packaged) {
    menu.push({
      label: 'View (development)',
      submenu: [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }],
    });
  }
  return menu;
}
