import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from '../adapters/store-memory/memory-store.js';
import { KIND } from '../domain/ecs/record-keys.js';
import type { Task } from '../domain/task/task.js';
import type { ContainerInstances } from '../ports/container-instances.js';
import { silentLogger } from '../ports/logger.js';
import type { Scope } from '../ports/store.js';
import { ReservationReleaser } from './reservation-releaser.js';

const scope: Scope = { account: '111111111111', region: 'us-east-1' };

/** Records what the releaser asks of the instances. */
function recordingInstances() {
  const released: string[] = [];
  let repairs = 0;
  const instances: ContainerInstances = {
    forPlacement: () => Promise.reject(new Error('not used')),
    release: async (where, id) => void released.push(`${where.account}/${id}`),
    reconcileReservations: async () => {
      repairs++;
      return 0;
    },
  };
  return { instances, released, repairs: () => repairs };
}

const task = (lastStatus: string) => ({ taskArn: 'arn', lastStatus, desiredStatus: 'RUNNING', wharf: {} }) as unknown as Task;

test('releases a task that stopped or is gone, and leaves a live one alone', async () => {
  const store = new MemoryStore();
  const { instances, released, repairs } = recordingInstances();
  const releaser = new ReservationReleaser(store, instances, silentLogger, { repairEveryMs: 60_000 });
  releaser.start();
  await store.write([{ op: 'put', kind: KIND.task, scope, id: 'c/running', doc: task('RUNNING') }]);
  await store.write([{ op: 'put', kind: KIND.task, scope, id: 'c/stopped', doc: task('STOPPED') }]);
  await store.write([{ op: 'put', kind: KIND.task, scope, id: 'c/gone', doc: task('RUNNING') }]);
  await store.write([{ op: 'delete', kind: KIND.task, scope, id: 'c/gone' }]);
  await releaser.idle();
  assert.deepEqual(released.sort(), ['111111111111/c/gone', '111111111111/c/stopped']);
  // The repair runs once at start (and then every repairEveryMs).
  assert.equal(repairs(), 1);
  await releaser.stop();
});
