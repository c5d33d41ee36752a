import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as api from './index.js';

test('the module exposes the registration function, the size helpers and the catalogue', () => {
  for (const name of [
    'buildTaskDefinition', 'isValidFargateSize', 'fargateMemoryOptions', 'FARGATE_SIZES', 'FARGATE_CPU_OPTIONS',
    'fargateIncompatibility', 'taskDefinitionErrors', 'parseTaskCpu', 'parseTaskMemory', 'withHealthCheckDefaults',
    'HEALTH_CHECK_DEFAULTS', 'HEALTH_CHECK_BOUNDS', 'FARGATE_MAX_STOP_TIMEOUT', 'isEcrImage', 'resolveDefinition',
  ]) {
    assert.ok(name in api, name);
  }
});
