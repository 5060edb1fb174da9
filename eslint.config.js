// @ts-check
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const { builtinModules } = require('node:module');

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const devDependencies = Object.keys(require('./package.json').devDependencies);

module.exports = tseslint.config(
  { ignores: ['node_modules/', '.data/', 'coverage/', 'web/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      // A forgotten await on an activity or a query is a real bug.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The production image installs without devDependencies, and ships no tests: product code uses neither.
    files: ['**/*.ts'],
    ignores: ['test/**', '**/*.test.ts', '**/fixtures/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: devDependencies.map((name) => ({ name, message: 'a devDependency: product code must run from `npm ci --omit=dev`' })),
          patterns: [
            { group: devDependencies.map((name) => `${name}/*`), message: 'a devDependency: product code must run from `npm ci --omit=dev`' },
            { group: ['**/test', '**/test/**'], message: 'product code must not import test code' },
          ],
        },
      ],
    },
  },
  {
    // Workflows must stay deterministic: no Node built-ins, no activity code (types only).
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'workflows must be deterministic: no Node built-ins' })),
            ...devDependencies.map((name) => ({ name, message: 'a devDependency: product code must run from `npm ci --omit=dev`' })),
          ],
          patterns: [
            {
              group: ['**/activities', '**/activities/**'],
              allowTypeImports: true,
              message: 'workflows may import activity types only (import type …)',
            },
            { group: ['pg', '**/infra/**', '**/api/**', '**/workers/**'], message: 'workflows must not do I/O' },
            { group: ['**/test', '**/test/**'], message: 'product code must not import test code' },
          ],
        },
      ],
    },
  },
);
