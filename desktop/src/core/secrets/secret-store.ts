/**
 * Encrypts credentials before they are written anywhere (SQLite). Synchronous, like
 * Electron's `safeStorage.encryptString/decryptString`, which backs it inside the app; the
 * headless agent uses `KeyFileSecretStore`.
 */
export interface SecretStore {
  /** Sealed bytes that only this store (this machine, this key) can open. */
  seal(plain: string): Buffer;
  /** The plain text; throws `SecretStoreError` when the bytes were sealed with another key. */
  open(sealed: Buffer): string;
}

/** Stored credentials cannot be read back; the message says what to do. */
export class SecretStoreError extends Error {
  override readonly name = 'SecretStoreError';
}
