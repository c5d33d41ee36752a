import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryStore } from '../../adapters/store-memory/memory-store.js';
import { KIND } from '../../domain/ecs/record-keys.js';
import { AwsError } from '../../domain/errors.js';
import { CONTAINER_INSTANCE_KIND, HOST_SCOPE, implicitInstance, taskKey, type ContainerInstance } from '../../domain/placement/container-instance.js';
import type { Task } from '../../domain/task/task.js';
import type { ContainerInstances } from '../../ports/container-instances.js';
import type { Scope } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { containerInstanceHandlers } from './container-instances.js';
import { taskHandlers } from './tasks.js';

const scope: Scope = { account: '123456789012', region: 'us-east-1' };
const ctx: RequestContext = { requestId: 'r', scope, partition: 'aws', accessKeyId: 'AKIA', principalArn: 'arn:aws:iam::123456789012:root', now: new Date(1_700_000_100_000) };
const ARN_PREFIX = 'arn:aws:ecs:us-east-1:123456789012:container-instance/default/';

function instance(id: string, overrides: Partial<ContainerInstance> = {}): ContainerInstance {
  return {
    containerInstanceId: id,
    status: 'ACTIVE',
    implicit: false,
    host: { name: `host-${id}`, url: 'tcp://10.0.0.2:2375' },
    clusterName: 'default',
    ec2InstanceId: 'i-0123456789abcdef0',
    agentConnected: true,
    version: 1,
    registeredResources: { cpu: 2048, memory: 4096 },
    attributes: [{ name: 'stack', value: id === 'aaa' ? 'prod' : 'dev' }],
    registeredAt: 1_700_000_000_000,
    reservations: {},
    ...overrides,
  };
}

function task(id: string, overrides: { lastStatus?: Task['lastStatus']; desiredStatus?: Task['desiredStatus']; group?: string; instanceId?: string } = {}): Task {
  return {
    taskArn: `arn:aws:ecs:us-east-1:123456789012:task/default/${id}`,
    clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/default',
    lastStatus: overrides.lastStatus ?? 'RUNNING',
    desiredStatus: overrides.desiredStatus ?? 'RUNNING',
    group: overrides.group ?? 'service:web',
    cpu: '256',
    memory: '512',
    version: 1,
    wharf: { taskId: id, clusterName: 'default', family: 'web', ...(overrides.instanceId ? { containerInstanceId: overrides.instanceId } : {}) },
  } as unknown as Task;
}

const reservation = { cpu: 256, memory: 512, group: 'service:web' };

async function world() {
  const store = new MemoryStore();
  await store.write([
    { op: 'put', kind: KIND.cluster, scope, id: 'default', doc: { clusterName: 'default', clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/default', status: 'ACTIVE' } },
    { op: 'put', kind: KIND.cluster, scope, id: 'other', doc: { clusterName: 'other', clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/other', status: 'ACTIVE' } },
    {
      op: 'put', kind: CONTAINER_INSTANCE_KIND, scope, id: 'default/aaa',
      doc: instance('aaa', { reservations: { [taskKey(scope, 'default/t1')]: reservation, [taskKey(scope, 'default/t2')]: reservation } }),
    },
    { op: 'put', kind: CONTAINER_INSTANCE_KIND, scope, id: 'default/bbb', doc: instance('bbb', { status: 'DRAINING' }) },
    { op: 'put', kind: CONTAINER_INSTANCE_KIND, scope, id: 'default/ccc', doc: instance('ccc') },
    { op: 'put', kind: CONTAINER_INSTANCE_KIND, scope, id: 'other/ddd', doc: instance('ddd', { clusterName: 'other' }) },
    { op: 'put', kind: CONTAINER_INSTANCE_KIND, scope: HOST_SCOPE, id: 'local', doc: implicitInstance('local', {}, [], 0) },
    { op: 'put', kind: KIND.task, scope, id: 'default/t1', doc: task('t1', { instanceId: 'aaa' }) },
    { op: 'put', kind: KIND.task, scope, id: 'default/t2', doc: task('t2', { lastStatus: 'PENDING', instanceId: 'aaa' }) },
    { op: 'put', kind: KIND.task, scope, id: 'default/t3', doc: task('t3') },
    { op: 'put', kind: KIND.task, scope, id: 'default/t4', doc: task('t4', { lastStatus: 'STOPPED', desiredStatus: 'STOPPED', instanceId: 'aaa' }) },
  ]);
  return { store, api: containerInstanceHandlers(store) };
}

function awsError(code: string, message?: RegExp | string) {
  return (error: unknown) => {
    assert.ok(error instanceof AwsError, `an AwsError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (typeof message === 'string') assert.equal(error.message, message);
    else if (message) assert.match(error.message, message);
    return true;
  };
}

describe('ListContainerInstances', () => {
  test("lists the cluster's ACTIVE and DRAINING instances by default, never another cluster's or the implicit ones", async () => {
    const { api } = await world();
    const out = await api.ListContainerInstances({ cluster: 'default' }, ctx);
    assert.deepEqual(out.containerInstanceArns, [`${ARN_PREFIX}aaa`, `${ARN_PREFIX}bbb`, `${ARN_PREFIX}ccc`]);
    assert.equal(out.nextToken, undefined);
  });

  test('a status lists only that status', async () => {
    const { api } = await world();
    assert.deepEqual((await api.ListContainerInstances({ cluster: 'default', status: 'DRAINING' }, ctx)).containerInstanceArns, [`${ARN_PREFIX}bbb`]);
    assert.deepEqual((await api.ListContainerInstances({ cluster: 'default', status: 'REGISTERING' }, ctx)).containerInstanceArns, []);
  });

  test('a filter in the cluster query language, over attributes and task groups', async () => {
    const { api } = await world();
    assert.deepEqual((await api.ListContainerInstances({ cluster: 'default', filter: 'attribute:stack == prod' }, ctx)).containerInstanceArns, [`${ARN_PREFIX}aaa`]);
    assert.deepEqual((await api.ListContainerInstances({ cluster: 'default', filter: 'not(task:group == service:web)' }, ctx)).containerInstanceArns, [`${ARN_PREFIX}bbb`, `${ARN_PREFIX}ccc`]);
  });

  test('a bad expression is an InvalidParameterException', async () => {
    const { api } = await world();
    await assert.rejects(api.ListContainerInstances({ cluster: 'default', filter: 'attribute:stack ==' }, ctx), awsError('InvalidParameterException'));
    await assert.rejects(api.ListContainerInstances({ cluster: 'default', filter: 'attribute:stack =~ p.*' }, ctx), awsError('InvalidParameterException'));
  });

  test('pages with maxResults and nextToken; maxResults outside 1-100 is refused, and so is a token it did not issue', async () => {
    const { api } = await world();
    const first = await api.ListContainerInstances({ cluster: 'default', maxResults: 2 }, ctx);
    assert.deepEqual(first.containerInstanceArns, [`${ARN_PREFIX}aaa`, `${ARN_PREFIX}bbb`]);
    assert.ok(first.nextToken);
    const second = await api.ListContainerInstances({ cluster: 'default', maxResults: 2, nextToken: first.nextToken }, ctx);
    assert.deepEqual(second.containerInstanceArns, [`${ARN_PREFIX}ccc`]);
    assert.equal(second.nextToken, undefined);
    await assert.rejects(api.ListContainerInstances({ cluster: 'default', maxResults: 0 }, ctx), awsError('InvalidParameterException', 'maxResults must be between 1 and 100.'));
    await assert.rejects(api.ListContainerInstances({ cluster: 'default', maxResults: 101 }, ctx), awsError('InvalidParameterException'));
    await assert.rejects(api.ListContainerInstances({ cluster: 'default', nextToken: 'garbage' }, ctx), awsError('InvalidParameterException'));
  });

  test('an unknown cluster is ClusterNotFoundException', async () => {
    const { api } = await world();
    await assert.rejects(api.ListContainerInstances({ cluster: 'nope' }, ctx), awsError('ClusterNotFoundException'));
  });
});

describe('DescribeContainerInstances', () => {
  test('by id or ARN, with the counts of the tasks held; unknown ones are MISSING failures with their ARN', async () => {
    const { api } = await world();
    const out = await api.DescribeContainerInstances({ cluster: 'default', containerInstances: ['aaa', `${ARN_PREFIX}bbb`, 'zzz', `${ARN_PREFIX}local`] }, ctx);
    const described = out.containerInstances as { containerInstanceArn: string; runningTasksCount: number; pendingTasksCount: number; status: string; remainingResources: { name: string; integerValue: number }[]; tags: unknown[]; healthStatus?: unknown; registeredAt: Date }[];
    assert.deepEqual(described.map((item) => item.containerInstanceArn), [`${ARN_PREFIX}aaa`, `${ARN_PREFIX}bbb`]);
    assert.equal(described[0]!.runningTasksCount, 1);
    assert.equal(described[0]!.pendingTasksCount, 1);
    assert.equal(described[0]!.remainingResources.find((item) => item.name === 'CPU')!.integerValue, 2048 - 512);
    assert.equal(described[1]!.status, 'DRAINING');
    assert.deepEqual(described[0]!.tags, []);
    assert.equal(described[0]!.healthStatus, undefined);
    assert.ok(described[0]!.registeredAt instanceof Date);
    assert.deepEqual(out.failures, [
      { arn: `${ARN_PREFIX}zzz`, reason: 'MISSING' },
      { arn: `${ARN_PREFIX}local`, reason: 'MISSING' },
    ]);
  });

  test('include TAGS and CONTAINER_INSTANCE_HEALTH', async () => {
    const { store, api } = await world();
    await store.write([{ op: 'put', kind: CONTAINER_INSTANCE_KIND, scope, id: 'default/ccc', doc: instance('ccc', { tags: [{ key: 'team', value: 'a' }], agentConnected: false }) }]);
    const out = await api.DescribeContainerInstances({ cluster: 'default', containerInstances: ['ccc'], include: ['TAGS', 'CONTAINER_INSTANCE_HEALTH'] }, ctx);
    const [described] = out.containerInstances as { tags: unknown[]; healthStatus: { overallStatus: string } }[];
    assert.deepEqual(described!.tags, [{ key: 'team', value: 'a' }]);
    assert.equal(described!.healthStatus.overallStatus, 'IMPAIRED');
  });

  test('validation: none, more than 100, an unknown cluster', async () => {
    const { api } = await world();
    await assert.rejects(api.DescribeContainerInstances({ cluster: 'default', containerInstances: [] }, ctx), awsError('InvalidParameterException'));
    await assert.rejects(api.DescribeContainerInstances({ cluster: 'default', containerInstances: Array.from({ length: 101 }, (_, i) => `i${i}`) }, ctx), awsError('InvalidParameterException'));
    await assert.rejects(api.DescribeContainerInstances({ cluster: 'nope', containerInstances: ['aaa'] }, ctx), awsError('ClusterNotFoundException'));
  });
});

describe('UpdateContainerInstancesState', () => {
  test("DRAINING: the record's status and ECS version move, written over the version read; missing ones are failures", async () => {
    const { store, api } = await world();
    const before = await store.get<ContainerInstance>(CONTAINER_INSTANCE_KIND, scope, 'default/aaa');
    const out = await api.UpdateContainerInstancesState({ cluster: 'default', containerInstances: [`${ARN_PREFIX}aaa`, 'zzz'], status: 'DRAINING' }, ctx);
    const [updated] = out.containerInstances as { status: string; version: number }[];
    assert.equal(updated!.status, 'DRAINING');
    assert.equal(updated!.version, 2);
    assert.deepEqual(out.failures, [{ arn: `${ARN_PREFIX}zzz`, reason: 'MISSING' }]);
    const after = await store.get<ContainerInstance>(CONTAINER_INSTANCE_KIND, scope, 'default/aaa');
    assert.equal(after!.doc.status, 'DRAINING');
    assert.equal(after!.doc.version, 2);
    assert.equal(after!.version, before!.version + 1);
  });

  test('back to ACTIVE; the status it already has writes nothing', async () => {
    const { store, api } = await world();
    await api.UpdateContainerInstancesState({ cluster: 'default', containerInstances: ['bbb'], status: 'ACTIVE' }, ctx);
    assert.equal((await store.get<ContainerInstance>(CONTAINER_INSTANCE_KIND, scope, 'default/bbb'))!.doc.status, 'ACTIVE');
    const before = await store.get<ContainerInstance>(CONTAINER_INSTANCE_KIND, scope, 'default/ccc');
    const out = await api.UpdateContainerInstancesState({ cluster: 'default', containerInstances: ['ccc'], status: 'ACTIVE' }, ctx);
    assert.equal((out.containerInstances as { version: number }[])[0]!.version, 1);
    assert.equal((await store.get(CONTAINER_INSTANCE_KIND, scope, 'default/ccc'))!.version, before!.version);
  });

  test('an instance neither ACTIVE nor DRAINING is a failure', async () => {
    const { store, api } = await world();
    await store.write([{ op: 'put', kind: CONTAINER_INSTANCE_KIND, scope, id: 'default/ccc', doc: instance('ccc', { status: 'REGISTERING' }) }]);
    const out = await api.UpdateContainerInstancesState({ cluster: 'default', containerInstances: ['ccc'], status: 'DRAINING' }, ctx);
    assert.deepEqual(out.containerInstances, []);
    assert.equal(out.failures[0]!.reason, 'INVALID_STATUS');
  });

  test('validation: only ACTIVE or DRAINING, at most 10, at least one, an unknown cluster', async () => {
    const { api } = await world();
    await assert.rejects(api.UpdateContainerInstancesState({ cluster: 'default', containerInstances: ['aaa'], status: 'REGISTRATION_FAILED' }, ctx), awsError('InvalidParameterException', /ACTIVE, DRAINING/));
    await assert.rejects(api.UpdateContainerInstancesState({ cluster: 'default', containerInstances: Array.from({ length: 11 }, (_, i) => `i${i}`), status: 'DRAINING' }, ctx), awsError('InvalidParameterException'));
    await assert.rejects(api.UpdateContainerInstancesState({ cluster: 'default', containerInstances: [], status: 'DRAINING' }, ctx), awsError('InvalidParameterException'));
    await assert.rejects(api.UpdateContainerInstancesState({ cluster: 'nope', containerInstances: ['aaa'], status: 'DRAINING' }, ctx), awsError('ClusterNotFoundException'));
  });
});

describe('DeregisterContainerInstance', () => {
  test('refused while tasks run on it, without force', async () => {
    const { store, api } = await world();
    await assert.rejects(api.DeregisterContainerInstance({ cluster: 'default', containerInstance: 'aaa' }, ctx), awsError('InvalidParameterException', 'Found running tasks on the instance.'));
    assert.ok(await store.get(CONTAINER_INSTANCE_KIND, scope, 'default/aaa'));
  });

  test('with force the record goes and the tasks are left as they are; the answer is INACTIVE', async () => {
    const { store, api } = await world();
    const out = await api.DeregisterContainerInstance({ cluster: 'default', containerInstance: `${ARN_PREFIX}aaa`, force: true }, ctx);
    assert.equal(out.containerInstance.status, 'INACTIVE');
    assert.equal(out.containerInstance.containerInstanceArn, `${ARN_PREFIX}aaa`);
    assert.equal(out.containerInstance.runningTasksCount, 1);
    assert.equal(await store.get(CONTAINER_INSTANCE_KIND, scope, 'default/aaa'), undefined);
    assert.equal((await store.get<Task>(KIND.task, scope, 'default/t1'))!.doc.desiredStatus, 'RUNNING');
    assert.deepEqual((await api.ListContainerInstances({ cluster: 'default' }, ctx)).containerInstanceArns, [`${ARN_PREFIX}bbb`, `${ARN_PREFIX}ccc`]);
  });

  test('an idle instance goes without force; an unknown one is refused', async () => {
    const { store, api } = await world();
    const out = await api.DeregisterContainerInstance({ cluster: 'default', containerInstance: 'ccc' }, ctx);
    assert.equal(out.containerInstance.status, 'INACTIVE');
    assert.equal(await store.get(CONTAINER_INSTANCE_KIND, scope, 'default/ccc'), undefined);
    await assert.rejects(api.DeregisterContainerInstance({ cluster: 'default', containerInstance: 'ccc' }, ctx), awsError('InvalidParameterException'));
    await assert.rejects(api.DeregisterContainerInstance({ cluster: 'default', containerInstance: 'local' }, ctx), awsError('InvalidParameterException'));
  });
});

describe('ListTasks containerInstance', () => {
  const noInstances = {} as ContainerInstances;

  test("lists the tasks the instance holds, by id or ARN, with the other filters; stopped ones by the id they ran on", async () => {
    const { store } = await world();
    const tasks = taskHandlers({ store, instances: noInstances });
    assert.deepEqual((await tasks.ListTasks({ cluster: 'default', containerInstance: 'aaa' }, ctx)).taskArns, [
      'arn:aws:ecs:us-east-1:123456789012:task/default/t1',
      'arn:aws:ecs:us-east-1:123456789012:task/default/t2',
    ]);
    assert.deepEqual((await tasks.ListTasks({ cluster: 'default', containerInstance: `${ARN_PREFIX}aaa`, serviceName: 'other' }, ctx)).taskArns, []);
    assert.deepEqual((await tasks.ListTasks({ cluster: 'default', containerInstance: 'aaa', desiredStatus: 'STOPPED' }, ctx)).taskArns, ['arn:aws:ecs:us-east-1:123456789012:task/default/t4']);
    assert.deepEqual((await tasks.ListTasks({ cluster: 'default', containerInstance: 'ccc' }, ctx)).taskArns, []);
    assert.deepEqual((await tasks.ListTasks({ cluster: 'default', containerInstance: 'zzz' }, ctx)).taskArns, []);
    const paged = await tasks.ListTasks({ cluster: 'default', containerInstance: 'aaa', maxResults: 1 }, ctx);
    assert.equal(paged.taskArns.length, 1);
    assert.ok(paged.nextToken);
  });
});

describe('RegisterContainerInstance', () => {
  test("registers a host that names its Docker engine, as wharf hosts add does; again under the same name it is updated in place", async () => {
    const { store, api } = await world();
    const attributes = [
      { name: 'wharf.docker-url', value: 'tcp://10.0.9.9:2375' },
      { name: 'wharf.task-subnet', value: '10.220.9.0/24' },
      { name: 'ecs.availability-zone', value: 'us-east-1c' },
      { name: 'stack', value: 'batch' },
    ];
    const first = (await api.RegisterContainerInstance({ cluster: 'other', attributes, instanceIdentityDocument: JSON.stringify({ instanceId: 'i-0abc' }) }, ctx)).containerInstance;
    assert.match(first.containerInstanceArn, /^arn:aws:ecs:us-east-1:123456789012:container-instance\/other\/[0-9a-f]{32}$/);
    assert.equal(first.status, 'ACTIVE');
    assert.equal(first.agentConnected, false, 'connected once the host fleet reaches the engine');
    const zone = first.attributes.find((attribute: { name: string }) => attribute.name === 'ecs.availability-zone');
    assert.equal(zone?.value, 'us-east-1c');
    assert.ok(!first.attributes.some((attribute: { name: string }) => attribute.name.startsWith('wharf.')), 'the wharf.* attributes configure the host, they are not kept');
    const stored = (await store.listAll<ContainerInstance>(CONTAINER_INSTANCE_KIND)).filter((record) => record.doc.host?.name === 'i-0abc');
    assert.equal(stored.length, 1);
    assert.deepEqual(stored[0]!.doc.host, { name: 'i-0abc', url: 'tcp://10.0.9.9:2375', taskSubnet: '10.220.9.0/24' });

    const again = (await api.RegisterContainerInstance({ cluster: 'other', attributes: [{ name: 'wharf.docker-url', value: 'tcp://10.0.9.10:2375' }], instanceIdentityDocument: JSON.stringify({ instanceId: 'i-0abc' }) }, ctx)).containerInstance;
    assert.equal(again.containerInstanceArn, first.containerInstanceArn);
    assert.equal(again.version, first.version + 1);
  });

  test('refused, with what to do, without the engine address or with a bad one; an unknown cluster as ECS answers it', async () => {
    const { api } = await world();
    await assert.rejects(api.RegisterContainerInstance({ cluster: 'default' }, ctx), (error: unknown) => error instanceof AwsError && error.code === 'InvalidParameterException' && /wharf\.docker-url/.test(error.message) && /wharf hosts add/.test(error.message));
    await assert.rejects(api.RegisterContainerInstance({ cluster: 'default', attributes: [{ name: 'wharf.docker-url', value: 'http://x' }] }, ctx), (error: unknown) => error instanceof AwsError && error.code === 'InvalidParameterException' && /tcp:\/\//.test(error.message));
    await assert.rejects(api.RegisterContainerInstance({ cluster: 'nope', attributes: [{ name: 'wharf.docker-url', value: 'tcp://10.0.9.9:2375' }] }, ctx), (error: unknown) => error instanceof AwsError && error.code === 'ClusterNotFoundException');
  });
});
