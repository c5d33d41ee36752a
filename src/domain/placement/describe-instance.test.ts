import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AwsError } from '../errors.js';
import type { ContainerInstance } from './container-instance.js';
import {
  attributesOf,
  checkSettableStatus,
  deregistrationBlocked,
  describeInstance,
  healthOf,
  listsInstance,
  resourcesOf,
  taskCountsOf,
  WHARF_AGENT_VERSION,
  WHARF_CAPABILITY_ATTRIBUTES,
  withStatus,
} from './describe-instance.js';
import { parseExpression } from './query-language.js';

function registered(overrides: Partial<ContainerInstance> = {}): ContainerInstance {
  return {
    containerInstanceId: 'abc',
    status: 'ACTIVE',
    implicit: false,
    host: { name: 'h1', url: 'tcp://10.0.0.2:2375' },
    clusterName: 'default',
    ec2InstanceId: 'i-0123456789abcdef0',
    agentConnected: true,
    lastSeenAt: 2_000,
    version: 3,
    registeredResources: { cpu: 2048, memory: 4096 },
    attributes: [{ name: 'ecs.os-type', value: 'linux' }, { name: 'stack', value: 'prod' }],
    registeredAt: 1_700_000_000_000,
    reservations: { 'a|r|default/t1': { cpu: 256, memory: 512, group: 'service:web' } },
    ...overrides,
  };
}

describe('DescribeContainerInstances view', () => {
  test('resources as ECS lists them: CPU and MEMORY integers, PORTS and PORTS_UDP string sets, remaining after reservations', () => {
    const { registered: reg, remaining } = resourcesOf(registered());
    assert.deepEqual(reg, [
      { name: 'CPU', type: 'INTEGER', doubleValue: 0, longValue: 0, integerValue: 2048 },
      { name: 'MEMORY', type: 'INTEGER', doubleValue: 0, longValue: 0, integerValue: 4096 },
      { name: 'PORTS', type: 'STRINGSET', doubleValue: 0, longValue: 0, integerValue: 0, stringSetValue: ['2375'] },
      { name: 'PORTS_UDP', type: 'STRINGSET', doubleValue: 0, longValue: 0, integerValue: 0, stringSetValue: [] },
    ]);
    assert.equal(remaining[0]!.integerValue, 2048 - 256);
    assert.equal(remaining[1]!.integerValue, 4096 - 512);
  });

  test('an unlimited figure is reported as 0 in both lists', () => {
    const { registered: reg, remaining } = resourcesOf(registered({ registeredResources: { memory: 1024 } }));
    assert.equal(reg[0]!.integerValue, 0);
    assert.equal(remaining[0]!.integerValue, 0);
    assert.equal(reg[1]!.integerValue, 1024);
  });

  test("the record's attributes come first and win over Wharf's capabilities", () => {
    const attributes = attributesOf(registered({ attributes: [{ name: 'ecs.capability.task-eni', value: 'x' }] }));
    assert.deepEqual(attributes[0], { name: 'ecs.capability.task-eni', value: 'x' });
    assert.equal(attributes.filter((attribute) => attribute.name === 'ecs.capability.task-eni').length, 1);
    assert.equal(attributes.length, WHARF_CAPABILITY_ATTRIBUTES.length);
  });

  test('running and pending counts from the tasks held', () => {
    assert.deepEqual(
      taskCountsOf([
        { lastStatus: 'RUNNING', desiredStatus: 'RUNNING' },
        { lastStatus: 'PROVISIONING', desiredStatus: 'RUNNING' },
        { lastStatus: 'ACTIVATING', desiredStatus: 'RUNNING' },
        { lastStatus: 'STOPPING', desiredStatus: 'STOPPED' },
        { lastStatus: 'STOPPED', desiredStatus: 'STOPPED' },
      ]),
      { running: 1, pending: 2 },
    );
  });

  test('the whole view: tags only with TAGS, health only with CONTAINER_INSTANCE_HEALTH', () => {
    const instance = registered({ tags: [{ key: 'team', value: 'a' }], engineVersion: '27.3.1' });
    const plain = describeInstance(instance, { arn: 'arn:x', counts: { running: 1, pending: 0 }, withTags: false, withHealth: false });
    assert.equal(plain.containerInstanceArn, 'arn:x');
    assert.equal(plain.ec2InstanceId, 'i-0123456789abcdef0');
    assert.equal(plain.version, 3);
    assert.deepEqual(plain.versionInfo, { agentVersion: WHARF_AGENT_VERSION, dockerVersion: 'DockerVersion: 27.3.1' });
    assert.equal(plain.status, 'ACTIVE');
    assert.equal(plain.agentConnected, true);
    assert.equal(plain.runningTasksCount, 1);
    assert.equal(plain.registeredAt.getTime(), 1_700_000_000_000);
    assert.deepEqual(plain.tags, []);
    assert.deepEqual(plain.attachments, []);
    assert.equal(plain.healthStatus, undefined);
    const full = describeInstance(instance, { arn: 'arn:x', counts: { running: 0, pending: 0 }, withTags: true, withHealth: true, status: 'INACTIVE' });
    assert.deepEqual(full.tags, [{ key: 'team', value: 'a' }]);
    assert.equal(full.healthStatus?.overallStatus, 'OK');
    assert.equal(full.status, 'INACTIVE');
  });

  test('health: OK when the engine answered, IMPAIRED when not, INITIALIZING before the first check', () => {
    assert.deepEqual(healthOf(registered()), { overallStatus: 'OK', details: [{ type: 'CONTAINER_RUNTIME', status: 'OK', lastUpdated: new Date(2_000) }] });
    assert.equal(healthOf(registered({ agentConnected: false })).overallStatus, 'IMPAIRED');
    assert.equal(healthOf(registered({ agentConnected: undefined })).overallStatus, 'INITIALIZING');
  });
});

describe('ListContainerInstances rules', () => {
  test('no status lists every one but INACTIVE; a status lists only that one; implicit ones never', () => {
    assert.equal(listsInstance(registered(), undefined, undefined), true);
    assert.equal(listsInstance(registered({ status: 'DRAINING' }), undefined, undefined), true);
    assert.equal(listsInstance(registered({ status: 'INACTIVE' }), undefined, undefined), false);
    assert.equal(listsInstance(registered({ status: 'DRAINING' }), 'ACTIVE', undefined), false);
    assert.equal(listsInstance(registered({ status: 'DRAINING' }), 'DRAINING', undefined), true);
    assert.equal(listsInstance(registered({ implicit: true }), undefined, undefined), false);
  });

  test('the filter sees the attributes shown and the groups of the tasks held', () => {
    assert.equal(listsInstance(registered(), undefined, parseExpression('attribute:stack == prod')), true);
    assert.equal(listsInstance(registered(), undefined, parseExpression('attribute:stack == dev')), false);
    assert.equal(listsInstance(registered(), undefined, parseExpression('attribute:ecs.capability.task-eni exists')), true);
    assert.equal(listsInstance(registered(), undefined, parseExpression('task:group == service:web')), true);
  });
});

describe('UpdateContainerInstancesState and DeregisterContainerInstance rules', () => {
  test('only ACTIVE and DRAINING can be set', () => {
    assert.equal(checkSettableStatus('DRAINING'), 'DRAINING');
    assert.throws(() => checkSettableStatus('REGISTERING'), (error: unknown) => error instanceof AwsError && error.code === 'InvalidParameterException');
  });

  test('a change bumps the version; the same status changes nothing; an instance neither ACTIVE nor DRAINING is refused', () => {
    const change = withStatus(registered(), 'DRAINING');
    assert.equal(change.kind, 'changed');
    if (change.kind === 'changed') {
      assert.equal(change.instance.status, 'DRAINING');
      assert.equal(change.instance.version, 4);
    }
    assert.equal(withStatus(registered(), 'ACTIVE').kind, 'unchanged');
    assert.equal(withStatus(registered({ status: 'REGISTERING' }), 'DRAINING').kind, 'refused');
  });

  test('deregistration is refused while a task is not STOPPED, unless forced', () => {
    assert.equal(deregistrationBlocked([{ lastStatus: 'RUNNING' }], false), true);
    assert.equal(deregistrationBlocked([{ lastStatus: 'PENDING' }], false), true);
    assert.equal(deregistrationBlocked([{ lastStatus: 'STOPPED' }], false), false);
    assert.equal(deregistrationBlocked([], false), false);
    assert.equal(deregistrationBlocked([{ lastStatus: 'RUNNING' }], true), false);
  });
});
