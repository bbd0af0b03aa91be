import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp-dir.ts';
import { KeyFileSecretStore } from './key-file-secret-store.ts';
import { SecretStoreError } from './secret-store.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function keyFile(): Promise<string> {
  const dir = await tempDir('secrets');
  cleanups.push(dir.remove);
  return path.join(dir.dir, 'secrets.key');
}

describe('key file secret store', () => {
  it('creates a random key readable by its owner only and opens what it sealed', async () => {
    const file = await keyFile();
    const store = KeyFileSecretStore.openOrCreate(file);
    const sealed = store.seal('gateway password ✓');

    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(sealed.includes(Buffer.from('gateway password'))).toBe(false);
    // The same key file, read again by a restarted agent.
    expect(KeyFileSecretStore.openOrCreate(file).open(sealed)).toBe('gateway password ✓');
    // A fresh IV each time: equal secrets do not give equal bytes.
    expect(store.seal('x').equals(store.seal('x'))).toBe(false);
  });

  it('refuses bytes sealed with another key with a message that names the key file and the fix', async () => {
    const sealed = KeyFileSecretStore.openOrCreate(await keyFile()).seal('secret');
    const other = await keyFile();
    const store = KeyFileSecretStore.openOrCreate(other);

    expect(() => store.open(sealed)).toThrow(SecretStoreError);
    expect(() => store.open(sealed)).toThrow(
      `stored credentials cannot be decrypted with the key in ${other}`,
    );
  });

  it('refuses a key file of the wrong length instead of using it', async () => {
    const file = await keyFile();
    await writeFile(file, 'too short', { mode: 0o600 });
    expect(() => KeyFileSecretStore.openOrCreate(file)).toThrow(/holds 9 bytes, not 32/);
  });
});
