// Lint: TypeScript rules plus the layer rules of ARCHITECTURE.md section 1, so imports
// only point downward: nodes → core/sdk, core → nothing above it, electron → core/server.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const layer = (group, message) => ({ group, message });
const coreLayers = [
  layer(['**/nodes', '**/nodes/**'], 'core must not import nodes/: the composition root (cli/) registers nodes with the engine.'),
  layer(['**/renderer/**', '**/electron/**', '**/cli/**'], 'core is the bottom layer: it never imports the UI, the shell or the CLI.'),
  layer(['react', 'react-dom', 'electron', '@xyflow/*'], 'core is plain Node: no React or Electron.'),
];
// core/sdk is the facade above core that nodes and packs import; core itself imports the
// module it needs (core/base for errors, ports, the run context), so the SDK can change
// without creating cycles.
const notTheSdk = layer(['**/sdk', '**/sdk/**'], 'core never imports core/sdk (the facade for nodes): import core/base or the module itself.');

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/.data/**', 'renderer/dist/**', 'test-results/**', '.gpu/**', '.gl/**'] },
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
    rules: restrict([...coreLayers, notTheSdk]),
  },
  {
    // Tests and fixtures in core play node author, so they may import the SDK; core/sdk is the SDK.
    files: ['core/**/*.test.ts', 'core/**/test-support/**/*.ts', 'core/sdk/**/*.ts'],
    rules: restrict(coreLayers),
  },
  {
    // The server's tests build a registry the way the composition root does: built-in nodes plus fixtures.
    files: ['core/server/**/*.test.ts', 'core/server/test-support/**/*.ts'],
    rules: restrict([
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
      layer(['fs', 'fs/*', 'node:fs', 'node:fs/*'], 'nodes reach files through the run context (ctx.workspace for paths, ctx.state for durable state), so every write is checked and atomic.'),
    ]),
  },
  {
    files: ['nodes/**/*.test.ts', 'nodes/**/test-support/**/*.ts'],
    rules: restrict([layer(['**/engine/**', '**/store/**', '**/renderer/**', '**/electron/**'], 'node tests use core/sdk/testing or the CLI, not engine internals.')]),
  },
  {
    // The React UI runs in the browser and reaches the engine only through its API client
    // (renderer/src/api): core/graph's types are all it may take from core.
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    languageOptions: { parserOptions: { ecmaFeatures: { jsx: true } } },
    rules: {
      // TypeScript already rejects unknown names, and knows the DOM's globals.
      'no-undef': 'off',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            layer(
              ['**/core/*', '!**/core/graph', '!**/core/engine', '!**/core/base', '!**/core/ml', '**/core/*/**', '!**/core/graph/types.js', '!**/core/graph/registry.js', '!**/core/engine/events.js', '!**/core/base/context.js', '!**/core/ml/backend-names.js', '!**/core/base/show-when.js'],
              'the renderer takes only types from core (pipeline, catalog, events, backend names) and the showWhen rule evaluation; everything else goes through renderer/src/api (the HTTP/WebSocket API).',
            ),
            { group: ['**/core/graph/registry.js'], allowTypeImports: true, message: 'only the CatalogEntry type: the registry itself runs in the engine.' },
            { group: ['**/core/engine/events.js', '**/core/base/context.js', '**/core/ml/backend-names.js'], allowTypeImports: true, message: 'only the wire types: the engine runs in the server.' },
            layer(['**/nodes/**', '**/cli/**', '**/electron/**', '**/e2e/**', '**/bench/**'], 'the renderer never imports the node catalog, the CLI, the shell or tests.'),
            layer(['node:*', 'fs', 'path', 'child_process', 'worker_threads', 'ws', 'better-sqlite3', 'zod', 'apache-arrow', 'parquet-wasm', '@tensorflow/*', 'electron'], 'the renderer runs in a sandboxed browser page: no Node modules or engine libraries.'),
          ],
        },
      ],
    },
  },
  {
    // Browser tests and the UI benchmark pass functions to the page (DOM globals); TypeScript checks names.
    files: ['e2e/**/*.ts', 'bench/ui/**/*.ts', 'bench/ui/**/*.js'],
    rules: { 'no-undef': 'off' },
  },
  {
    files: ['electron/**/*.ts'],
    rules: restrict([layer(['**/nodes/**', '**/renderer/**', '**/core/engine/**', '**/core/store/**'], 'the desktop shell only starts core/server; no business logic here.')]),
  },
);
