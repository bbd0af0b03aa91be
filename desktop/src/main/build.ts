/**
 * Builds the Electron main process (ESM, `dist/main/main.js`) and the preload (one CommonJS
 * file, as a sandboxed preload must be: `dist/main/preload.cjs`). npm dependencies stay
 * external (electron-builder ships node_modules; better-sqlite3 is native); the workspace
 * packages (@zra/*, TypeScript sources) are bundled in.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const desktop = fileURLToPath(new URL('../../', import.meta.url));
const outDir = `${desktop}dist/main`;

await build({
  configFile: false,
  logLevel: 'warn',
  ssr: { noExternal: [/^@zra\//] },
  build: {
    ssr: `${desktop}src/main/main.ts`,
    outDir,
    emptyOutDir: true,
    target: 'node22',
    rollupOptions: { output: { format: 'es', entryFileNames: 'main.js' } },
  },
});
await build({
  configFile: false,
  logLevel: 'warn',
  build: {
    ssr: `${desktop}src/preload/preload.ts`,
    outDir,
    emptyOutDir: false,
    target: 'node22',
    rollupOptions: {
      external: ['electron'],
      output: { format: 'cjs', entryFileNames: 'preload.cjs' },
    },
  },
});
