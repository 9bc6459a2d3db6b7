/**
 * The layering of rtscore (README "Architecture"), checked by `npm run depcruise` in `npm test`.
 * core → nothing of ours; backends and text → core; tasks → core, text, backends; server → core;
 * cli → everything. Type-only imports count too: they couple modules just the same.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make modules impossible to read, test or move one at a time.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-nothing-of-ours',
      severity: 'error',
      comment: 'src/core holds the contracts everything else builds on: only node:* and npm packages.',
      from: { path: '^src/core/' },
      to: { path: '^(src|bench|test|scripts)/', pathNot: '^src/core/' },
    },
    {
      name: 'backends-import-only-core',
      severity: 'error',
      comment: 'A backend (ONNX Runtime) knows nothing of tasks, text, the server or the CLI.',
      from: { path: '^src/backends/([^/]+)/' },
      to: { path: '^(src|bench|test|scripts)/', pathNot: ['^src/core/', '^src/backends/$1/'] },
    },
    {
      name: 'text-imports-only-core',
      severity: 'error',
      comment: 'The text library (TF-IDF, classifiers, model files) is task-agnostic.',
      from: { path: '^src/text/' },
      to: { path: '^(src|bench|test|scripts)/', pathNot: ['^src/core/', '^src/text/'] },
    },
    {
      name: 'tasks-never-import-server-or-cli',
      severity: 'error',
      comment: 'Tasks reach the server only as model kinds registered in src/cli/kinds.ts.',
      from: { path: '^src/tasks/' },
      to: { path: '^(src/server|src/cli|bench|test|scripts)/' },
    },
    {
      name: 'server-never-imports-tasks-or-cli',
      severity: 'error',
      comment: 'The server speaks to models through the core contracts (ModelKind, capabilities) only.',
      from: { path: '^src/server/' },
      to: { path: '^(src/tasks|src/cli|src/backends|src/text|bench|test|scripts)/' },
    },
    {
      name: 'src-never-imports-tests-bench-scripts',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(bench|test|scripts)/' },
    },
    {
      name: 'tests-never-import-bench',
      severity: 'error',
      comment:
        'Shared test helpers live in test/helpers (or src), so the suite does not depend on the benchmarks. ' +
        'Exceptions: the benchmarks\' own tests, and the deploy tests that check the image against what the memory bench emulates.',
      from: { path: '^test/', pathNot: ['^test/bench/', '^test/deploy/'] },
      to: { path: '^bench/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.cjs', '.mjs', '.json', '.d.ts'],
    },
    exclude: { path: ['^node_modules', '^dist/', '^deploy/'] },
  },
};
