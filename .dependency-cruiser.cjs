/**
 * Wharf's layer rules (docs/architecture.md, "Layers"): an allow-list per layer.
 *   main.ts -> cli, api, controllers, dataplane -> ports -> domain
 *   adapters implement ports and are imported by main.ts alone.
 * Each layer below names everything it may import: other layers, Node
 * built-ins, npm packages. Anything not named fails, and so does a file
 * under src/ that belongs to no layer. Do not relax these rules: move the
 * code to the right layer instead; where a crossing is legitimate, allow
 * exactly that file and say why beside it.
 * src/cli/layer-rules.test.ts proves the rules catch what they should.
 */
const { builtinModules } = require('node:module');

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Test files and contract suites: they may also use the test runner and test helpers. */
const TEST = '\\.(test|contract)\\.ts$';
/** Node built-ins by name, with or without the `node:` prefix (`fs` covers `fs/promises`). */
const node = (...names) => `^(node:)?(${names.map(escape).join('|')})(/|$)`;
const ANY_NODE = node(...builtinModules, 'test');
/** npm packages by name (resolved into some node_modules folder). */
const npm = (...names) => `(^|/)node_modules/(${names.map(escape).join('|')})/`;
const SMITHY = '(^|/)node_modules/@smithy/';
const ANY_NPM = '(^|/)node_modules/';
/** Folders of src/ (each one a layer, or a part of one). */
const dirs = (...names) => `^src/(${names.join('|')})/`;
const MAIN = '^src/main\\.ts$';
/**
 * In-memory adapters for unit tests of the layers above ports. They pass the
 * same contract suites as the real adapters, so a test that uses them tests
 * the real thing's behaviour. Never in production code or end-to-end tests.
 */
const FAKES = '^src/adapters/(store-memory|runtime-fake)/';

/**
 * One layer's allow-list as two rules: one for its code, one for its tests
 * (which may also import `testsMay`).
 */
function layer(name, { files, comment, may, testsMay = [] }) {
  const isFolder = files.endsWith('/');
  const rules = [
    {
      name: `${name}-allow-list`,
      comment: `${comment} See docs/architecture.md, "Layers".`,
      severity: 'error',
      from: isFolder ? { path: files, pathNot: TEST } : { path: files },
      to: { pathNot: may },
    },
  ];
  if (isFolder) {
    rules.push({
      name: `${name}-tests-allow-list`,
      comment: `Tests of ${name}/ import what ${name}/ may, plus the test runner${testsMay.length > 0 ? ' and what the rule lists' : ''}. See docs/architecture.md, "Layers".`,
      severity: 'error',
      from: { path: `${files}.*${TEST}` },
      to: { pathNot: [...may, node('test', 'assert'), ...testsMay] },
    });
  }
  return rules;
}

const LAYERS = [
  layer('domain', {
    files: '^src/domain/',
    comment: 'domain/ holds pure rules: it imports only other domain modules (no Node built-ins, no npm packages).',
    may: [dirs('domain')],
    // Tests may read the sources (purity.test.ts) and use crypto for fixtures.
    testsMay: [ANY_NODE],
  }),
  layer('ports', {
    files: '^src/ports/',
    comment: 'ports/ are interfaces over domain types.',
    may: [dirs('ports', 'domain')],
    testsMay: [ANY_NODE],
  }),
  layer('adapters', {
    files: '^src/adapters/',
    comment: 'Adapters implement ports over real I/O: they see ports and domain (and shared adapter helpers), never the API, controllers, data plane or CLI. Only they talk to the engine and the database.',
    may: [dirs('adapters', 'ports', 'domain'), ANY_NODE, npm('better-sqlite3', 'dockerode', 'tar-stream', 'pg')],
    // The runtime contract and the Docker adapter's tests run the busybox image the end-to-end tests build.
    testsMay: ['^src/e2e/test-images\\.ts$'],
  }),
  layer('api', {
    files: '^src/api/',
    comment: 'Handlers record intent in the store; controllers act on it. The API never imports controllers, the data plane, the CLI or adapters.',
    may: [dirs('api', 'ports', 'domain'), ANY_NODE, SMITHY, npm('fast-xml-parser')],
    testsMay: [FAKES],
  }),
  layer('controllers', {
    files: '^src/controllers/',
    comment: 'Controllers work from the store and the runtime through ports: no HTTP handlers, no data plane, no engine or database client, and no I/O built-ins (only ids, timers and events).',
    may: [dirs('controllers', 'ports', 'domain'), node('crypto', 'util', 'events', 'timers')],
    // Controller tests run against the in-memory store and the fake runtime, which pass the ports' contract suites,
    // and place tasks through the real container-instance records, which live in that store.
    testsMay: [FAKES, '^src/adapters/container-instances-store/'],
  }),
  layer('dataplane', {
    files: '^src/dataplane/',
    comment: 'The data plane serves bytes (registry, load balancer, exec, task metadata, log pump) through ports; it never imports the API, the CLI or adapters.',
    may: [
      dirs('dataplane', 'ports', 'domain'),
      // The load balancer plane reconciles listener tables by key as controllers do, with their shared work queue.
      '^src/controllers/work-queue\\.ts$',
      ANY_NODE,
      npm('ws'),
    ],
    testsMay: [FAKES],
  }),
  layer('cli', {
    files: '^src/cli/',
    comment: 'The `wharf` command and its configuration: it starts main.ts and signs its own requests.',
    may: [
      dirs('cli', 'ports', 'domain'),
      MAIN,
      // The configuration file lists the key pairs the gateway accepts (a type only: see cli-sees-api-types-only).
      '^src/api/auth/key-ring\\.ts$',
      ANY_NODE,
      SMITHY,
      npm('pino', 'ws'),
    ],
    // layer-rules.test.ts runs dependency-cruiser on fixtures to prove these rules.
    testsMay: [npm('dependency-cruiser')],
  }),
  layer('main', {
    files: MAIN,
    comment: 'The composition root: the only production file that chooses adapters.',
    may: [
      dirs('api', 'controllers', 'dataplane', 'adapters', 'ports', 'domain'),
      // The parsed configuration's type (see main-sees-cli-types-only).
      '^src/cli/config\\.ts$',
      ANY_NODE,
    ],
  }),
  layer('e2e', {
    files: '^src/e2e/',
    comment: 'End-to-end tests drive a real Wharf with the real clients: any layer, any package, but never the fakes (see fakes-only-in-unit-tests).',
    may: [dirs('domain', 'ports', 'adapters', 'api', 'controllers', 'dataplane', 'cli', 'e2e'), MAIN, ANY_NODE, ANY_NPM],
  }),
].flat();

const CLASSIFIED = [dirs('domain', 'ports', 'adapters', 'api', 'controllers', 'dataplane', 'cli', 'e2e'), MAIN];

module.exports = {
  forbidden: [
    ...LAYERS,
    {
      name: 'every-file-has-a-layer',
      comment: 'A file or folder under src/ that is no layer is an error: put it in a layer folder, or add the layer here and in docs/architecture.md.',
      severity: 'error',
      from: { path: '^src/', pathNot: CLASSIFIED },
      to: {},
    },
    {
      name: 'every-file-has-a-layer-even-without-imports',
      comment: 'The same for a file that imports nothing and nothing imports.',
      severity: 'error',
      from: { orphan: true, path: '^src/', pathNot: CLASSIFIED },
      to: {},
    },
    {
      name: 'fakes-only-in-unit-tests',
      comment: 'The in-memory store and the fake runtime serve unit tests of api/, controllers/ and dataplane/; production code and end-to-end tests use the real adapters.',
      severity: 'error',
      from: { path: '^src/', pathNot: [FAKES, `^src/(api|controllers|dataplane)/.*${TEST}`] },
      to: { path: FAKES },
    },
    {
      name: 'cli-sees-api-types-only',
      comment: 'The configuration names the ConfiguredKey type; the command never runs API code itself.',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/api/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'main-sees-cli-types-only',
      comment: 'main.ts takes the parsed WharfConfig; parsing it is the command\'s job (cli/ imports main.ts, not the other way round).',
      severity: 'error',
      from: { path: MAIN },
      to: { path: '^src/cli/', dependencyTypesNot: ['type-only'] },
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
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
