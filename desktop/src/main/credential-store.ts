import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  KeyFileSecretStore,
  safeStorageSecretStore,
  type SafeStorageLike,
  type SecretStore,
} from '../core/index.ts';

/** Electron's `safeStorage` with the Linux backend it picked (after `ready`). */
export interface SafeStorageWithBackend extends SafeStorageLike {
  getSelectedStorageBackend(): string;
}

/** The question put to the person when the OS keyring cannot protect credentials. */
export interface KeyFileQuestion {
  title: string;
  message: string;
  detail: string;
  /** The answers, in order: `[refuse, use the key file]`. */
  buttons: [string, string];
}

export interface CredentialStoreDeps {
  platform: NodeJS.Platform;
  safeStorage: SafeStorageWithBackend;
  /** Where the person's choice of the key file is kept (`<userData>/credential-store.json`). */
  choiceFile: string;
  /** The key file when chosen (`<dataDir>/secrets.key`, as the headless agent has). */
  keyFile: string;
  /** Puts the question (a dialog); true only when the person chose the key file. */
  askForKeyFile(question: KeyFileQuestion): boolean;
  now?: () => Date;
}

export interface CredentialStore {
  store: SecretStore;
  kind: 'os-keyring' | 'key-file';
}

/** No store protects credentials and the person did not choose the key file. */
export class NoCredentialStoreError extends Error {
  override readonly name = 'NoCredentialStoreError';
}

const choiceSchema = z.object({ store: z.literal('key-file'), chosenAt: z.string() });

const INSTALL_KEYRING =
  'install and unlock a keyring — GNOME Keyring (on Debian or Ubuntu: ' +
  '"sudo apt install gnome-keyring libsecret-1-0") or KWallet on KDE — log out and in ' +
  'again, and start the app again; if the desktop is not recognised, start the app with ' +
  '--password-store=gnome-libsecret (or kwallet5, kwallet6)';

/**
 * Picks what seals the agent's credentials (gateway passwords, the park token) in the app.
 * The OS keyring through `safeStorage` when it really protects them. On Linux, Electron falls
 * back to `basic_text` when the desktop offers no keyring: "encrypted" with a fixed password
 * written in Chromium's source, i.e. in clear for anyone who reads the file. Then nothing is
 * sealed until the person chooses, knowing what it means, the key file (AES-256-GCM with a key
 * in a 0600 file, as the headless agent has); the choice is remembered in `choiceFile`, and
 * stays (credentials sealed with the key file cannot be opened by the keyring). Declining
 * throws `NoCredentialStoreError` saying what to install.
 */
export function chooseCredentialStore(deps: CredentialStoreDeps): CredentialStore {
  if (keyFileChosen(deps.choiceFile)) return keyFileStore(deps.keyFile);
  if (deps.platform === 'linux') {
    const backend = deps.safeStorage.getSelectedStorageBackend();
    if (
      backend === 'basic_text' ||
      backend === 'unknown' ||
      !deps.safeStorage.isEncryptionAvailable()
    ) {
      const chose = deps.askForKeyFile(keyFileQuestion(backend, deps.keyFile));
      if (!chose) {
        throw new NoCredentialStoreError(
          `No keyring protects the park's passwords on this computer (Electron's credential ` +
            `store is "${backend}"), so the park agent did not start. To fix it, ${INSTALL_KEYRING}. ` +
            'Or start the app again and choose "Use a key file".',
        );
      }
      const choice: z.infer<typeof choiceSchema> = {
        store: 'key-file',
        chosenAt: (deps.now?.() ?? new Date()).toISOString(),
      };
      writeFileSync(deps.choiceFile, `${JSON.stringify(choice)}\n`, { mode: 0o600 });
      return keyFileStore(deps.keyFile);
    }
  }
  return { store: safeStorageSecretStore(deps.safeStorage), kind: 'os-keyring' };
}

/** The key file store; on a first start the data directory does not exist yet. */
function keyFileStore(keyFile: string): CredentialStore {
  mkdirSync(path.dirname(keyFile), { recursive: true, mode: 0o700 });
  return { store: KeyFileSecretStore.openOrCreate(keyFile), kind: 'key-file' };
}

/** Whether the person chose the key file before (an unreadable choice asks again). */
function keyFileChosen(choiceFile: string): boolean {
  let text: string;
  try {
    text = readFileSync(choiceFile, 'utf8');
  } catch {
    return false;
  }
  try {
    return choiceSchema.safeParse(JSON.parse(text)).success;
  } catch {
    return false;
  }
}

function keyFileQuestion(backend: string, keyFile: string): KeyFileQuestion {
  return {
    title: 'No keyring to protect the park’s passwords',
    message:
      'This desktop offers the park agent no keyring, so gateway passwords and the park token ' +
      'cannot be locked with your login.',
    detail:
      `Electron's credential store here is "${backend}": it would keep them in a form anyone ` +
      `who reads your files can decode.\n\nRecommended: ${INSTALL_KEYRING}.\n\n` +
      `Or use a key file: they are encrypted with a key kept in ${keyFile}, readable only by ` +
      'your user account. Anyone who can read your files (or a backup holding that file) can ' +
      'read the passwords. The app keeps using the key file from then on.',
    buttons: ['Quit', 'Use a key file'],
  };
}
