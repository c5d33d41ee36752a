import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NO_CONTAINER_INSTANCES } from '../task/launch-capacity.js';
import { implicitInstance, type ContainerInstance } from './container-instance.js';
import { candidateOf, freeCapacity, isPlaced, PLACEMENT_FAILURE, placeTasks, type PlacementCandidate, type PlacementOptions, type TaskDemand } from './place-tasks.js';
import { seededRandom } from '../seeded-random.js';

const CLUSTER = 'arn:aws:ecs:us-east-1:123456789012:cluster/default';
const arnOf = (id: string) => `arn:aws:ecs:us-east-1:123456789012:container-instance/default/${id}`;

function instance(id: string, remaining: { cpu?: number; memory?: number }, attributes: Record<string, string | undefined> = {}, taskGroups: string[] = [], status: 'ACTIVE' | 'DRAINING' = 'ACTIVE', connected = true): PlacementCandidate {
  return { instanceId: id, failureArn: arnOf(id), status, connected, remaining: { cpu: remaining.cpu ?? Infinity, memory: remaining.memory ?? Infinity }, attributes: new Map(Object.entries(attributes)), taskGroups };
}
const task = (memory: number, cpu = 0, group = 'family:web'): TaskDemand => ({ cpu, memory, group });
const options = (extra: Partial<PlacementOptions> = {}): PlacementOptions => ({ strategy: [], constraints: [], clusterArn: CLUSTER, ...extra });
const where = (outcomes: ReturnType<typeof placeTasks>) => outcomes.map((outcome) => (isPlaced(outcome) ? outcome.instanceId : outcome.failure.reason));

/** A seeded generator (mulberry32), so random placement repeats. */
const seeded = seededRandom;

describe('placeTasks: instances that take tasks', () => {
  test('a DRAINING instance, or one whose engine stopped answering, takes no task; with none left the cluster has no instance', () => {
    const outcomes = placeTasks([task(64), task(64)], [instance('draining', {}, {}, [], 'DRAINING'), instance('silent', {}, {}, [], 'ACTIVE', false), instance('ok', {})], options());
    assert.deepEqual(where(outcomes), ['ok', 'ok']);
    const none = placeTasks([task(64)], [instance('silent', {}, {}, [], 'ACTIVE', false)], options());
    assert.deepEqual(none, [{ failure: { arn: CLUSTER, reason: NO_CONTAINER_INSTANCES.inCluster } }]);
    assert.deepEqual(freeCapacity([instance('silent', { cpu: 1024, memory: 512 }, {}, [], 'ACTIVE', false), instance('ok', { cpu: 256, memory: 128 })]), { cpuUnits: 256, memoryMiB: 128 });
  });

  test('candidateOf: a registered instance not yet answering is not connected; an implicit one always is', () => {
    const registered: ContainerInstance = { ...implicitInstance('r', {}, [], 0), implicit: false, agentConnected: false };
    assert.equal(candidateOf(registered, { failureArn: 'x', region: 'us-east-1' }).connected, false);
    assert.equal(candidateOf(implicitInstance('i', {}, [], 0), { failureArn: 'x', region: 'us-east-1' }).connected, true);
  });
});

describe('placeTasks: resources', () => {
  test('tasks of one call take capacity from each other; the rest fail with RESOURCE:MEMORY on the instance', () => {
    const outcomes = placeTasks([task(512), task(512), task(512)], [instance('a', { memory: 1024 })], options());
    assert.deepEqual(where(outcomes), ['a', 'a', PLACEMENT_FAILURE.memory]);
    assert.deepEqual(outcomes[2], { failure: { arn: arnOf('a'), reason: 'RESOURCE:MEMORY' } });
  });

  test('memory is checked before CPU; CPU alone short is RESOURCE:CPU', () => {
    assert.deepEqual(where(placeTasks([task(512, 2048)], [instance('a', { cpu: 1024, memory: 256 })], options())), ['RESOURCE:MEMORY']);
    assert.deepEqual(where(placeTasks([task(512, 2048)], [instance('a', { cpu: 1024, memory: 4096 })], options())), ['RESOURCE:CPU']);
    assert.deepEqual(where(placeTasks([task(512, 1024)], [instance('a', { cpu: 1024, memory: 512 })], options())), ['a'], 'an exact fit fits');
  });

  test('unlimited figures never run out', () => {
    assert.deepEqual(where(placeTasks(Array.from({ length: 5 }, () => task(100_000, 100_000)), [instance('a', {})], options())), ['a', 'a', 'a', 'a', 'a']);
  });

  test('a task that fits nowhere names the instance that came closest', () => {
    const outcomes = placeTasks([task(512, 512)], [instance('a', { memory: 100 }), instance('b', { memory: 1024, cpu: 100 })], options());
    assert.deepEqual(outcomes, [{ failure: { arn: arnOf('b'), reason: 'RESOURCE:CPU' } }]);
  });

  test('DRAINING instances take nothing; with no ACTIVE instance the cluster has none', () => {
    assert.deepEqual(where(placeTasks([task(1)], [instance('a', {}, {}, [], 'DRAINING'), instance('b', {})], options())), ['b']);
    assert.deepEqual(placeTasks([task(1)], [instance('a', {}, {}, [], 'DRAINING')], options()), [{ failure: { arn: CLUSTER, reason: NO_CONTAINER_INSTANCES.inCluster } }]);
    assert.deepEqual(placeTasks([task(1)], [], options()), [{ failure: { arn: CLUSTER, reason: NO_CONTAINER_INSTANCES.inCluster } }]);
  });

  test('the candidates passed in are not changed', () => {
    const a = instance('a', { memory: 1024 });
    placeTasks([task(512)], [a], options());
    assert.deepEqual(a.remaining, { cpu: Infinity, memory: 1024 });
    assert.deepEqual(a.taskGroups, []);
  });
});

describe('placeTasks: strategies', () => {
  const three = () => [instance('a', { memory: 4096, cpu: 1024 }), instance('b', { memory: 1024, cpu: 4096 }), instance('c', { memory: 2048, cpu: 2048 })];

  test('binpack memory fills the instance with the least memory left first', () => {
    assert.deepEqual(where(placeTasks([task(512), task(512), task(512), task(512)], three(), options({ strategy: [{ type: 'binpack', field: 'memory' }] }))), ['b', 'b', 'c', 'c']);
  });

  test('binpack cpu fills the instance with the least CPU left first', () => {
    assert.deepEqual(where(placeTasks([task(0, 512), task(0, 512), task(0, 512)], three(), options({ strategy: [{ type: 'binpack', field: 'cpu' }] }))), ['a', 'a', 'c']);
  });

  test('spread instanceId evens out the group over the instances, counting the tasks already there', () => {
    const candidates = [instance('a', {}, {}, ['family:web', 'family:web']), instance('b', {}, {}, ['family:other']), instance('c', {}, {}, ['family:web'])];
    assert.deepEqual(where(placeTasks([task(1), task(1), task(1), task(1)], candidates, options({ strategy: [{ type: 'spread', field: 'instanceId' }] }))), ['b', 'b', 'c', 'a']);
  });

  test('spread by an attribute evens out over its values (zones), then the next strategy breaks ties', () => {
    const candidates = [
      instance('a1', { memory: 4096 }, { 'ecs.availability-zone': 'us-east-1a' }),
      instance('a2', { memory: 1024 }, { 'ecs.availability-zone': 'us-east-1a' }),
      instance('b1', { memory: 2048 }, { 'ecs.availability-zone': 'us-east-1b' }),
    ];
    const strategy = [{ type: 'spread', field: 'attribute:ecs.availability-zone' }, { type: 'binpack', field: 'memory' }] as const;
    assert.deepEqual(where(placeTasks([task(512), task(512), task(512), task(512)], candidates, options({ strategy: [...strategy] }))), ['a2', 'b1', 'a2', 'b1']);
  });

  test('random follows the injected draws, and the same seed places the same way', () => {
    const candidates = [instance('a', {}), instance('b', {}), instance('c', {})];
    const draws = [0.9, 0.1, 0.5, 0.2, 0.3, 0.8];
    let i = 0;
    assert.deepEqual(where(placeTasks([task(1), task(1)], candidates, options({ strategy: [{ type: 'random' }], random: () => draws[i++]! }))), ['b', 'a']);
    const run = () => where(placeTasks(Array.from({ length: 20 }, () => task(1)), candidates, options({ strategy: [{ type: 'random' }], random: seeded(7) })));
    assert.deepEqual(run(), run());
    assert.equal(new Set(run()).size, 3, 'twenty draws reach every instance');
  });

  test('without a strategy the first instance that fits takes the task', () => {
    assert.deepEqual(where(placeTasks([task(2048), task(2048)], three(), options())), ['a', 'a']);
  });
});

describe('placeTasks: constraints', () => {
  const zones = () => [
    instance('a', {}, { 'ecs.availability-zone': 'us-east-1a', 'ecs.instance-type': 't2.small' }),
    instance('b', {}, { 'ecs.availability-zone': 'us-east-1b', 'ecs.instance-type': 'm5.large' }),
  ];

  test('memberOf keeps only the instances its expression selects', () => {
    const memberOf = (expression: string) => options({ constraints: [{ type: 'memberOf', expression }] });
    assert.deepEqual(where(placeTasks([task(1)], zones(), memberOf('attribute:ecs.instance-type == m5.large'))), ['b']);
    assert.deepEqual(where(placeTasks([task(1)], zones(), memberOf('attribute:ecs.availability-zone in [us-east-1a, us-east-1c]'))), ['a']);
    assert.deepEqual(placeTasks([task(1)], zones(), memberOf('attribute:ecs.instance-type == g2.2xlarge')), [{ failure: { arn: arnOf('a'), reason: 'MemberOf placement constraint unsatisfied.' } }]);
  });

  test('memberOf on task:group sees the tasks placed earlier in the same call (affinity)', () => {
    const candidates = [instance('a', {}), instance('b', {}, {}, ['service:db'])];
    const affinity = options({ constraints: [{ type: 'memberOf', expression: 'task:group == service:db' }] });
    assert.deepEqual(where(placeTasks([task(1), task(1)], candidates, affinity)), ['b', 'b']);
  });

  test('distinctInstance puts each task of a group on its own instance, within the call too', () => {
    const candidates = [instance('a', {}, {}, ['family:web']), instance('b', {}), instance('c', {})];
    const distinct = options({ constraints: [{ type: 'distinctInstance' }] });
    const outcomes = placeTasks([task(1), task(1), task(1), task(1, 0, 'family:other')], candidates, distinct);
    assert.deepEqual(where(outcomes), ['b', 'c', 'DistinctInstance placement constraint unsatisfied.', 'a']);
    assert.deepEqual(outcomes[2], { failure: { arn: arnOf('a'), reason: 'DistinctInstance placement constraint unsatisfied.' } });
  });

  test('resources are checked before constraints: the closest instance fails the later check', () => {
    const candidates = [instance('a', { memory: 10 }, { 'ecs.instance-type': 'm5.large' }), instance('b', {}, { 'ecs.instance-type': 't2.small' })];
    const outcome = placeTasks([task(512)], candidates, options({ constraints: [{ type: 'memberOf', expression: 'attribute:ecs.instance-type == m5.large' }] }));
    assert.deepEqual(outcome, [{ failure: { arn: arnOf('b'), reason: 'MemberOf placement constraint unsatisfied.' } }]);
  });
});

describe('instance records as candidates', () => {
  const record = (reservations: ContainerInstance['reservations']): ContainerInstance => ({ ...implicitInstance('host-1', { memory: 2048 }, [{ name: 'ecs.os-type', value: 'linux' }], 0), reservations });

  test('remaining capacity is the registered figure less the reservations; groups come from them', () => {
    const candidate = candidateOf(record({ 'k1': { cpu: 256, memory: 512, group: 'service:web' }, 'k2': { cpu: 256, memory: 1024, group: 'family:job' } }), { failureArn: CLUSTER, region: 'eu-west-1' });
    assert.deepEqual(candidate.remaining, { cpu: Infinity, memory: 512 });
    assert.deepEqual(candidate.taskGroups, ['service:web', 'family:job']);
    assert.equal(candidate.attributes.get('ecs.availability-zone'), 'eu-west-1a', 'the zone of the region asking');
    assert.equal(candidate.attributes.get('ecs.os-type'), 'linux');
    assert.equal(candidate.failureArn, CLUSTER);
  });

  test('free capacity adds up the ACTIVE candidates and never goes below zero', () => {
    assert.deepEqual(freeCapacity([instance('a', { memory: 1024, cpu: 10 }), instance('b', { memory: -5, cpu: 5 }), instance('c', { memory: 9999 }, {}, [], 'DRAINING')]), { cpuUnits: 15, memoryMiB: 1024 });
    assert.deepEqual(freeCapacity([instance('a', {})]), { cpuUnits: Infinity, memoryMiB: Infinity });
  });
});
