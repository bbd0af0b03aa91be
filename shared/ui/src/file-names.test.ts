import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** One file-naming convention for the toolkit and both UIs: kebab-case, lower case. */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const UI_FOLDERS = ['shared/ui/src', 'central/dashboard/src', 'desktop/src/renderer'];
const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+)+$/;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

describe('file names', () => {
  it.each(UI_FOLDERS)('%s names its files in kebab-case', (folder) => {
    const wrong = files(join(ROOT, folder))
      .filter((f) => !KEBAB.test(f.split('/').at(-1) ?? ''))
      .map((f) => relative(ROOT, f));
    expect(wrong).toEqual([]);
  });
});
