// Lint rules for the whole tree: ESLint's and typescript-eslint's recommended sets, with type information so
// floating promises and misused async callbacks are caught; formatting is Prettier's job (eslint-config-prettier
// turns off every rule it would fight with).

import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'bench/results/'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // As TypeScript's own unused checks: a leading underscore marks a name that is unused on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read what foreign clients and programs print (JSON.parse, redis-cli --json, untyped replies) and then
    // assert its shape with chai: typing every such value first would add noise, not safety.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    // The dashboard's script runs in the browser, not in Node.
    files: ['src/server/dashboard/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  prettier,
);
