import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

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
