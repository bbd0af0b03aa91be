// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.tsbuild/**', 'rust/**', '.data/**', '**/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // Logs go through pino so they stay structured; the CLI entry points opt out explicitly.
      'no-console': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Both UIs (the park app's renderer, the dashboard) and their shared toolkit: hooks called
    // in a stable order, and effects that name everything they read.
    files: ['**/*.tsx', 'shared/ui/src/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    // Plain-Node bootstrap scripts run before dependencies exist and talk to a person.
    files: ['scripts/**/*.mjs'],
    rules: { 'no-console': 'off' },
  },
  {
    // @zra/gateway serves any client of a park gateway (the agent today, central tomorrow): it
    // leans on neither app, nor on the agent's SQLite or Electron.
    files: ['shared/gateway/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/desktop/**', '@zra/desktop', '@zra/desktop/*'],
              message: 'the gateway package may not import the park app',
            },
            {
              group: ['**/central/**', '@zra/central', '@zra/central/*'],
              message: 'the gateway package may not import central',
            },
            {
              group: ['better-sqlite3', 'electron'],
              message: "recording drops is the caller's: no database or Electron here",
            },
          ],
        },
      ],
    },
  },
  {
    // Central never imports the park app; what both need lives in @zra/shared or @zra/gateway.
    files: ['central/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@zra/desktop', '@zra/desktop/*', '**/desktop/**'],
              message: 'central may import @zra/shared and @zra/gateway, never the park app',
            },
          ],
        },
      ],
    },
  },
  {
    // @zra/ui is the toolkit both apps import: it imports nothing of either app, and its
    // browser part nothing of Node (only src/server/ is Node's).
    files: ['shared/ui/**'],
    ignores: ['shared/ui/src/server/**', 'shared/ui/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '@zra/central',
            '@zra/central/*',
            '@zra/desktop',
            '@zra/desktop/*',
            '**/central/**',
            '**/desktop/**',
            'node:*',
          ],
        },
      ],
    },
  },
  {
    // Node's side of the toolkit, and its tests (which run in Node).
    files: ['shared/ui/src/server/**', 'shared/ui/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '@zra/central',
            '@zra/central/*',
            '@zra/desktop',
            '@zra/desktop/*',
            '**/central/**',
            '**/desktop/**',
          ],
        },
      ],
    },
  },
  {
    // The dashboard runs in the browser: of central's sources it may import types only (the
    // router's type for tRPC), never code, and not the toolkit's Node part.
    files: ['central/dashboard/src/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src/**', '@zra/central', '@zra/central/*', '!./**'],
              allowTypeImports: true,
              message: 'the dashboard may import only types from central/src',
            },
            { group: ['@zra/ui/server', 'node:*'], message: 'Node-only code: not in the browser' },
          ],
        },
      ],
    },
  },
  {
    // The renderer and central dashboard may not reach into Node-only core code.
    files: ['desktop/src/renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '**/core/**',
            '**/main/**',
            'node:*',
            'better-sqlite3',
            'ssh2*',
            '@zra/ui/server',
          ],
        },
      ],
    },
  },
);
