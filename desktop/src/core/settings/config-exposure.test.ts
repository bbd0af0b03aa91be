import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp-dir.ts';
import { loadAgentConfig } from './config.ts';
import { configFileExposure } from './config-exposure.ts';

let dir: { dir: string; remove(): Promise<void> };
beforeAll(async () => {
  dir = await tempDir('config-exposure');
});
afterAll(() => dir.remove());

function configFile(name: string, mode: number, withPassword = false): string {
  const file = path.join(dir.dir, name);
  writeFileSync(
    file,
    JSON.stringify({
      park: 'lago',
      dataDir: 'data',
      central: { url: 'https://central.example.com', token: 'park-token-0123456789' },
      rides: [
        {
          id: 'wild-mouse',
          // A gateway password in the file, or an HTTP listing without one.
          connection: withPassword
            ? { type: 'sftp', host: 'gw.lago.example', username: 'plc', password: 'gateway-secret' }
            : { type: 'http', url: 'http://gw.lago.example/drops' },
        },
      ],
    }),
  );
  chmodSync(file, mode);
  return file;
}

describe('the config file holding a token', () => {
  it('is reported when others can read it, naming what it holds and the fix', async () => {
    const tokenOnly = configFile('token-only.json', 0o644);
    expect(configFileExposure(tokenOnly, await loadAgentConfig(tokenOnly))).toMatch(
      /holds the park token and other users of this computer can read it \(mode 644\)/,
    );
    for (const mode of [0o644, 0o640, 0o604]) {
      const file = configFile(`open-${mode.toString(8)}.json`, mode, true);
      const warning = configFileExposure(file, await loadAgentConfig(file));
      expect(warning, mode.toString(8)).toContain(`chmod 600 ${file}`);
      expect(warning).toContain('the park token and gateway credentials (wild-mouse)');
      expect(warning).toContain(`mode ${mode.toString(8)}`);
      // The warning names the secrets, never says them.
      expect(warning).not.toContain('park-token-0123456789');
      expect(warning).not.toContain('gateway-secret');
    }
  });

  it('is quiet when only its owner can read it, and on Windows', async () => {
    for (const mode of [0o600, 0o400, 0o700]) {
      const file = configFile(`closed-${mode.toString(8)}.json`, mode);
      expect(configFileExposure(file, await loadAgentConfig(file))).toBeNull();
    }
    const open = configFile('open-on-windows.json', 0o644);
    expect(configFileExposure(open, await loadAgentConfig(open), 'win32')).toBeNull();
  });
});
