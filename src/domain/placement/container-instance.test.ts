import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { demandOf, implicitInstance, parseTaskKey, pruneReservations, registeredOf, remainingOf, resourcesOf, taskKey, withReservations } from './container-instance.js';

describe('container instance records', () => {
  test('task keys name a task in any scope and read back', () => {
    const key = taskKey({ account: '123456789012', region: 'us-east-1' }, 'default/abc');
    assert.equal(key, '123456789012|us-east-1|default/abc');
    assert.deepEqual(parseTaskKey(key), { scope: { account: '123456789012', region: 'us-east-1' }, id: 'default/abc' });
    assert.equal(parseTaskKey('nonsense'), undefined);
  });

  test('unlimited capacity is left out of the record (JSON has no Infinity) and reads back as Infinity', () => {
    const registered = resourcesOf({ cpuUnits: Infinity, memoryMiB: 4096 });
    assert.deepEqual(registered, { memory: 4096 });
    const instance = implicitInstance('h', registered, [], 5);
    assert.deepEqual(JSON.parse(JSON.stringify(instance)).registeredResources, { memory: 4096 });
    assert.deepEqual(registeredOf(instance), { cpu: Infinity, memory: 4096 });
  });

  test('reservations are added, pruned to live tasks, and taken off the remaining capacity', () => {
    const empty = implicitInstance('h', { cpu: 4096, memory: 4096 }, [], 0);
    const held = withReservations(empty, [
      { key: 'a', reservation: { cpu: 256, memory: 512, group: 'g' } },
      { key: 'b', reservation: { cpu: 512, memory: 1024, group: 'g' } },
    ]);
    assert.deepEqual(remainingOf(held), { cpu: 3328, memory: 2560 });
    assert.equal(pruneReservations(held, () => true), held, 'nothing dropped: the same record');
    const pruned = pruneReservations(held, (key) => key === 'b');
    assert.deepEqual(Object.keys(pruned.reservations), ['b']);
    assert.deepEqual(remainingOf(pruned), { cpu: 3584, memory: 3072 });
    assert.equal(withReservations(held, []), held);
  });

  test('a task record states its demand as strings; bad or missing figures count nothing', () => {
    assert.deepEqual(demandOf({ cpu: '256', memory: '512', group: 'family:x' }), { cpu: 256, memory: 512, group: 'family:x' });
    assert.deepEqual(demandOf({ cpu: 'lots', group: 'g' }), { cpu: 0, memory: 0, group: 'g' });
  });
});
