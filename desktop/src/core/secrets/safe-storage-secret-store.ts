import { SecretStoreError, type SecretStore } from './secret-store.ts';

/**
 * The part of Electron's `safeStorage` the agent uses (structural, so the core does not
 * depend on Electron): the OS keychain (DPAPI on Windows, Keychain on macOS, libsecret or
 * kwallet on Linux) encrypts with a key only this user on this machine can use.
 */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/**
 * A `SecretStore` over Electron's `safeStorage` (pass `electron.safeStorage`). Refuses to
 * work when the OS offers no encryption rather than storing credentials in clear.
 */
export function safeStorageSecretStore(safeStorage: SafeStorageLike): SecretStore {
  if (!safeStorage.isEncryptionAvailable()) {
    throw new SecretStoreError(
      "the operating system's credential store is not available (on Linux: install and " +
        'unlock gnome-keyring or kwallet), so gateway passwords cannot be stored safely',
    );
  }
  return {
    seal: (plain) => safeStorage.encryptString(plain),
    open(sealed) {
      try {
        return safeStorage.decryptString(sealed);
      } catch (err) {
        throw new SecretStoreError(
          `stored credentials cannot be decrypted by this user's credential store ` +
            `(${(err as Error).message}): the data folder was copied from another user or ` +
            'machine; enter the gateway passwords and the park token again',
        );
      }
    },
  };
}
