import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  denyAllPermissions,
  denyPermissionsInEverySession,
  type GuardedSession,
  type PermissionGuardedApp,
} from './permission-guard.ts';

/** A stand-in for Electron's Session: keeps the handlers, asks them as Chromium would. */
class FakeSession implements GuardedSession {
  request: Parameters<GuardedSession['setPermissionRequestHandler']>[0] | null = null;
  check: Parameters<GuardedSession['setPermissionCheckHandler']>[0] | null = null;
  device: Parameters<GuardedSession['setDevicePermissionHandler']>[0] | null = null;
  setPermissionRequestHandler(h: NonNullable<FakeSession['request']>): void {
    this.request = h;
  }
  setPermissionCheckHandler(h: NonNullable<FakeSession['check']>): void {
    this.check = h;
  }
  setDevicePermissionHandler(h: NonNullable<FakeSession['device']>): void {
    this.device = h;
  }
  /** Electron grants a permission when no handler is set. */
  ask(permission: string): boolean {
    if (!this.request) return true;
    let granted: boolean | null = null;
    this.request({}, permission, (g) => (granted = g));
    return granted === true;
  }
  checks(permission: string): boolean {
    return this.check ? this.check({}, permission) : true;
  }
}

const PERMISSIONS = [
  'media',
  'geolocation',
  'notifications',
  'clipboard-read',
  'display-capture',
  'fullscreen',
  'openExternal',
  'hid',
  'serial',
  'usb',
  'unknown',
];

describe('permission guard', () => {
  it('refuses every permission request and answers no to every check', () => {
    const session = new FakeSession();
    expect(session.ask('media')).toBe(true); // Electron's default, before the guard
    denyAllPermissions(session);
    for (const p of PERMISSIONS) {
      expect(session.ask(p), p).toBe(false);
      expect(session.checks(p), p).toBe(false);
    }
    expect(session.device?.({ deviceType: 'usb', origin: 'zra://agent' })).toBe(false);
  });

  it('covers every session created later, not only the default one', () => {
    const app = new EventEmitter();
    denyPermissionsInEverySession(app as unknown as PermissionGuardedApp);
    const later = new FakeSession();
    app.emit('session-created', later);
    expect(later.ask('geolocation')).toBe(false);
    expect(later.checks('clipboard-read')).toBe(false);
  });
});
