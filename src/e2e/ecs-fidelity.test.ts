import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateCapacityProviderCommand,
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteClusterCommand,
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DiscoverPollEndpointCommand,
  ListClustersCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  UpdateCapacityProviderCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { describeOneService, startTestWharf, waitFor, type TestWharf } from './harness.js';

// Placement retries every 10 s / 20 = 0.5 s.
const TIME_SCALE = '20';
const CLUSTER = 'fidelity';
const NO_INSTANCES = (service: string) =>
  `(service ${service}) was unable to place a task because no container instance met all of its requirements. Reason: No Container Instances were found in your cluster. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.`;

describe('ECS fidelity: launches without container instances', () => {
  let wharf: TestWharf;
  let ecs: ECSClient;
  before(async () => {
    wharf = await startTestWharf({ WHARF_TIME_SCALE: TIME_SCALE });
    ecs = wharf.ecs();
    await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    // A bridge-mode EC2 definition, as EC2 users register them.
    await ecs.send(new RegisterTaskDefinitionCommand({ family: 'ec2-web', containerDefinitions: [{ name: 'app', image: 'nginx', memory: 128 }] }));
  });
  after(() => wharf.stop());

  for (const [what, launch] of [
    ['no launch type and no strategy', {}],
    ['launch type EC2', { launchType: 'EC2' as const }],
  ] as const) {
    test(`CreateService with ${what} creates the service, which reports that no container instance was found`, async () => {
      const name = `svc-${what.replace(/\W+/g, '-')}`;
      const { service } = await ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: name, taskDefinition: 'ec2-web', desiredCount: 2, ...launch }));
      assert.equal(service?.status, 'ACTIVE');
      assert.equal(service?.desiredCount, 2);
      assert.equal(service?.launchType, 'EC2');
      assert.equal(service?.platformVersion, undefined);
      const described = await waitFor(() => describeOneService(ecs, CLUSTER, name), (s) => (s.events ?? []).length > 0, 10_000, 'the placement event');
      assert.deepEqual(described.events!.map((e) => e.message), [NO_INSTANCES(name)]);
      assert.equal(described.runningCount, 0);
      assert.equal(described.pendingCount, 0);
      assert.equal(described.desiredCount, 2);
      // Placement is retried (every 0.5 s here) but the event is not repeated.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const later = await describeOneService(ecs, CLUSTER, name);
      assert.equal(later.events!.length, 1);
      assert.equal(later.deployments![0]!.rolloutState, 'IN_PROGRESS');
    });
  }

  test('RunTask on EC2 without container instances is refused as ECS refuses it', async () => {
    for (const launch of [{}, { launchType: 'EC2' as const }]) {
      await assert.rejects(ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'ec2-web', ...launch })), (error: Error) => {
        assert.equal(error.name, 'InvalidParameterException');
        assert.equal(error.message, 'No Container Instances were found in your cluster.');
        return true;
      });
    }
  });
});

describe('ECS fidelity: capacity providers, container instances, EFS volumes, clusters', () => {
  let wharf: TestWharf;
  let ecs: ECSClient;
  before(async () => {
    wharf = await startTestWharf();
    ecs = wharf.ecs();
    await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER, tags: [{ key: 'team', value: 'web' }] }));
  });
  after(() => wharf.stop());

  const ASG = 'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:a1b2c3d4-5678-90ab-cdef-EXAMPLE11111:autoScalingGroupName/asg';

  test('CreateCapacityProvider and DescribeCapacityProviders fill in managed scaling and termination protection', async () => {
    const { capacityProvider } = await ecs.send(new CreateCapacityProviderCommand({ name: 'plain', autoScalingGroupProvider: { autoScalingGroupArn: ASG } }));
    assert.deepEqual(capacityProvider?.autoScalingGroupProvider, {
      autoScalingGroupArn: ASG,
      managedScaling: { status: 'DISABLED', targetCapacity: 100, minimumScalingStepSize: 1, maximumScalingStepSize: 10000, instanceWarmupPeriod: 300 },
      managedTerminationProtection: 'DISABLED',
      managedDraining: 'ENABLED',
    });
    await ecs.send(new CreateCapacityProviderCommand({ name: 'scaled', autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedScaling: { status: 'ENABLED', targetCapacity: 80 } } }));
    const { capacityProviders } = await ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: ['scaled'] }));
    assert.deepEqual(capacityProviders?.[0]?.autoScalingGroupProvider?.managedScaling, { status: 'ENABLED', targetCapacity: 80, minimumScalingStepSize: 1, maximumScalingStepSize: 10000, instanceWarmupPeriod: 300 });
    assert.equal(capacityProviders?.[0]?.autoScalingGroupProvider?.managedTerminationProtection, 'DISABLED');
    // An update changes what it names and keeps the rest.
    const { capacityProvider: updated } = await ecs.send(new UpdateCapacityProviderCommand({ name: 'scaled', autoScalingGroupProvider: { managedScaling: { maximumScalingStepSize: 50 } } }));
    assert.deepEqual(updated?.autoScalingGroupProvider?.managedScaling, { status: 'ENABLED', targetCapacity: 80, minimumScalingStepSize: 1, maximumScalingStepSize: 50, instanceWarmupPeriod: 300 });
  });

  test('DescribeContainerInstances: ClusterNotFoundException, an empty list refused, unknown instances MISSING', async () => {
    await assert.rejects(ecs.send(new DescribeContainerInstancesCommand({ cluster: 'ghost', containerInstances: ['abc'] })), { name: 'ClusterNotFoundException' });
    await assert.rejects(ecs.send(new DescribeContainerInstancesCommand({ cluster: CLUSTER, containerInstances: [] })), { name: 'InvalidParameterException' });
    const { failures } = await ecs.send(new DescribeContainerInstancesCommand({ cluster: CLUSTER, containerInstances: ['abc'] }));
    assert.deepEqual(failures, [{ arn: `arn:aws:ecs:us-east-1:123456789012:container-instance/${CLUSTER}/abc`, reason: 'MISSING' }]);
  });

  test('DiscoverPollEndpoint points the agent at Wharf', async () => {
    const answer = await ecs.send(new DiscoverPollEndpointCommand({ cluster: CLUSTER }));
    const expected = `${wharf.endpoint}/`;
    assert.equal(answer.endpoint, expected);
    assert.equal(answer.telemetryEndpoint, expected);
    assert.equal(answer.serviceConnectEndpoint, expected);
  });

  test('an EFS volume without rootDirectory is echoed with rootDirectory "/"', async () => {
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'efs',
        containerDefinitions: [{ name: 'app', image: 'nginx', memory: 128, mountPoints: [{ sourceVolume: 'data', containerPath: '/data' }] }],
        volumes: [{ name: 'data', efsVolumeConfiguration: { fileSystemId: 'fs-12345678', transitEncryption: 'ENABLED' } }, { name: 'kept', efsVolumeConfiguration: { fileSystemId: 'fs-12345678', rootDirectory: '/app' } }],
      }),
    );
    assert.deepEqual(taskDefinition?.volumes?.[0]?.efsVolumeConfiguration, { fileSystemId: 'fs-12345678', rootDirectory: '/', transitEncryption: 'ENABLED' });
    assert.equal(taskDefinition?.volumes?.[1]?.efsVolumeConfiguration?.rootDirectory, '/app');
  });

  test('DescribeClusters answers lists it was not asked for as empty; deleted clusters stay describable and leave ListClusters', async () => {
    const plain = (await ecs.send(new DescribeClustersCommand({ clusters: [CLUSTER] }))).clusters![0]!;
    assert.deepEqual(plain.tags, []);
    assert.deepEqual(plain.statistics, []);
    assert.deepEqual(plain.settings, []);
    const withTags = (await ecs.send(new DescribeClustersCommand({ clusters: [CLUSTER], include: ['TAGS'] }))).clusters![0]!;
    assert.deepEqual(withTags.tags, [{ key: 'team', value: 'web' }]);

    await ecs.send(new CreateClusterCommand({ clusterName: 'short-lived' }));
    await ecs.send(new DeleteClusterCommand({ cluster: 'short-lived' }));
    const { clusters, failures } = await ecs.send(new DescribeClustersCommand({ clusters: ['short-lived'] }));
    assert.equal(clusters?.[0]?.status, 'INACTIVE');
    assert.deepEqual(failures, []);
    const { clusterArns } = await ecs.send(new ListClustersCommand({}));
    assert.ok(clusterArns?.some((arn) => arn.endsWith(`/${CLUSTER}`)));
    assert.ok(!clusterArns?.some((arn) => arn.endsWith('/short-lived')));
  });
});
