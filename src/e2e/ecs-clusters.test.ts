import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateClusterCommand, DescribeClustersCommand, ListClustersCommand } from '@aws-sdk/client-ecs';
import { startTestWharf, type TestWharf } from './harness.js';

describe('ECS clusters through the aws CLI and the SDK', () => {
  let wharf: TestWharf;
  before(async () => {
    wharf = await startTestWharf();
  });
  after(() => wharf.stop());

  test("the seed's create-cluster command, verbatim", async () => {
    const { cluster } = await wharf.aws(['ecs', 'create-cluster', '--cluster-name', 'my-app', '--capacity-providers', 'FARGATE', 'FARGATE_SPOT']);
    assert.equal(cluster.clusterArn, 'arn:aws:ecs:us-east-1:123456789012:cluster/my-app');
    assert.equal(cluster.status, 'ACTIVE');
    assert.deepEqual(cluster.capacityProviders, ['FARGATE', 'FARGATE_SPOT']);
    assert.deepEqual(cluster.settings, [{ name: 'containerInsights', value: 'disabled' }]);
    // ECS answers a second create of an ACTIVE cluster with the same cluster.
    const again = await wharf.aws(['ecs', 'create-cluster', '--cluster-name', 'my-app']);
    assert.deepEqual(again.cluster.capacityProviders, ['FARGATE', 'FARGATE_SPOT']);
  });

  test('describe with include, failures MISSING for unknown clusters', async () => {
    await wharf.aws(['ecs', 'create-cluster', '--cluster-name', 'described', '--tags', 'key=team,value=web', '--settings', 'name=containerInsights,value=enabled']);
    const plain = await wharf.aws(['ecs', 'describe-clusters', '--clusters', 'described', 'nope']);
    assert.equal(plain.clusters.length, 1);
    // Lists not included come back empty, as ECS answers them.
    assert.deepEqual(plain.clusters[0].tags, []);
    assert.deepEqual(plain.clusters[0].settings, []);
    assert.deepEqual(plain.failures, [{ arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/nope', reason: 'MISSING' }]);
    const full = await wharf.aws(['ecs', 'describe-clusters', '--clusters', 'arn:aws:ecs:us-east-1:123456789012:cluster/described', '--include', 'TAGS', 'SETTINGS']);
    assert.deepEqual(full.clusters[0].tags, [{ key: 'team', value: 'web' }]);
    assert.deepEqual(full.clusters[0].settings, [{ name: 'containerInsights', value: 'enabled' }]);
  });

  test('update-cluster-settings, update-cluster and put-cluster-capacity-providers', async () => {
    await wharf.aws(['ecs', 'create-cluster', '--cluster-name', 'changing']);
    const settings = await wharf.aws(['ecs', 'update-cluster-settings', '--cluster', 'changing', '--settings', 'name=containerInsights,value=enhanced']);
    assert.deepEqual(settings.cluster.settings, [{ name: 'containerInsights', value: 'enhanced' }]);
    const providers = await wharf.aws([
      'ecs', 'put-cluster-capacity-providers', '--cluster', 'changing', '--capacity-providers', 'FARGATE', 'FARGATE_SPOT',
      '--default-capacity-provider-strategy', 'capacityProvider=FARGATE,weight=1,base=1', 'capacityProvider=FARGATE_SPOT,weight=3',
    ]);
    assert.deepEqual(providers.cluster.defaultCapacityProviderStrategy, [
      { capacityProvider: 'FARGATE', weight: 1, base: 1 },
      { capacityProvider: 'FARGATE_SPOT', weight: 3 },
    ]);
    const bad = await wharf.awsFails([
      'ecs', 'put-cluster-capacity-providers', '--cluster', 'changing', '--capacity-providers', 'FARGATE',
      '--default-capacity-provider-strategy', 'capacityProvider=FARGATE_SPOT,weight=1',
    ]);
    assert.equal(bad.code, 254);
    assert.match(bad.stderr, /\(InvalidParameterException\).*not associated with the cluster/);
    const updated = await wharf.aws(['ecs', 'update-cluster', '--cluster', 'changing', '--settings', 'name=containerInsights,value=disabled']);
    assert.deepEqual(updated.cluster.settings, [{ name: 'containerInsights', value: 'disabled' }]);
    const missing = await wharf.awsFails(['ecs', 'update-cluster-settings', '--cluster', 'ghost', '--settings', 'name=containerInsights,value=enabled']);
    assert.match(missing.stderr, /\(ClusterNotFoundException\).*Cluster not found\./);
  });

  test('delete-cluster leaves an INACTIVE cluster that list no longer shows', async () => {
    await wharf.aws(['ecs', 'create-cluster', '--cluster-name', 'doomed']);
    const { cluster } = await wharf.aws(['ecs', 'delete-cluster', '--cluster', 'doomed']);
    assert.equal(cluster.status, 'INACTIVE');
    const { clusterArns } = await wharf.aws(['ecs', 'list-clusters']);
    assert.ok(!clusterArns.includes('arn:aws:ecs:us-east-1:123456789012:cluster/doomed'));
    const described = await wharf.aws(['ecs', 'describe-clusters', '--clusters', 'doomed']);
    assert.equal(described.clusters[0].status, 'INACTIVE');
    const gone = await wharf.awsFails(['ecs', 'delete-cluster', '--cluster', 'never-was']);
    assert.match(gone.stderr, /ClusterNotFoundException/);
  });

  test('bad cluster names and unknown capacity providers are refused with ECS errors', async () => {
    const name = await wharf.awsFails(['ecs', 'create-cluster', '--cluster-name', 'has space']);
    assert.match(name.stderr, /\(InvalidParameterException\)/);
    const provider = await wharf.awsFails(['ecs', 'create-cluster', '--cluster-name', 'p', '--capacity-providers', 'NOPE']);
    assert.match(provider.stderr, /\(InvalidParameterException\).*NOPE/);
  });

  test('list-clusters pages with maxResults and nextToken (SDK)', async () => {
    const ecs = wharf.ecs('eu-central-1');
    for (const name of ['p1', 'p2', 'p3', 'p4', 'p5']) await ecs.send(new CreateClusterCommand({ clusterName: name }));
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await ecs.send(new ListClustersCommand({ maxResults: 2, nextToken }));
      seen.push(...(page.clusterArns ?? []));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    assert.equal(pages, 3);
    assert.deepEqual(seen.map((arn) => arn.split('/')[1]), ['p1', 'p2', 'p3', 'p4', 'p5']);
    await assert.rejects(ecs.send(new ListClustersCommand({ maxResults: 101 })), { name: 'InvalidParameterException' });
    await assert.rejects(ecs.send(new ListClustersCommand({ nextToken: 'garbage' })), { name: 'InvalidParameterException' });
  });

  test('state is per region, and ARNs carry the partition', async () => {
    await wharf.aws(['ecs', 'create-cluster', '--cluster-name', 'westerly'], { region: 'us-west-2' });
    const east = await wharf.aws(['ecs', 'list-clusters'], { region: 'us-east-1' });
    assert.ok(!east.clusterArns.some((arn: string) => arn.endsWith('/westerly')));
    const west = await wharf.aws(['ecs', 'list-clusters'], { region: 'us-west-2' });
    assert.deepEqual(west.clusterArns, ['arn:aws:ecs:us-west-2:123456789012:cluster/westerly']);
    const china = await wharf.ecs('cn-north-1').send(new CreateClusterCommand({ clusterName: 'beijing' }));
    assert.equal(china.cluster?.clusterArn, 'arn:aws-cn:ecs:cn-north-1:123456789012:cluster/beijing');
    const gov = await wharf.ecs('us-gov-west-1').send(new CreateClusterCommand({ clusterName: 'gov' }));
    assert.equal(gov.cluster?.clusterArn, 'arn:aws-us-gov:ecs:us-gov-west-1:123456789012:cluster/gov');
    const described = await wharf.ecs('us-east-1').send(new DescribeClustersCommand({ clusters: ['beijing'] }));
    assert.equal(described.failures?.[0]?.reason, 'MISSING');
  });
});
