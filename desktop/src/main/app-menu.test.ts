import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { appMenuTemplate } from './app-menu.ts';

function items(menu: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return menu.flatMap((item) => [
    item,
    ...(Array.isArray(item.submenu) ? items(item.submenu) : []),
  ]);
}

/**
 * Roles that cannot reload the page or open the developer tools. Electron's built-in menus
 * (`viewMenu`, `appMenu`, `fileMenu`, `editMenu`, `windowMenu`…) are not here on purpose: what
 * they hold is Electron's to change, so the installed app lists its items one by one.
 */
const HARMLESS_ROLES = new Set([
  'close',
  'quit',
  'undo',
  'redo',
  'cut',
  'copy',
  'paste',
  'selectAll',
  'minimize',
]);

describe('the app menu', () => {
  it('has no reload and no developer tools in the installed app, nor anything that could hide them', () => {
    const all = items(appMenuTemplate(true));
    const leaves = all.filter((i) => !Array.isArray(i.submenu));
    for (const item of leaves) {
      if (item.type === 'separator') continue;
      expect(HARMLESS_ROLES.has(item.role ?? ''), JSON.stringify(item)).toBe(true);
      expect(item.click, JSON.stringify(item)).toBeUndefined();
      expect(item.accelerator, JSON.stringify(item)).toBeUndefined();
    }
    // The menus themselves are plain labels, not Electron's role menus.
    for (const item of all.filter((i) => Array.isArray(i.submenu)))
      expect(item.role).toBeUndefined();
    expect(leaves.map((i) => i.role)).toEqual(expect.arrayContaining(['quit', 'copy', 'paste']));
  });

  it("keeps reload and the developer tools for a developer's run", () => {
    const roles = items(appMenuTemplate(false)).map((i) => i.role);
    expect(roles).toEqual(expect.arrayContaining(['reload', 'forceReload', 'toggleDevTools']));
  });
});
