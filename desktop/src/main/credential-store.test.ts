import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../core/testing/temp-dir.ts';
import {
  chooseCredentialStore,
  NoCredentialStoreError,
  type CredentialStoreDeps,
  type KeyFileQuestion,
} from './credential-store.ts';

/**
 * A stand-in for Electron's safeStorage: the OS keyring "seals" by prefixing, so a value it
 * sealed is told apart from the key file's AES-GCM bytes; counts what it was asked to seal.
 */
function fakeSafeStorage(backend: string, available = true) {
  const sealed: string[] = [];
  return {
    sealed,
    getSelectedStorageBackend: () => backend,
    isEncryptionAvailable: () => available,
    encryptString: (plain: string) => {
      sealed.push(plain);
      return Buffer.from(`os-keyring:${plain}`);
    },
    decryptString: (b: Buffer) => b.toString().replace(/^os-keyring:/, ''),
  };
}

let dir: { dir: string; remove(): Promise<void> };
let questions: KeyFileQuestion[];
beforeEach(async () => {
  dir = await tempDir('credential-store');
  questions = [];
});
afterEach(() => dir.remove());

function deps(
  platform: NodeJS.Platform,
  safeStorage: ReturnType<typeof fakeSafeStorage>,
  answer: boolean,
): CredentialStoreDeps {
  return {
    platform,
    safeStorage,
    choiceFile: path.join(dir.dir, 'credential-store.json'),
    // The agent's data directory does not exist yet on a first start.
    keyFile: path.join(dir.dir, 'data', 'secrets.key'),
    askForKeyFile: (q) => {
      questions.push(q);
      return answer;
    },
  };
}

describe('the credential store of the app', () => {
  it('uses the OS keyring when Linux has a real one, without asking', () => {
    const os = fakeSafeStorage('gnome_libsecret');
    const { store, kind } = chooseCredentialStore(deps('linux', os, false));
    expect(kind).toBe('os-keyring');
    expect(store.open(store.seal('gateway-pw'))).toBe('gateway-pw');
    expect(os.sealed).toEqual(['gateway-pw']);
    expect(questions).toEqual([]);
  });

  it('refuses to seal with basic_text and says what to install when the person declines the key file', () => {
    const os = fakeSafeStorage('basic_text'); // Electron says encryption is available here
    const d = deps('linux', os, false);
    expect(() => chooseCredentialStore(d)).toThrow(NoCredentialStoreError);
    expect(questions).toHaveLength(1);
    expect(questions[0]?.buttons).toEqual(['Quit', 'Use a key file']);
    expect(questions[0]?.detail).toContain(d.keyFile);
    let message = '';
    try {
      chooseCredentialStore(d);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/gnome-keyring libsecret-1-0/);
    expect(message).toMatch(/KWallet/);
    expect(message).toMatch(/--password-store=gnome-libsecret/);
    expect(message).toMatch(/"Use a key file"/);
    // Nothing sealed, no key file made, no choice remembered.
    expect(os.sealed).toEqual([]);
    expect(existsSync(d.keyFile)).toBe(false);
    expect(existsSync(d.choiceFile)).toBe(false);
  });

  it('uses a 0600 key file when the person chooses it, and keeps it on later starts', () => {
    const d = deps('linux', fakeSafeStorage('basic_text'), true);
    const first = chooseCredentialStore(d);
    expect(first.kind).toBe('key-file');
    const sealed = first.store.seal('park-token-0123456789');
    expect(sealed.toString('latin1')).not.toContain('park-token');
    expect(statSync(d.keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(d.choiceFile).mode & 0o777).toBe(0o600);
    expect(questions).toHaveLength(1);

    // Next start, even with a keyring installed meanwhile: the key file, no question, and the
    // credential sealed before still opens.
    const os = fakeSafeStorage('gnome_libsecret');
    const again = chooseCredentialStore({ ...d, safeStorage: os });
    expect(again.kind).toBe('key-file');
    expect(again.store.open(sealed)).toBe('park-token-0123456789');
    expect(questions).toHaveLength(1);
    expect(os.sealed).toEqual([]);
  });

  it('asks too when the Linux keyring is missing or locked, or the backend is unknown', () => {
    expect(() =>
      chooseCredentialStore(deps('linux', fakeSafeStorage('gnome_libsecret', false), false)),
    ).toThrow(NoCredentialStoreError);
    expect(() => chooseCredentialStore(deps('linux', fakeSafeStorage('unknown'), false))).toThrow(
      NoCredentialStoreError,
    );
    expect(questions).toHaveLength(2);
  });

  it('uses the OS store on Windows (DPAPI) without asking', () => {
    const os = fakeSafeStorage('basic_text'); // not asked off Linux
    const { kind, store } = chooseCredentialStore(deps('win32', os, false));
    expect(kind).toBe('os-keyring');
    store.seal('x');
    expect(os.sealed).toEqual(['x']);
    expect(questions).toEqual([]);
  });
});
