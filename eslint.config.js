// @ts-check
import js from '@eslint/js';
import globals from 'globals';
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
    // Plain-Node bootstrap scripts run before dependencies exist and talk to a person.
    files: ['scripts/**/*.mjs'],
    rules: { 'no-console': 'off' },
  },
  {
    // The renderer and central dashboard may not reach into Node-only core code.
    files: ['desktop/src/renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['**/core/**', '**/main/**', 'node:*', 'better-sqlite3', 'ssh2*'] },
      ],
    },
  },
);
