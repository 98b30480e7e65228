// ESLint: type-aware TypeScript rules, the layer rules of the folders, no import cycles.
// Formatting is Prettier's (.prettierrc.json); eslint-config-prettier turns off the rules it owns.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import prettier from 'eslint-config-prettier';

/** Who may import whom: each folder imports only the folders below it (docs/architecture.md). */
const layers = [
  {
    target: './models',
    from: ['./solver', './planning', './jobs', './server', './cli', './bench', './test'],
    message: 'models/ is the bottom layer: it imports only zod and yaml.',
  },
  {
    target: './solver',
    from: ['./planning', './jobs', './server', './cli', './bench', './test'],
    message: 'solver/ imports models/ only.',
  },
  {
    // The modules a solver thread loads (worker.ts and all it imports) never load the main thread's
    // orchestrator: the portfolio, the pool, the threads and the conflict relay stay out of every worker.
    target: ['./solver/!(solve|pool|threads|explain|changes).ts', './solver/*/**'],
    from: [
      './solver/solve.ts',
      './solver/pool.ts',
      './solver/threads.ts',
      './solver/explain.ts',
      './solver/changes.ts',
    ],
    message:
      'code that runs in a solver thread does not import the orchestrator (solve, pool, threads, explain, changes).',
  },
  {
    // Each solver library is reached through its engine adapter only: everything else imports the folder's surface
    // (index.ts: ENGINES, BACKENDS; engine.ts, backend.ts and capabilities.ts: the interfaces and claims).
    target: [
      './models',
      './planning',
      './jobs',
      './server',
      './cli',
      './test',
      './solver/*.ts',
      './solver/!(backends)/**',
    ],
    from: [
      './solver/backends/glpk.ts',
      './solver/backends/highs.ts',
      './solver/backends/jslp.ts',
      './solver/backends/copy.ts',
      './solver/backends/greedy.ts',
    ],
    message: "only solver/backends/ reaches an engine's internals: import solver/backends/index.ts or engine.ts.",
  },
  {
    target: './planning',
    from: ['./jobs', './server', './cli', './bench', './test'],
    message: 'planning/ (the use cases) imports models/ and solver/ only.',
  },
  {
    target: './web',
    from: ['./models', './solver', './planning', './jobs', './server', './cli', './bench', './test'],
    message: 'web/ runs in the browser: it imports only its own modules and the packages the service serves.',
  },
  {
    target: ['./models', './solver', './planning', './jobs', './server', './cli', './bench'],
    from: ['./web'],
    message: 'nothing imports the browser code in web/.',
  },
  {
    target: './jobs',
    from: ['./server', './cli', './bench', './test'],
    message: 'jobs/ (the job queues) imports planning/, solver/ and models/ only.',
  },
  {
    target: './server',
    from: ['./cli', './bench', './test'],
    message: 'server/ is HTTP only: it imports planning/, solver/ and models/, never cli/.',
  },
  {
    target: './cli',
    from: ['./server', './bench', './test'],
    message: 'cli/ imports planning/, solver/ and models/, never server/.',
  },
  {
    target: './bench',
    from: ['./server', './cli', './test'],
    message: 'bench/ runs the service as a process; it does not import server/ or cli/.',
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Before the rules below: it turns off the formatting rules, and max-len is turned back on after it.
  prettier,
  {
    // The plain scripts that run before anything is compiled (scripts/*.mjs): Node's globals.
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { URL: 'readonly', console: 'readonly', process: 'readonly' } },
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: {
      // The TypeScript settings of import-x (without them it parses only .js files, and no rule below sees
      // an import between .ts files), with the resolver that maps './x.js' to './x.ts'.
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { varsIgnorePattern: '^_', argsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      'import-x/no-cycle': ['error', { maxDepth: Infinity }],
      'import-x/first': 'error',
      'import-x/no-duplicates': 'error',
      'import-x/no-restricted-paths': ['error', { zones: layers }],
    },
  },
  {
    // The solver libraries are imported by their engine adapters alone (and by bench/, for native comparisons).
    files: ['**/*.ts'],
    ignores: ['solver/backends/**', 'bench/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['highs', 'glpk.js', 'glpk.js/node', 'javascript-lp-solver'].map((name) => ({
            name,
            message: 'solver libraries are reached through solver/backends/ (ENGINES, BACKENDS) only.',
          })),
        },
      ],
    },
  },
  {
    // Source (not tests): lines within the print width, functions that fit on a screen.
    files: ['server/**/*.ts', 'solver/**/*.ts', 'models/**/*.ts', 'planning/**/*.ts', 'cli/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'max-len': ['error', { code: 120, ignoreUrls: true }],
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
    },
  },
);
