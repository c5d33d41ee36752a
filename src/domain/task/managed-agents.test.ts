import assert from 'node:assert/strict';
import { test } from 'node:test';
import { updateManagedAgents } from './managed-agents.js';
import type { TaskContainer } from './task.js';

const container = (lastStatus: TaskContainer['lastStatus']) => ({ lastStatus } as TaskContainer);

test('the ExecuteCommandAgent shows once the container runs, with when it started, and STOPPED after', () => {
  const c = container('PENDING');
  updateManagedAgents(c, true, new Date(1000));
  assert.equal(c.managedAgents, undefined);
  c.lastStatus = 'RUNNING';
  updateManagedAgents(c, true, new Date(2000));
  assert.deepEqual(c.managedAgents, [{ name: 'ExecuteCommandAgent', lastStatus: 'RUNNING', lastStartedAt: 2000 }]);
  updateManagedAgents(c, true, new Date(3000));
  assert.deepEqual(c.managedAgents, [{ name: 'ExecuteCommandAgent', lastStatus: 'RUNNING', lastStartedAt: 2000 }], 'unchanged while running');
  c.lastStatus = 'STOPPED';
  updateManagedAgents(c, true, new Date(4000));
  assert.deepEqual(c.managedAgents, [{ name: 'ExecuteCommandAgent', lastStatus: 'STOPPED', lastStartedAt: 2000 }]);
});

test('no agent without enableExecuteCommand', () => {
  const c = container('RUNNING');
  updateManagedAgents(c, false, new Date(1000));
  assert.equal(c.managedAgents, undefined);
});
