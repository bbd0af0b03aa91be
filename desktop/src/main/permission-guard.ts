/** What the guard needs of Electron's `Session` (injected, so it is testable). */
export interface GuardedSession {
  setPermissionRequestHandler(
    handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void,
  ): void;
  setPermissionCheckHandler(handler: (contents: unknown, permission: string) => boolean): void;
  setDevicePermissionHandler(handler: (details: unknown) => boolean): void;
}

/** What the app-wide guard needs of Electron's `app`. */
export interface PermissionGuardedApp {
  on(event: 'session-created', listener: (session: GuardedSession) => void): unknown;
}

/**
 * The app's page needs no browser permission (camera, microphone, notifications, location,
 * clipboard reads, HID/serial/USB devices, fullscreen…): every request is refused, every
 * check answers "no". Electron grants most of them by default.
 */
export function denyAllPermissions(session: GuardedSession): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

/**
 * The same for every session Electron creates from now on: call before `ready`, and pass the
 * default session to `denyAllPermissions` once ready as well.
 */
export function denyPermissionsInEverySession(app: PermissionGuardedApp): void {
  app.on('session-created', denyAllPermissions);
}
