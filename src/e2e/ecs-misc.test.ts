import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ListAccountSettingsCommand } from '@aws-sdk/client-ecs';
import { startTestWharf, type TestWharf } from './harness.js';

describe('ECS account settings, capacity providers and tags', () => {
  let wharf: TestWharf;
  before(async () => {
    wharf = await startTestWharf();
  });
  after(() => wharf.stop());

  test('account settings: put, default, effective, delete', async () => {
    // Debian's CLI 2.9 predates the `type` field and drops it; the SDK shows it.
    const put = await wharf.aws(['ecs', 'put-account-setting', '--name', 'awsvpcTrunking', '--value', 'enabled']);
    assert.deepEqual(put.setting, { name: 'awsvpcTrunking', value: 'enabled', principalArn: 'arn:aws:iam::123456789012:root' });
    const viaSdk = await wharf.ecs().send(new ListAccountSettingsCommand({ name: 'awsvpcTrunking' }));
    assert.deepEqual(viaSdk.settings, [{ name: 'awsvpcTrunking', value: 'enabled', principalArn: 'arn:aws:iam::123456789012:root', type: 'user' }]);
    await wharf.aws(['ecs', 'put-account-setting-default', '--name', 'containerInsights', '--value', 'enabled']);
    const listed = await wharf.aws(['ecs', 'list-account-settings']);
    assert.deepEqual(listed.settings.map((s: { name: string }) => s.name).sort(), ['awsvpcTrunking', 'containerInsights']);
    const effective = await wharf.aws(['ecs', 'list-account-settings', '--effective-settings', '--name', 'taskLongArnFormat']);
    assert.deepEqual(effective.settings, [{ name: 'taskLongArnFormat', value: 'enabled', principalArn: 'arn:aws:iam::123456789012:root' }]);
    // The account default now turns Container Insights on for new clusters.
    const { cluster } = await wharf.aws(['ecs', 'create-cluster', '--cluster-name', 'insightful']);
    assert.deepEqual(cluster.settings, [{ name: 'containerInsights', value: 'enabled' }]);
    const bad = await wharf.awsFails(['ecs', 'put-account-setting', '--name', 'containerInsights', '--value', 'sometimes']);
    assert.match(bad.stderr, /InvalidParameterException/);
    await wharf.aws(['ecs', 'delete-account-setting', '--name', 'awsvpcTrunking']);
    const after = await wharf.aws(['ecs', 'list-account-settings', '--name', 'awsvpcTrunking']);
    assert.deepEqual(after.settings, []);
  });

  test('capacity providers: FARGATE and FARGATE_SPOT always described; custom ones created, updated, deleted', async () => {
    const builtIn = await wharf.aws(['ecs', 'describe-capacity-providers', '--capacity-providers', 'FARGATE', 'FARGATE_SPOT', 'missing']);
    assert.deepEqual(builtIn.capacityProviders.map((p: { name: string }) => p.name), ['FARGATE', 'FARGATE_SPOT']);
    assert.equal(builtIn.capacityProviders[0].capacityProviderArn, 'arn:aws:ecs:us-east-1:123456789012:capacity-provider/FARGATE');
    assert.equal(builtIn.failures[0].reason, 'MISSING');
    // Up to 100 in one action: a longer list is refused before any lookup.
    const tooMany = await wharf.awsFails(['ecs', 'describe-capacity-providers', '--capacity-providers', ...Array.from({ length: 101 }, (_, i) => `cp-${i}`)]);
    assert.match(tooMany.stderr, /InvalidParameterException.*CapacityProviders cannot have more than 100 elements/);

    const asg = 'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:abc:autoScalingGroupName/my-asg';
    const created = await wharf.aws(['ecs', 'create-capacity-provider', '--name', 'my-asg-cp', '--auto-scaling-group-provider', `autoScalingGroupArn=${asg},managedScaling={status=ENABLED,targetCapacity=90}`, '--tags', 'key=a,value=b']);
    assert.equal(created.capacityProvider.status, 'ACTIVE');
    assert.equal(created.capacityProvider.autoScalingGroupProvider.autoScalingGroupArn, asg);
    const reserved = await wharf.awsFails(['ecs', 'create-capacity-provider', '--name', 'fargate-x', '--auto-scaling-group-provider', `autoScalingGroupArn=${asg}`]);
    assert.match(reserved.stderr, /InvalidParameterException/);
    const withTags = await wharf.aws(['ecs', 'describe-capacity-providers', '--capacity-providers', 'my-asg-cp', '--include', 'TAGS']);
    assert.deepEqual(withTags.capacityProviders[0].tags, [{ key: 'a', value: 'b' }]);
    const updated = await wharf.aws(['ecs', 'update-capacity-provider', '--name', 'my-asg-cp', '--auto-scaling-group-provider', 'managedScaling={status=ENABLED,targetCapacity=50}']);
    assert.equal(updated.capacityProvider.autoScalingGroupProvider.managedScaling.targetCapacity, 50);
    const all = await wharf.aws(['ecs', 'describe-capacity-providers']);
    assert.deepEqual(all.capacityProviders.map((p: { name: string }) => p.name), ['FARGATE', 'FARGATE_SPOT', 'my-asg-cp']);
    const deleted = await wharf.aws(['ecs', 'delete-capacity-provider', '--capacity-provider', 'my-asg-cp']);
    assert.equal(deleted.capacityProvider.status, 'INACTIVE');
    const fargate = await wharf.awsFails(['ecs', 'delete-capacity-provider', '--capacity-provider', 'FARGATE']);
    assert.match(fargate.stderr, /ClientException/);
  });

  test('tag-resource, untag-resource and list-tags-for-resource on clusters and task definitions', async () => {
    const { cluster } = await wharf.aws(['ecs', 'create-cluster', '--cluster-name', 'tagged']);
    await wharf.aws(['ecs', 'tag-resource', '--resource-arn', cluster.clusterArn, '--tags', 'key=team,value=a', 'key=cost,value=1']);
    await wharf.aws(['ecs', 'tag-resource', '--resource-arn', cluster.clusterArn, '--tags', 'key=team,value=b']);
    let listed = await wharf.aws(['ecs', 'list-tags-for-resource', '--resource-arn', cluster.clusterArn]);
    assert.deepEqual(listed.tags, [{ key: 'team', value: 'b' }, { key: 'cost', value: '1' }]);
    await wharf.aws(['ecs', 'untag-resource', '--resource-arn', cluster.clusterArn, '--tag-keys', 'cost']);
    listed = await wharf.aws(['ecs', 'list-tags-for-resource', '--resource-arn', cluster.clusterArn]);
    assert.deepEqual(listed.tags, [{ key: 'team', value: 'b' }]);

    const td = await wharf.aws(['ecs', 'register-task-definition', '--family', 'tagme', '--container-definitions', '[{"name":"a","image":"busybox","memory":128}]']);
    await wharf.aws(['ecs', 'tag-resource', '--resource-arn', td.taskDefinition.taskDefinitionArn, '--tags', 'key=k,value=v']);
    const tdTags = await wharf.aws(['ecs', 'list-tags-for-resource', '--resource-arn', td.taskDefinition.taskDefinitionArn]);
    assert.deepEqual(tdTags.tags, [{ key: 'k', value: 'v' }]);

    const missing = await wharf.awsFails(['ecs', 'list-tags-for-resource', '--resource-arn', 'arn:aws:ecs:us-east-1:123456789012:cluster/ghost']);
    assert.match(missing.stderr, /ClusterNotFoundException/);
    const invalid = await wharf.awsFails(['ecs', 'tag-resource', '--resource-arn', 'not-an-arn', '--tags', 'key=a,value=b']);
    assert.match(invalid.stderr, /InvalidParameterException/);
    const reserved = await wharf.awsFails(['ecs', 'tag-resource', '--resource-arn', cluster.clusterArn, '--tags', 'key=aws:x,value=b']);
    assert.match(reserved.stderr, /InvalidParameterException/);
  });

  test('operations Wharf does not serve yet answer an AWS-shaped NotImplemented, not a 404 or a hang', async () => {
    const result = await wharf.awsFails(['ecs', 'list-attributes', '--target-type', 'container-instance']);
    assert.equal(result.code, 254);
    const ecr = await wharf.awsFails(['ecr', 'describe-pull-through-cache-rules']);
    assert.match(ecr.stderr, /\(NotImplemented\) when calling the DescribePullThroughCacheRules operation.*: Wharf does not support ecr:DescribePullThroughCacheRules yet\./);
    // A Query-protocol operation (CloudWatch dashboards) Wharf knows the model of but does not serve.
    const metrics = await wharf.awsFails(['cloudwatch', 'list-dashboards']);
    assert.match(metrics.stderr, /\(NotImplemented\) when calling the ListDashboards operation.*: Wharf does not support monitoring:ListDashboards yet\./);
    assert.match(result.stderr, /An error occurred \(NotImplemented\) when calling the ListAttributes operation( \(reached max retries: 0\))?: Wharf does not support ecs:ListAttributes yet\./);
  });
});
