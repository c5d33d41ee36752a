import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApplicationAutoScalingClient, DescribeScalableTargetsCommand, DescribeScalingPoliciesCommand } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateExpressGatewayServiceCommand,
  DeleteExpressGatewayServiceCommand,
  DescribeExpressGatewayServiceCommand,
  DescribeServiceRevisionsCommand,
  DescribeTaskDefinitionCommand,
  ListServiceDeploymentsCommand,
  ListServicesCommand,
  UpdateExpressGatewayServiceCommand,
} from '@aws-sdk/client-ecs';
import { DEFAULT_KEY } from '../cli/config.js';
import { describeOneService, docker, isSteady, serviceTasksOf, startTestWharf, waitFor, type TestWharf } from './harness.js';
import { ensureTestImage } from './test-images.js';

// ECS's waits and the target group's health checks become a twentieth.
const TIME_SCALE = '20';
const V2_IMAGE = 'wharf-test/busybox:express-v2';
/**
 * busybox httpd on 8080: `/` says which version answers, `/health` is the
 * health check path. The shell stays PID 1 and exits on SIGTERM (Express has
 * no stopTimeout member, and httpd as PID 1 would ignore the signal).
 */
const SERVER = ['mkdir -p /www', 'echo "$VERSION $(hostname)" > /www/index.html', 'echo ok > /www/health', "httpd -f -p 8080 -h /www & trap 'kill $!; exit 0' TERM; wait"].join(' && ');

const container = (image: string, version: string) => ({ image, containerPort: 8080, command: ['sh', '-c', SERVER], environment: [{ name: 'VERSION', value: version }] });

describe('ECS Express Mode through the SDK v3', () => {
  let wharf: TestWharf;
  let serviceArn: string;
  const region = 'us-east-1';
  const clientOptions = () => ({ endpoint: wharf.endpoint, region, credentials: DEFAULT_KEY, maxAttempts: 1 });

  before(async () => {
    const image = await ensureTestImage();
    await docker(['tag', image, V2_IMAGE]);
    wharf = await startTestWharf({ WHARF_TIME_SCALE: TIME_SCALE });
  });
  after(async () => {
    await wharf?.stop();
    await docker(['rmi', V2_IMAGE]).catch(() => undefined);
  });

  const ecs = () => wharf.ecs();
  const describeExpress = async () => (await ecs().send(new DescribeExpressGatewayServiceCommand({ serviceArn, include: ['TAGS'] }))).service!;
  const localUrl = async () =>
    waitFor(
      async () => (await describeExpress()).activeConfigurations?.[0]?.ingressPaths?.find((path) => path.endpoint?.startsWith('http://'))?.endpoint,
      (endpoint) => endpoint !== undefined,
      30_000,
      'the listener bound on this host',
    );
  const get = async (url: string) => {
    const response = await fetch(url).catch(() => undefined);
    return response ? { status: response.status, body: await response.text() } : { status: 0, body: '' };
  };

  test('a refused create makes nothing; an unknown service is not found', async () => {
    const image = await ensureTestImage();
    const base = { executionRoleArn: 'arn:aws:iam::000000000000:role/exec', infrastructureRoleArn: 'arn:aws:iam::000000000000:role/infra', primaryContainer: container(image, 'v0') };
    await assert.rejects(ecs().send(new CreateExpressGatewayServiceCommand({ ...base, serviceName: 'bad', scalingTarget: { minTaskCount: 3, maxTaskCount: 2 } })), { name: 'InvalidParameterException' });
    await assert.rejects(ecs().send(new CreateExpressGatewayServiceCommand({ ...base, serviceName: 'bad', cluster: 'no-such-cluster' })), { name: 'ClusterNotFoundException' });
    await assert.rejects(ecs().send(new ListServicesCommand({ cluster: 'default' })), { name: 'ClusterNotFoundException' }, 'not even the default cluster was made');
    const lbs = (await (await fetch(`${wharf.endpoint}/_wharf/load-balancers`)).json()) as { listeners: unknown[] };
    assert.equal(lbs.listeners.length, 0);
    await assert.rejects(
      ecs().send(new DescribeExpressGatewayServiceCommand({ serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/default/nothing' })),
      { name: 'ResourceNotFoundException' },
    );
  });

  test('create provisions a service, a load balancer, scaling and a log group, and the service answers at its URL', async () => {
    const image = await ensureTestImage();
    const created = (
      await ecs().send(
        new CreateExpressGatewayServiceCommand({
          serviceName: 'web',
          executionRoleArn: 'arn:aws:iam::000000000000:role/ecsTaskExecutionRole',
          infrastructureRoleArn: 'arn:aws:iam::000000000000:role/ecsInfrastructureRoleForExpressServices',
          primaryContainer: container(image, 'v1'),
          healthCheckPath: '/health',
          cpu: '256',
          memory: '512',
          scalingTarget: { minTaskCount: 1, maxTaskCount: 2, autoScalingMetric: 'AVERAGE_CPU', autoScalingTargetValue: 70 },
          tags: [{ key: 'team', value: 'web' }],
        }),
      )
    ).service!;
    serviceArn = created.serviceArn!;
    assert.equal(created.status?.statusCode, 'ACTIVE');
    assert.match(serviceArn, /:service\/default\/web$/, 'the default cluster is made and used');
    assert.equal(created.activeConfigurations?.[0]?.ingressPaths?.[0]?.endpoint, `https://web.ecs.${region}.on.aws/`);
    assert.deepEqual(created.tags, [{ key: 'team', value: 'web' }]);

    await waitFor(() => describeOneService(ecs(), 'default', 'web'), isSteady, 60_000, 'the service steady');
    const url = (await localUrl())!;
    const answer = await waitFor(() => get(url), (r) => r.status === 200, 30_000, 'an answer through the load balancer');
    assert.match(answer.body, /^v1 /);
    // The rule AWS routes by (the service's host name) reaches it too.
    const viaHost = await fetch(url, { headers: { host: `web.ecs.${region}.on.aws` } });
    assert.equal(viaHost.status, 200);

    const [task] = await serviceTasksOf(ecs(), 'default', 'web');
    const definition = (await ecs().send(new DescribeTaskDefinitionCommand({ taskDefinition: task!.taskDefinitionArn! }))).taskDefinition!;
    assert.equal(definition.containerDefinitions?.[0]?.logConfiguration?.options?.['awslogs-group'], '/aws/ecs/default/web');
    const logs = new CloudWatchLogsClient(clientOptions());
    const groups = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/ecs/default/web' }))).logGroups!;
    assert.deepEqual(groups.map((g) => g.logGroupName), ['/aws/ecs/default/web'], 'the task made its log group');

    const scaling = new ApplicationAutoScalingClient(clientOptions());
    const targets = (await scaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: ['service/default/web'] }))).ScalableTargets!;
    assert.deepEqual([targets[0]?.MinCapacity, targets[0]?.MaxCapacity], [1, 2]);
    const policies = (await scaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/default/web' }))).ScalingPolicies!;
    assert.equal(policies[0]?.TargetTrackingScalingPolicyConfiguration?.PredefinedMetricSpecification?.PredefinedMetricType, 'ECSServiceAverageCPUUtilization');
    assert.equal(policies[0]?.Alarms?.length, 2);
  });

  test('the service revision shows the managed resources', async () => {
    const express = await describeExpress();
    const revisionArn = express.activeConfigurations![0]!.serviceRevisionArn!;
    const revision = (await ecs().send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [revisionArn] }))).serviceRevisions![0]!;
    const managed = revision.ecsManagedResources!;
    assert.match(managed.ingressPaths![0]!.loadBalancer!.arn!, /:loadbalancer\/app\/ecs-express-web-/);
    assert.equal(managed.ingressPaths![0]!.targetGroups![0]!.healthCheckPath, '/health');
    assert.equal(managed.autoScaling!.scalableTarget!.maxCapacity, 2);
    assert.equal(managed.autoScaling!.applicationAutoScalingPolicies![0]!.metric, 'ECSServiceAverageCPUUtilization');
    assert.equal(managed.metricAlarms!.length, 2);
    assert.equal(managed.logGroups![0]!.logGroupName, '/aws/ecs/default/web');
    assert.equal(managed.ingressPaths![0]!.endpoint, `https://web.ecs.${region}.on.aws/`);
  });

  test('update to a new image rolls the service to it behind the same URL', async () => {
    const url = (await localUrl())!;
    const updated = (await ecs().send(new UpdateExpressGatewayServiceCommand({ serviceArn, primaryContainer: container(V2_IMAGE, 'v2'), scalingTarget: { maxTaskCount: 3 } }))).service!;
    assert.equal(updated.targetConfiguration?.primaryContainer?.image, V2_IMAGE);
    await waitFor(() => get(url), (r) => r.body.startsWith('v2 '), 60_000, 'the new image answering');
    const service = await waitFor(() => describeOneService(ecs(), 'default', 'web'), isSteady, 60_000, 'the rollout complete');
    assert.equal(service.taskDefinition, (await serviceTasksOf(ecs(), 'default', 'web'))[0]!.taskDefinitionArn);
    const deployments = (await ecs().send(new ListServiceDeploymentsCommand({ cluster: 'default', service: 'web' }))).serviceDeployments!;
    assert.equal(deployments.length, 2);
    const scaling = new ApplicationAutoScalingClient(clientOptions());
    const targets = (await scaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: ['service/default/web'] }))).ScalableTargets!;
    assert.equal(targets[0]?.MaxCapacity, 3);
  });

  test('delete drains the service and removes what create made', async () => {
    const url = (await localUrl())!;
    const alarmNames = (await new ApplicationAutoScalingClient(clientOptions()).send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/default/web' }))).ScalingPolicies![0]!.Alarms!.map((a) => a.AlarmName!);
    const deleted = (await ecs().send(new DeleteExpressGatewayServiceCommand({ serviceArn }))).service!;
    assert.equal(deleted.status?.statusCode, 'DRAINING');
    const revisionArn = deleted.activeConfigurations![0]!.serviceRevisionArn!;
    const revision = (await ecs().send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [revisionArn] }))).serviceRevisions![0]!;
    assert.equal(revision.ecsManagedResources!.ingressPaths![0]!.loadBalancer!.status, 'DEPROVISIONING');
    await waitFor(describeExpress, (service) => service.status?.statusCode === 'INACTIVE', 60_000, 'the service INACTIVE');
    assert.equal((await get(url)).status, 0, 'nothing listens at the old URL');
    const lbs = (await (await fetch(`${wharf.endpoint}/_wharf/load-balancers`)).json()) as { listeners: { loadBalancerName: string }[] };
    assert.equal(lbs.listeners.filter((l) => l.loadBalancerName.startsWith('ecs-express-web-')).length, 0);
    const scaling = new ApplicationAutoScalingClient(clientOptions());
    assert.equal((await scaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: ['service/default/web'] }))).ScalableTargets!.length, 0);
    const alarms = await new CloudWatchClient(clientOptions()).send(new DescribeAlarmsCommand({ AlarmNames: alarmNames }));
    assert.equal(alarms.MetricAlarms!.length, 0);
    await assert.rejects(ecs().send(new DeleteExpressGatewayServiceCommand({ serviceArn })), { name: 'ServiceNotFoundException' });
    const logs = new CloudWatchLogsClient(clientOptions());
    assert.equal((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/ecs/default/web' }))).logGroups!.length, 1, 'the logs outlive the service');
  });
});
