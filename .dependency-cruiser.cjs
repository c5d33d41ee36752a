/**
 * Wharf's layer rules (docs/architecture.md): imports point downward only.
 *   main.ts -> cli, api, controllers, dataplane -> ports -> domain
 *   adapters implement ports and are imported by main.ts alone.
 * Do not relax these rules: move the code to the right layer instead.
 */
const TEST = '\\.(test|contract)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'domain/ holds pure rules: it imports only other domain modules (no node built-ins, no npm packages).',
      severity: 'error',
      from: { path: '^src/domain/', pathNot: TEST },
      to: { pathNot: '^src/domain/' },
    },
    {
      name: 'ports-import-only-domain',
      comment: 'ports/ are interfaces over domain types.',
      severity: 'error',
      from: { path: '^src/ports/', pathNot: TEST },
      to: { pathNot: '^src/(domain|ports)/' },
    },
    {
      name: 'only-main-imports-adapters',
      comment: 'Adapters are chosen in the composition root (src/main.ts) only.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/main\\.ts$', '^src/adapters/', '^src/e2e/'] },
      to: { path: '^src/adapters/' },
    },
    {
      name: 'adapters-implement-ports',
      comment: 'Adapters see ports and domain, never the API, controllers or data plane.',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: '^src/(api|controllers|dataplane|cli)/' },
    },
    {
      name: 'api-never-imports-controllers',
      comment: 'Handlers record intent; controllers act on it. The API never calls a controller.',
      severity: 'error',
      from: { path: '^src/api/' },
      to: { path: '^src/(controllers|cli)/' },
    },
    {
      name: 'controllers-never-import-api',
      comment: 'Controllers work from the store and the runtime, not from HTTP handlers.',
      severity: 'error',
      from: { path: '^src/controllers/' },
      to: { path: '^src/(api|cli)/' },
    },
    {
      name: 'services-are-separate',
      comment: "One AWS service's handlers never import another's; share through domain/ or ports/.",
      severity: 'error',
      from: { path: '^src/api/([^/]+)/' },
      to: { path: '^src/api/([^/]+)/', pathNot: ['^src/api/$1/', '^src/api/(model|protocols|auth)/'] },
    },
    {
      name: 'no-cycles',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'every-file-has-a-layer',
      comment: 'An unclassified file is an error: put it in a layer folder.',
      severity: 'error',
      from: { path: '^src/[^/]+$', pathNot: '^src/main\\.ts$' },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
