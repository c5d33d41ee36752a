import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { cruise, type ICruiseResult, type IFlattenedRuleSet } from 'dependency-cruiser';

// The project's own rules (the repository root, seen from dist/cli/), checked here on small made-up trees.
const config = createRequire(import.meta.url)('../../.dependency-cruiser.cjs') as { forbidden: IFlattenedRuleSet['forbidden'] };

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: string;
}

/** Writes `files` (path -> source) into a fresh directory and cruises its src/ with the project's rules. */
async function violations(files: Readonly<Record<string, string>>): Promise<Violation[]> {
  const root = mkdtempSync(join(tmpdir(), 'wharf-layers-'));
  try {
    // A stand-in package, so an import of it resolves into node_modules as a real one does.
    const all = { 'node_modules/dockerode/package.json': '{"name":"dockerode","main":"index.js"}', 'node_modules/dockerode/index.js': 'module.exports = {};\n', ...files };
    for (const [path, text] of Object.entries(all)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const result = await cruise(
      ['src'],
      { baseDir: root, validate: true, ruleSet: { forbidden: config.forbidden }, tsPreCompilationDeps: true, doNotFollow: { path: 'node_modules' } },
      { extensions: ['.ts', '.js'] },
    );
    const output = result.output as ICruiseResult;
    return output.summary.violations.map((v) => ({ from: v.from, to: v.to, rule: v.rule.name })).sort((a, b) => `${a.from}${a.rule}`.localeCompare(`${b.from}${b.rule}`));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** A small tree that follows the rules: the base every case below adds one file to. */
const LAWFUL: Readonly<Record<string, string>> = {
  'src/domain/task.ts': 'export interface Task { id: string }\n',
  'src/ports/store.ts': "import type { Task } from '../domain/task';\nexport interface Store { get(): Promise<Task> }\n",
  'src/adapters/runtime-docker/docker-runtime.ts': "import Docker from 'dockerode';\nimport type { Store } from '../../ports/store';\nexport const engine = (s: Store) => [Docker, s];\n",
  'src/adapters/store-memory/memory-store.ts': "import type { Store } from '../../ports/store';\nexport const memory = (s: Store) => s;\n",
  'src/controllers/work-queue.ts': "import { randomUUID } from 'node:crypto';\nexport const queue = randomUUID;\n",
  'src/controllers/scheduler.ts': "import type { Store } from '../ports/store';\nimport { queue } from './work-queue';\nexport const schedule = (s: Store) => [s, queue];\n",
  'src/controllers/scheduler.test.ts': "import { test } from 'node:test';\nimport { memory } from '../adapters/store-memory/memory-store';\nimport { schedule } from './scheduler';\ntest('x', () => void [memory, schedule]);\n",
  'src/dataplane/load-balancer.ts': "import { createServer } from 'node:http';\nimport { queue } from '../controllers/work-queue';\nexport const plane = [createServer, queue];\n",
  'src/api/handler.ts': "import type { Store } from '../ports/store';\nexport const handle = (s: Store) => s;\n",
  'src/api/auth/key-ring.ts': "export interface ConfiguredKey { id: string }\nexport const ring = (keys: ConfiguredKey[]) => keys;\n",
  'src/cli/wharf.ts': "import type { ConfiguredKey } from '../api/auth/key-ring';\nimport { main } from '../main';\nexport const run = (k: ConfiguredKey) => [k, main];\n",
  'src/main.ts': "import { engine } from './adapters/runtime-docker/docker-runtime';\nimport { schedule } from './controllers/scheduler';\nimport { plane } from './dataplane/load-balancer';\nimport { handle } from './api/handler';\nexport const main = [engine, schedule, plane, handle];\n",
};

describe('the layer rules (.dependency-cruiser.cjs)', () => {
  test('a tree that keeps to the layers passes, fake adapters in controller tests included', async () => {
    assert.deepEqual(await violations(LAWFUL), []);
  });

  test('a file in a folder that is no layer fails, imported or not, and so does what imports it', async () => {
    const found = await violations({
      ...LAWFUL,
      'src/shared/strings.ts': "import { randomUUID } from 'node:crypto';\nexport const id = randomUUID;\n",
      'src/api/uses-shared.ts': "import { id } from '../shared/strings';\nexport const x = id;\n",
      'src/stray.ts': 'export const nothing = 1;\n',
    });
    assert.deepEqual(found, [
      { from: 'src/api/uses-shared.ts', to: 'src/shared/strings.ts', rule: 'api-allow-list' },
      { from: 'src/shared/strings.ts', to: 'crypto', rule: 'every-file-has-a-layer' },
      { from: 'src/stray.ts', to: 'src/stray.ts', rule: 'every-file-has-a-layer-even-without-imports' },
    ]);
  });

  test('the API importing a controller or the data plane fails', async () => {
    const found = await violations({
      ...LAWFUL,
      'src/api/calls-controller.ts': "import { schedule } from '../controllers/scheduler';\nimport { plane } from '../dataplane/load-balancer';\nexport const x = [schedule, plane];\n",
    });
    assert.deepEqual(found.map((v) => `${v.to} ${v.rule}`), ['src/controllers/scheduler.ts api-allow-list', 'src/dataplane/load-balancer.ts api-allow-list']);
  });

  test('a controller importing dockerode, an I/O built-in or an adapter fails', async () => {
    const found = await violations({
      ...LAWFUL,
      'src/controllers/engine-user.ts': "import Docker from 'dockerode';\nimport { readFile } from 'node:fs/promises';\nimport { engine } from '../adapters/runtime-docker/docker-runtime';\nexport const x = [Docker, readFile, engine];\n",
    });
    assert.deepEqual(found.map((v) => `${v.to} ${v.rule}`).sort(), [
      'fs/promises controllers-allow-list',
      'node_modules/dockerode/index.js controllers-allow-list',
      'src/adapters/runtime-docker/docker-runtime.ts controllers-allow-list',
    ]);
  });

  test('the data plane may use the work queue but no other controller', async () => {
    const found = await violations({
      ...LAWFUL,
      'src/dataplane/schedules.ts': "import { schedule } from '../controllers/scheduler';\nexport const x = schedule;\n",
    });
    assert.deepEqual(found, [{ from: 'src/dataplane/schedules.ts', to: 'src/controllers/scheduler.ts', rule: 'dataplane-allow-list' }]);
  });

  test('the fakes stay out of production code and end-to-end tests', async () => {
    const found = await violations({
      ...LAWFUL,
      'src/controllers/uses-fake.ts': "import { memory } from '../adapters/store-memory/memory-store';\nexport const x = memory;\n",
      'src/e2e/uses-fake.test.ts': "import { memory } from '../adapters/store-memory/memory-store';\nexport const x = memory;\n",
    });
    assert.deepEqual(found.map((v) => `${v.from} ${v.rule}`), [
      'src/controllers/uses-fake.ts controllers-allow-list',
      'src/controllers/uses-fake.ts fakes-only-in-unit-tests',
      'src/e2e/uses-fake.test.ts fakes-only-in-unit-tests',
    ]);
  });

  test('the command may name an API type but not run API code', async () => {
    const found = await violations({
      ...LAWFUL,
      'src/cli/runs-key-ring.ts': "import { ring } from '../api/auth/key-ring';\nexport const x = ring;\n",
      'src/cli/runs-handler.ts': "import type { handle } from '../api/handler';\nexport type X = typeof handle;\n",
    });
    assert.deepEqual(found.map((v) => `${v.from} ${v.rule}`), ['src/cli/runs-handler.ts cli-allow-list', 'src/cli/runs-key-ring.ts cli-sees-api-types-only']);
  });
});
