import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { MemoryStore } from '../adapters/store-memory/memory-store.js';
import { newCluster } from '../domain/ecs/cluster.js';
import { KIND } from '../domain/ecs/record-keys.js';
import { AwsError } from '../domain/errors.js';
import type { HostRegistration } from '../domain/hosts/host-registration.js';
import { CONTAINER_INSTANCE_KIND, HOST_SCOPE, implicitInstance, type ContainerInstance } from '../domain/placement/container-instance.js';
import type { Clock } from '../ports/clock.js';
import type { Scope } from '../ports/store.js';
import { hostActions } from './hosts.js';

const NOW = 1_700_000_000_000;
const clock: Clock = { now: () => new Date(NOW) };
const scope: Scope = { account: '123456789012', region: 'eu-west-1' };

function registration(overrides: Partial<HostRegistration> = {}): HostRegistration {
  return { name: 'engine-1', url: 'tcp://10.0.0.5:2376', cluster: 'prod', region: scope.region, account: scope.account, attributes: [], ...overrides };
}

/** A cluster record as CreateCluster stores it: KIND.cluster, id = the cluster's name. */
async function createCluster(store: MemoryStore, name: string, status: 'ACTIVE' | 'INACTIVE' = 'ACTIVE', where: Scope = scope): Promise<void> {
  const cluster = newCluster({ clusterName: name }, { ...where, now: new Date(NOW), containerInsightsDefault: 'disabled', knownProviders: ['FARGATE', 'FARGATE_SPOT'] });
  await store.write([{ op: 'put', kind: KIND.cluster, scope: where, id: name, doc: { ...cluster, status } }]);
}

async function instances(store: MemoryStore) {
  return (await store.listAll<ContainerInstance>(CONTAINER_INSTANCE_KIND)).filter((record) => !record.doc.implicit);
}

/** Asserts `promise` rejects with an AwsError of `code` whose message matches every pattern. */
async function rejects(promise: Promise<unknown>, code: string, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AwsError, `not an AwsError: ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.fault, 'client');
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  });
}

describe('the admin host actions', () => {
  let store: MemoryStore;
  let hosts: ReturnType<typeof hostActions>;

  beforeEach(async () => {
    store = new MemoryStore();
    hosts = hostActions(store, clock);
    await createCluster(store, 'prod');
  });

  test('add writes an ACTIVE, unconnected container instance record of the cluster and shows it', async () => {
    const view = await hosts.add(registration({ taskSubnet: '10.220.1.0/24' }));
    const [record, ...more] = await instances(store);
    assert.equal(more.length, 0);
    assert.deepEqual(record!.scope, scope);
    assert.equal(record!.id, `prod/${record!.doc.containerInstanceId}`);
    assert.match(record!.doc.containerInstanceId, /^[0-9a-f]{32}$/);
    assert.match(record!.doc.ec2InstanceId!, /^i-[0-9a-f]{17}$/);
    assert.equal(record!.doc.status, 'ACTIVE');
    assert.equal(record!.doc.implicit, false);
    assert.equal(record!.doc.agentConnected, false);
    assert.equal(record!.doc.registeredAt, NOW);
    assert.deepEqual(record!.doc.host, { name: 'engine-1', url: 'tcp://10.0.0.5:2376', taskSubnet: '10.220.1.0/24' });
    assert.deepEqual(view, {
      name: 'engine-1',
      url: 'tcp://10.0.0.5:2376',
      cluster: 'prod',
      region: scope.region,
      account: scope.account,
      containerInstanceArn: `arn:aws:ecs:${scope.region}:${scope.account}:container-instance/prod/${record!.doc.containerInstanceId}`,
      ec2InstanceId: record!.doc.ec2InstanceId,
      status: 'ACTIVE',
      agentConnected: false,
      runningTasksCount: 0,
      taskSubnet: '10.220.1.0/24',
    });
  });

  test('add to a cluster that does not exist (or is INACTIVE) is refused with the create-cluster hint', async () => {
    const hint = /Cluster staging not found in 123456789012 eu-west-1\. Create it first: aws ecs create-cluster --cluster-name staging/;
    await rejects(hosts.add(registration({ cluster: 'staging' })), 'ClusterNotFoundException', hint);
    await createCluster(store, 'staging', 'INACTIVE');
    await rejects(hosts.add(registration({ cluster: 'staging' })), 'ClusterNotFoundException', hint);
    // The cluster must be in the registration's account and region.
    await rejects(hosts.add(registration({ region: 'us-east-1' })), 'ClusterNotFoundException', /Cluster prod not found in 123456789012 us-east-1/);
    assert.deepEqual(await instances(store), []);
  });

  test('adding a host again updates it in place: the same ids, version + 1, the new address', async () => {
    const first = await hosts.add(registration());
    const [before] = await instances(store);
    const held = { ...before!.doc, status: 'DRAINING' as const, reservations: { [`${scope.account}|${scope.region}|prod/t1`]: { cpu: 256, memory: 512, group: 'service:web' } } };
    await store.write([{ op: 'put', kind: CONTAINER_INSTANCE_KIND, scope, id: before!.id, doc: held, expect: before!.version }]);

    const second = await hosts.add(registration({ url: 'tcp://10.0.0.9:2376' }));
    const all = await instances(store);
    assert.equal(all.length, 1, 'no second record');
    const after = all[0]!;
    assert.equal(after.id, before!.id);
    assert.equal(after.doc.containerInstanceId, before!.doc.containerInstanceId);
    assert.equal(after.doc.ec2InstanceId, before!.doc.ec2InstanceId);
    assert.equal(after.doc.version, before!.doc.version! + 1);
    assert.equal(after.doc.host!.url, 'tcp://10.0.0.9:2376');
    assert.equal(after.doc.status, 'DRAINING');
    assert.deepEqual(after.doc.reservations, held.reservations);
    assert.equal(second.containerInstanceArn, first.containerInstanceArn);
    assert.equal(second.url, 'tcp://10.0.0.9:2376');
    assert.equal(second.runningTasksCount, 1);
  });

  test('the same name keeps its EC2 instance id across a remove and add', async () => {
    const first = await hosts.add(registration());
    await hosts.remove('engine-1');
    const again = await hosts.add(registration());
    assert.equal(again.ec2InstanceId, first.ec2InstanceId);
    assert.notEqual(again.containerInstanceArn, first.containerInstanceArn, 'a new registration is a new container instance');
    assert.notEqual((await hosts.add(registration({ name: 'engine-2' }))).ec2InstanceId, first.ec2InstanceId);
  });

  test('adding a host under its name to another cluster is refused', async () => {
    await createCluster(store, 'staging');
    await hosts.add(registration());
    await rejects(hosts.add(registration({ cluster: 'staging' })), 'InvalidParameterException', /wharf hosts remove engine-1/);
    assert.equal((await instances(store))[0]!.doc.clusterName, 'prod');
  });

  test('a second host on a host subnet is refused; the first may register again on it', async () => {
    await hosts.add(registration({ taskSubnet: '10.220.1.0/24' }));
    await rejects(hosts.add(registration({ name: 'engine-2', taskSubnet: '10.220.1.0/24' })), 'InvalidParameterException', /already host engine-1's/);
    assert.deepEqual((await instances(store)).map((record) => record.doc.host!.name), ['engine-1']);
    await hosts.add(registration({ url: 'tcp://10.0.0.6:2376', taskSubnet: '10.220.1.0/24' }));
    await hosts.add(registration({ name: 'engine-2', taskSubnet: '10.220.2.0/24' }));
    assert.equal((await instances(store)).length, 2);
  });

  test('list shows every registered host, by name, and leaves out implicit instances', async () => {
    const elsewhere: Scope = { account: '210987654321', region: 'us-east-1' };
    await createCluster(store, 'other', 'ACTIVE', elsewhere);
    await hosts.add(registration({ name: 'zeta' }));
    await hosts.add(registration({ name: 'alpha', cluster: 'other', ...elsewhere }));
    await hosts.add(registration({ name: 'mid' }));
    await store.write([{ op: 'put', kind: CONTAINER_INSTANCE_KIND, scope: HOST_SCOPE, id: 'local', doc: implicitInstance('local', {}, [], NOW) }]);
    const listed = await hosts.list();
    assert.deepEqual(listed.map((view) => view.name), ['alpha', 'mid', 'zeta']);
    assert.deepEqual([listed[0]!.account, listed[0]!.region, listed[0]!.cluster], [elsewhere.account, elsewhere.region, 'other']);
  });

  test('list counts the tasks a host holds', async () => {
    await hosts.add(registration());
    const [record] = await instances(store);
    const reservations = { a: { cpu: 1, memory: 1, group: 'g' }, b: { cpu: 1, memory: 1, group: 'g' } };
    await store.write([{ op: 'put', kind: CONTAINER_INSTANCE_KIND, scope, id: record!.id, doc: { ...record!.doc, reservations } }]);
    assert.equal((await hosts.list())[0]!.runningTasksCount, 2);
  });

  test('remove refuses while the host holds tasks, naming DRAINING, and deletes it once it holds none', async () => {
    await hosts.add(registration());
    const [record] = await instances(store);
    const reservations = { [`${scope.account}|${scope.region}|prod/t1`]: { cpu: 256, memory: 512, group: 'service:web' } };
    await store.write([{ op: 'put', kind: CONTAINER_INSTANCE_KIND, scope, id: record!.id, doc: { ...record!.doc, reservations } }]);
    await rejects(
      hosts.remove('engine-1'),
      'InvalidParameterException',
      /still runs 1 task\(s\)/,
      new RegExp(`update-container-instances-state --cluster prod --container-instances ${record!.doc.containerInstanceId} --status DRAINING`),
    );
    assert.equal((await instances(store)).length, 1, 'still there');

    const held = (await instances(store))[0]!;
    await store.write([{ op: 'put', kind: CONTAINER_INSTANCE_KIND, scope, id: held.id, doc: { ...held.doc, reservations: {} }, expect: held.version }]);
    await hosts.remove('engine-1');
    assert.deepEqual(await instances(store), []);
    assert.deepEqual(await hosts.list(), []);
  });

  test('remove of a name no host has is refused and deletes nothing', async () => {
    await hosts.add(registration());
    await rejects(hosts.remove('engine-9'), 'InvalidParameterException', /No host is registered as engine-9/);
    assert.equal((await instances(store)).length, 1);
  });
});
