// Lint for src, test, bench, sdk and the account page (npm run lint; .ci/run runs it).
// Type-aware: projectService finds each file's nearest tsconfig.json (the root one for src, test and
// bench; sdk/ and account/ have their own). Formatting is Prettier's job, not ESLint's.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// The Node globals the build scripts use (the `globals` package is not a dependency).
const NODE_GLOBALS = ['require', 'module', 'exports', '__dirname', '__filename', 'process', 'console', 'Buffer', 'URL'];
const node = Object.fromEntries(NODE_GLOBALS.map((name) => [name, 'readonly']));

export default defineConfig(
  { ignores: ['**/dist/**', 'data/**', 'coverage/**', 'node_modules/**', 'account/sdk/**'] },
  eslint.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits loses its error (an unhandled rejection ends the process) and its
      // ordering; a promise where a boolean or a void callback is expected is always truthy or never awaited.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // `_name` marks a parameter an interface makes us accept.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests and the bench read untyped answers (page.evaluate results, supertest bodies, autocannon's
    // request hooks): `any` there is a reading, not a design. The service, the SDK and the page stay strict.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Build scripts, the CLI probe and this file: plain Node JavaScript, no type information.
    files: ['**/*.{js,cjs,mjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
