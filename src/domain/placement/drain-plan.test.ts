import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Task } from '../task/task.js';
import { drainStopReason, minimumHealthyCount, planDrain, type DrainingTask, type ServiceMargin } from './drain-plan.js';

function on(id: string, lastStatus: Task['lastStatus'], group = 'service:web', desiredStatus: Task['desiredStatus'] = 'RUNNING'): DrainingTask {
  return { id, task: { lastStatus, desiredStatus, group } };
}

const web = (margin: Partial<ServiceMargin> = {}) => new Map([['web', { desiredCount: 4, minimumHealthyPercent: 50, runningElsewhere: 0, ...margin }]]);

describe('planDrain', () => {
  test('the minimum healthy count rounds up', () => {
    assert.equal(minimumHealthyCount(4, 50), 2);
    assert.equal(minimumHealthyCount(3, 50), 2);
    assert.equal(minimumHealthyCount(3, 100), 3);
    assert.equal(minimumHealthyCount(0, 100), 0);
  });

  const rows: { name: string; tasks: DrainingTask[]; services: ReadonlyMap<string, ServiceMargin>; stop: string[]; held: string[] }[] = [
    { name: 'desired 4 at 50%, all 4 here: two stop, two wait', tasks: ['a', 'b', 'c', 'd'].map((id) => on(id, 'RUNNING')), services: web(), stop: ['a', 'b'], held: ['c', 'd'] },
    { name: 'two replacements running elsewhere: the other two stop', tasks: [on('c', 'RUNNING'), on('d', 'RUNNING'), on('a', 'STOPPING', 'service:web', 'STOPPED')], services: web({ runningElsewhere: 2 }), stop: ['c', 'd'], held: [] },
    { name: 'at 100% nothing RUNNING stops until replacements run', tasks: [on('a', 'RUNNING'), on('b', 'RUNNING')], services: new Map([['web', { desiredCount: 2, minimumHealthyPercent: 100, runningElsewhere: 0 }]]), stop: [], held: ['a', 'b'] },
    { name: 'service tasks not yet RUNNING stop at once, whatever the margin', tasks: [on('p', 'PENDING'), on('q', 'PROVISIONING'), on('r', 'ACTIVATING')], services: new Map([['web', { desiredCount: 3, minimumHealthyPercent: 100, runningElsewhere: 0 }]]), stop: ['p', 'q', 'r'], held: [] },
    { name: 'standalone tasks are left running', tasks: [on('s', 'RUNNING', 'family:batch'), on('t', 'PENDING', 'family:batch')], services: new Map(), stop: [], held: [] },
    { name: 'tasks already being stopped need nothing', tasks: [on('a', 'RUNNING', 'service:web', 'STOPPED')], services: web(), stop: [], held: [] },
    { name: 'a service that is gone keeps no minimum', tasks: [on('a', 'RUNNING', 'service:gone')], services: new Map(), stop: ['a'], held: [] },
    {
      name: 'each service spends its own margin',
      tasks: [on('a', 'RUNNING'), on('b', 'RUNNING'), on('x', 'RUNNING', 'service:api')],
      services: new Map([['web', { desiredCount: 2, minimumHealthyPercent: 50, runningElsewhere: 0 }], ['api', { desiredCount: 1, minimumHealthyPercent: 0, runningElsewhere: 0 }]]),
      stop: ['a', 'x'],
      held: ['b'],
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      assert.deepEqual(planDrain(row.tasks, row.services), { stop: row.stop, held: row.held });
    });
  }

  test("the stop reason names the service and ECS's words", () => {
    assert.match(drainStopReason('web'), /web/);
    assert.match(drainStopReason('web'), /container instance is in DRAINING state/);
  });
});
