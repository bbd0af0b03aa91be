import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * Builds the dashboard into a fresh temp folder, as `vite build` does, and returns the folder.
 * vitest sets NODE_ENV=test, which would make the JSX transform emit development calls that
 * React's production runtime does not have, so the build runs with NODE_ENV=production.
 */
export async function buildDashboard(): Promise<string> {
  const distDir = await mkdtemp(join(tmpdir(), 'zra-dashboard-dist-'));
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: join(here, '..', 'vite.config.ts'),
      logLevel: 'warn',
      mode: 'production',
      build: { outDir: distDir, emptyOutDir: true },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  return distDir;
}

/** Where screenshots go: docs/screenshots with ZRA_SCREENSHOTS=docs, else a temp folder. */
export async function screenshotDir(label: string): Promise<string> {
  const dir =
    process.env.ZRA_SCREENSHOTS === 'docs'
      ? join(here, '..', '..', '..', 'docs', 'screenshots')
      : await mkdtemp(join(tmpdir(), `zra-${label}-shots-`));
  await mkdir(dir, { recursive: true });
  return dir;
}
