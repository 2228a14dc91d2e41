// Lint: TypeScript rules plus the layer rules of ARCHITECTURE.md section 1, so imports
// only point downward: nodes → core/sdk, core → nothing above it, electron → core/server.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const layer = (group, message) => ({ group, message });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/.data/**', 'renderer/dist/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: restrict([
      layer(['**/nodes', '**/nodes/**'], 'core must not import nodes/: the composition root (cli/) registers nodes with the engine.'),
      layer(['**/renderer/**', '**/electron/**', '**/cli/**'], 'core is the bottom layer: it never imports the UI, the shell or the CLI.'),
      layer(['react', 'react-dom', 'electron', '@xyflow/*'], 'core is plain Node: no React or Electron.'),
    ]),
  },
  {
    files: ['nodes/**/*.ts'],
    rules: restrict([
      layer(['**/core/*', '!**/core/sdk', '**/core/*/**', '!**/core/sdk/**'], 'nodes import only core/sdk (its index), never engine or store internals.'),
      layer(['**/core/sdk/testing.js'], 'only tests may use the test context.'),
      layer(['**/renderer/**', '**/electron/**', '**/cli/**'], 'nodes never import the UI, the shell or the CLI.'),
    ]),
  },
  {
    files: ['nodes/**/*.test.ts'],
    rules: restrict([layer(['**/engine/**', '**/store/**', '**/renderer/**', '**/electron/**'], 'node tests use core/sdk/testing or the CLI, not engine internals.')]),
  },
  {
    files: ['electron/**/*.ts'],
    rules: restrict([layer(['**/nodes/**', '**/renderer/**', '**/core/engine/**', '**/core/store/**'], 'the desktop shell only starts core/server; no business logic here.')]),
  },
);
