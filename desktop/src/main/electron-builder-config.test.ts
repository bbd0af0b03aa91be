import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../core/testing/temp-dir.ts';

const require = createRequire(import.meta.url);
const CONFIG = new URL('../../../electron-builder.yml', import.meta.url);

function load(): Record<string, unknown> {
  return parse(readFileSync(CONFIG, 'utf8')) as Record<string, unknown>;
}

/** electron-builder's own JSON schema, as shipped by the version the app pins. */
function validator() {
  const schema = JSON.parse(
    readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8'),
  ) as object;
  // The schema is draft-07 with electron-builder's own keywords; unknown ones are ignored.
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
  return ajv.compile(schema);
}

describe('electron-builder.yml', () => {
  it("is valid against electron-builder's schema", () => {
    const validate = validator();
    const ok = validate(load());
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('builds AppImage and deb for Linux and NSIS for Windows, with better-sqlite3 out of the asar', () => {
    const c = load() as {
      linux: { target: string[] };
      win: { target: string[] };
      asarUnpack: string[];
      extraMetadata: { main: string };
    };
    expect(c.linux.target).toEqual(['AppImage', 'deb']);
    expect(c.win.target).toEqual(['nsis']);
    expect(c.asarUnpack).toContain('**/node_modules/better-sqlite3/**');
    expect(c.extraMetadata.main).toBe('dist/main/main.js');
  });

  it('is really checked: a wrong field is refused by the schema', () => {
    const validate = validator();
    expect(
      validate({ ...load(), asarUnpack: 42, linux: { target: 'AppImage', nonsense: 1 } }),
    ).toBe(false);
  });
});

/** @electron/fuses as electron-builder uses it (its own dependency, resolved the same way). */
interface Fuses {
  FuseV1Options: Record<string, number>;
  getCurrentFuseWire(file: string): Promise<Record<string, number | string>>;
  flipFuses(file: string, config: object): Promise<unknown>;
}

describe("electron-builder.yml's Electron fuses", () => {
  it('leave the packaged binary with no run-as-node, NODE_OPTIONS or inspect, encrypted cookies, asar only and checked, no file:// extras', async () => {
    const fusesMain = require.resolve('@electron/fuses', {
      paths: [path.dirname(require.resolve('app-builder-lib'))],
    });
    const fuses = require(fusesMain) as Fuses;
    const { SENTINEL } = require(path.join(path.dirname(fusesMain), 'constants.js')) as {
      SENTINEL: string;
    };
    const { FuseV1Options: O } = fuses;
    // electron-builder's own step turns the yml's `electronFuses` into a fuse config.
    const { PlatformPackager } = require('app-builder-lib') as {
      PlatformPackager: { prototype: { generateFuseConfig(f: unknown): Promise<object> } };
    };
    const config = await PlatformPackager.prototype.generateFuseConfig(load().electronFuses);

    // A stand-in for the Electron binary: the fuse wire as Electron ships it (sentinel, wire
    // version 1, length, one byte per fuse: '1' on, '0' off), inside other bytes.
    const d = await tempDir('fuses');
    try {
      const binary = path.join(d.dir, 'zamperla-park-agent');
      const shipped = ['1', '0', '1', '1', '0', '0', '0', '1'].join(''); // Electron's defaults
      writeFileSync(
        binary,
        Buffer.concat([
          Buffer.alloc(4096, 7),
          Buffer.from(SENTINEL, 'latin1'),
          Buffer.from([1, shipped.length]),
          Buffer.from(shipped, 'latin1'),
          Buffer.alloc(4096, 7),
        ]),
      );
      await fuses.flipFuses(binary, config);
      const wire = await fuses.getCurrentFuseWire(binary);
      const on = (name: string) => String.fromCharCode(Number(wire[String(O[name])]));
      expect({
        RunAsNode: on('RunAsNode'),
        EnableCookieEncryption: on('EnableCookieEncryption'),
        EnableNodeOptionsEnvironmentVariable: on('EnableNodeOptionsEnvironmentVariable'),
        EnableNodeCliInspectArguments: on('EnableNodeCliInspectArguments'),
        EnableEmbeddedAsarIntegrityValidation: on('EnableEmbeddedAsarIntegrityValidation'),
        OnlyLoadAppFromAsar: on('OnlyLoadAppFromAsar'),
        GrantFileProtocolExtraPrivileges: on('GrantFileProtocolExtraPrivileges'),
      }).toEqual({
        RunAsNode: '0',
        EnableCookieEncryption: '1',
        EnableNodeOptionsEnvironmentVariable: '0',
        EnableNodeCliInspectArguments: '0',
        EnableEmbeddedAsarIntegrityValidation: '1',
        OnlyLoadAppFromAsar: '1',
        GrantFileProtocolExtraPrivileges: '0',
      });
    } finally {
      await d.remove();
    }
  });
});
