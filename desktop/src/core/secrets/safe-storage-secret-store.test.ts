import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { safeStorageSecretStore, type SafeStorageLike } from './safe-storage-secret-store.ts';
import { SecretStoreError } from './secret-store.ts';

/** Stands in for the OS keychain: AES-GCM under a key of "this user on this machine". */
function keychain(key = randomBytes(32), available = true): SafeStorageLike {
  return {
    isEncryptionAvailable: () => available,
    encryptString(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decryptString(sealed) {
      const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      d.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([d.update(sealed.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

describe('safeStorage secret store (Electron)', () => {
  it('round-trips through the keychain and says what to do when another keychain sealed it', () => {
    const sealed = safeStorageSecretStore(keychain()).seal('pw');
    const mine = keychain();
    expect(safeStorageSecretStore(mine).open(safeStorageSecretStore(mine).seal('pw'))).toBe('pw');
    expect(() => safeStorageSecretStore(mine).open(sealed)).toThrow(SecretStoreError);
    expect(() => safeStorageSecretStore(mine).open(sealed)).toThrow(
      /copied from another user or machine; enter the gateway passwords and the park token again/,
    );
  });

  it('refuses to start without OS encryption instead of storing credentials in clear', () => {
    expect(() => safeStorageSecretStore(keychain(randomBytes(32), false))).toThrow(
      /credential store is not available/,
    );
  });
});
