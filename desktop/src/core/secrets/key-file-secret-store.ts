import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { SecretStoreError, type SecretStore } from './secret-store.ts';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** First byte of every sealed value, so a later format can be told apart. */
const FORMAT_V1 = 1;

/**
 * AES-256-GCM with a random key kept in a file readable by the agent's user only (0600).
 * The headless agent's answer to "credentials encrypted at rest": the database and backups of
 * it are useless without the key file. GCM authenticates, so a wrong key is detected, never
 * silently turned into a wrong password.
 */
export class KeyFileSecretStore implements SecretStore {
  private constructor(
    private readonly key: Buffer,
    readonly keyFile: string,
  ) {}

  /** Reads `keyFile`, creating it with a new random key (mode 0600) when it does not exist. */
  static openOrCreate(keyFile: string): KeyFileSecretStore {
    let key: Buffer;
    try {
      key = readFileSync(keyFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new SecretStoreError(
          `cannot read the credentials key file ${keyFile}: ${(err as Error).message}`,
        );
      }
      key = randomBytes(KEY_BYTES);
      // 'wx': never overwrite a key another process wrote meanwhile.
      writeFileSync(keyFile, key, { mode: 0o600, flag: 'wx' });
    }
    chmodSync(keyFile, 0o600);
    if (key.length !== KEY_BYTES) {
      throw new SecretStoreError(
        `the credentials key file ${keyFile} holds ${key.length} bytes, not ${KEY_BYTES}: ` +
          'restore the original file from a backup, or move it aside and enter the credentials again',
      );
    }
    return new KeyFileSecretStore(key, keyFile);
  }

  seal(plain: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([FORMAT_V1]), iv, cipher.getAuthTag(), body]);
  }

  open(sealed: Buffer): string {
    if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== FORMAT_V1) {
      throw new SecretStoreError(
        'a stored credential is not in a format this agent knows: enter the credentials again',
      );
    }
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([
        decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SecretStoreError(
        `stored credentials cannot be decrypted with the key in ${this.keyFile}: the key file is ` +
          'not the one that encrypted them (replaced or restored from another machine?); put the ' +
          'original key file back, or enter the gateway passwords and the park token again',
      );
    }
  }
}
