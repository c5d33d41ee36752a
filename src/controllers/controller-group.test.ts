import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../ports/logger.js';
import { ControllerGroup, type Controller } from './controller-group.js';

function recorder(log: string[], name: string, failStart = false): Controller {
  return {
    name,
    start: async () => {
      if (failStart) throw new Error(`${name} cannot start`);
      log.push(`start ${name}`);
    },
    stop: () => log.push(`stop ${name}`),
  };
}

test('starts in order, stops in reverse, and a second start or stop does nothing', async () => {
  const log: string[] = [];
  const group = new ControllerGroup(silentLogger, [recorder(log, 'a'), recorder(log, 'b'), recorder(log, 'c')]);
  await group.start();
  await group.start();
  assert.equal(group.running, true);
  await group.stop();
  await group.stop();
  assert.equal(group.running, false);
  assert.deepEqual(log, ['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
});

test('a start that fails stops what had started and rethrows', async () => {
  const log: string[] = [];
  const group = new ControllerGroup(silentLogger, [recorder(log, 'a'), recorder(log, 'b'), recorder(log, 'c', true)]);
  await assert.rejects(group.start(), /c cannot start/);
  assert.deepEqual(log, ['start a', 'start b', 'stop b', 'stop a']);
  assert.equal(group.running, false);
});

test('a stop that fails does not keep the others running', async () => {
  const log: string[] = [];
  const failing: Controller = { name: 'x', start: () => log.push('start x'), stop: () => Promise.reject(new Error('stuck')) };
  const group = new ControllerGroup(silentLogger, [recorder(log, 'a'), failing]);
  await group.start();
  await group.stop();
  assert.deepEqual(log, ['start a', 'start x', 'stop a']);
});
