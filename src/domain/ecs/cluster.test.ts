import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkStrategy } from './capacity-provider-strategy.js';
import { clusterNameOf, describeCluster, newCluster } from './cluster.js';

const where = { region: 'us-east-1', account: '123456789012', now: new Date(0), containerInsightsDefault: 'disabled', knownProviders: ['FARGATE', 'FARGATE_SPOT'] };

test('a new cluster gets its ARN, settings and providers', () => {
  const cluster = newCluster({ clusterName: 'my-app', capacityProviders: ['FARGATE', 'FARGATE_SPOT'] }, where);
  assert.equal(cluster.clusterArn, 'arn:aws:ecs:us-east-1:123456789012:cluster/my-app');
  assert.deepEqual(cluster.settings, [{ name: 'containerInsights', value: 'disabled' }]);
  assert.deepEqual(cluster.capacityProviders, ['FARGATE', 'FARGATE_SPOT']);
  assert.equal(newCluster({}, where).clusterName, 'default');
});

test('cluster rules refuse bad names, unknown providers and strategies outside the cluster', () => {
  assert.throws(() => newCluster({ clusterName: 'bad name' }, where), { code: 'InvalidParameterException' });
  assert.throws(() => newCluster({ clusterName: 'a'.repeat(256) }, where), { code: 'InvalidParameterException' });
  assert.throws(() => newCluster({ clusterName: 'x', capacityProviders: ['NOPE'] }, where), /not in an ACTIVE state/);
  assert.throws(
    () => newCluster({ clusterName: 'x', capacityProviders: ['FARGATE'], defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] }, where),
    /not associated with the cluster/,
  );
  assert.throws(() => newCluster({ clusterName: 'x', settings: [{ name: 'containerInsights', value: 'yes' }] }, where), { code: 'InvalidParameterException' });
});

test('strategy rules: one base, some weight, at most six', () => {
  assert.throws(() => checkStrategy([{ capacityProvider: 'FARGATE', weight: 0 }]), /weight greater than zero/);
  assert.throws(() => checkStrategy([{ capacityProvider: 'FARGATE', base: 1, weight: 1 }, { capacityProvider: 'FARGATE_SPOT', base: 2, weight: 1 }]), /base value for one/);
  assert.throws(() => checkStrategy(Array.from({ length: 7 }, (_, i) => ({ capacityProvider: `p${i}`, weight: 1 }))), /more than 6/);
  assert.doesNotThrow(() => checkStrategy([{ capacityProvider: 'FARGATE', base: 1, weight: 1 }, { capacityProvider: 'FARGATE_SPOT', weight: 4 }]));
});

test('cluster references resolve by name or ARN', () => {
  assert.equal(clusterNameOf(undefined), 'default');
  assert.equal(clusterNameOf('my-app'), 'my-app');
  assert.equal(clusterNameOf('arn:aws:ecs:us-east-1:123456789012:cluster/my-app'), 'my-app');
});

test('describe shows optional parts only when included; lists not included are empty', () => {
  const cluster = newCluster({ clusterName: 'c', tags: [{ key: 'k', value: 'v' }] }, where);
  const counts = { runningTasksCount: 0, pendingTasksCount: 0, activeServicesCount: 0, registeredContainerInstancesCount: 0 };
  assert.deepEqual(describeCluster(cluster, counts, []).tags, []);
  assert.deepEqual(describeCluster(cluster, counts, []).settings, []);
  assert.equal(describeCluster(cluster, counts, []).configuration, undefined);
  assert.deepEqual(describeCluster(cluster, counts, ['TAGS']).tags, [{ key: 'k', value: 'v' }]);
});
