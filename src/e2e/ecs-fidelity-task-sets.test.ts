import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DescribeTaskSetsCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  UpdateServicePrimaryTaskSetCommand,
  UpdateTaskSetCommand,
  type ECSClient,
  type TaskSet,
} from '@aws-sdk/client-ecs';
import { describeOneService, serviceTasksOf, startTestWharf, waitFor, type TestWharf } from './harness.js';
import { ensureTestImage } from './test-images.js';

const TIME_SCALE = '20';
const CLUSTER = 'task-sets';
const network = { awsvpcConfiguration: { subnets: ['subnet-aaa'], securityGroups: ['sg-12345'], assignPublicIp: 'DISABLED' as const } };

describe('ECS fidelity: EXTERNAL task sets and CODE_DEPLOY services run real tasks', () => {
  let wharf: TestWharf;
  let ecs: ECSClient;
  let blueDef: string;
  let greenDef: string;
  let webDef: string;
  before(async () => {
    const image = await ensureTestImage();
    wharf = await startTestWharf({ WHARF_TIME_SCALE: TIME_SCALE });
    ecs = wharf.ecs();
    await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER, capacityProviders: ['FARGATE', 'FARGATE_SPOT'] }));
    const register = async (family: string) =>
      (
        await ecs.send(
          new RegisterTaskDefinitionCommand({
            family,
            networkMode: 'awsvpc',
            requiresCompatibilities: ['FARGATE'],
            cpu: '256',
            memory: '512',
            containerDefinitions: [{ name: 'app', image, command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'], stopTimeout: 2 }],
          }),
        )
      ).taskDefinition!.taskDefinitionArn!;
    blueDef = await register('blue');
    greenDef = await register('green');
    webDef = (
      await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'web',
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
          containerDefinitions: [
            { name: 'app', image, command: ['sh', '-c', 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'], portMappings: [{ containerPort: 8080 }], stopTimeout: 2 },
          ],
        }),
      )
    ).taskDefinition!.taskDefinitionArn!;
  });
  after(() => wharf.stop());

  const taskSetsOf = async (service: string): Promise<TaskSet[]> => (await ecs.send(new DescribeTaskSetsCommand({ cluster: CLUSTER, service }))).taskSets ?? [];
  const byStartedBy = async (service: string) => {
    const counts: Record<string, number> = {};
    for (const task of await serviceTasksOf(ecs, CLUSTER, service)) counts[task.startedBy!] = (counts[task.startedBy!] ?? 0) + 1;
    return counts;
  };

  test('EXTERNAL: CreateTaskSet, UpdateTaskSet, UpdateServicePrimaryTaskSet and DeleteTaskSet', async () => {
    const { service } = await ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: 'ext', desiredCount: 2, deploymentController: { type: 'EXTERNAL' } }));
    assert.equal(service?.deploymentController?.type, 'EXTERNAL');
    assert.deepEqual(service?.taskSets, []);
    assert.equal(service?.taskDefinition, undefined);

    const { taskSet: blue } = await ecs.send(
      new CreateTaskSetCommand({ cluster: CLUSTER, service: 'ext', taskDefinition: blueDef, launchType: 'FARGATE', networkConfiguration: network, scale: { value: 100, unit: 'PERCENT' }, externalId: 'release-1' }),
    );
    assert.match(blue!.id!, /^ecs-svc\/\d{19}$/);
    assert.equal(blue!.taskSetArn, `${service!.serviceArn!.replace(':service/', ':task-set/')}/${blue!.id}`);
    assert.equal(blue!.status, 'ACTIVE');
    assert.equal(blue!.computedDesiredCount, 2);
    assert.equal(blue!.externalId, 'release-1');
    assert.equal(blue!.launchType, 'FARGATE');
    assert.deepEqual(blue!.scale, { value: 100, unit: 'PERCENT' });
    assert.equal(blue!.stabilityStatus, 'STABILIZING');

    await ecs.send(new UpdateServicePrimaryTaskSetCommand({ cluster: CLUSTER, service: 'ext', primaryTaskSet: blue!.taskSetArn! }));
    const steadyBlue = await waitFor(() => taskSetsOf('ext'), (sets) => sets[0]?.stabilityStatus === 'STEADY_STATE', 60_000, 'blue steady');
    assert.equal(steadyBlue[0]!.status, 'PRIMARY');
    assert.equal(steadyBlue[0]!.runningCount, 2);
    assert.deepEqual(await byStartedBy('ext'), { [blue!.id!]: 2 });
    const described = await describeOneService(ecs, CLUSTER, 'ext');
    assert.equal(described.taskDefinition, blueDef);
    assert.equal(described.taskSets![0]!.status, 'PRIMARY');

    // Green at 50% of 2: one task, on Fargate Spot.
    const { taskSet: green } = await ecs.send(
      new CreateTaskSetCommand({ cluster: CLUSTER, service: 'ext', taskDefinition: greenDef, capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }], networkConfiguration: network, scale: { value: 50, unit: 'PERCENT' } }),
    );
    assert.equal(green!.computedDesiredCount, 1);
    await waitFor(() => byStartedBy('ext'), (counts) => counts[green!.id!] === 1 && counts[blue!.id!] === 2, 60_000, 'green running');
    const spot = (await serviceTasksOf(ecs, CLUSTER, 'ext')).find((t) => t.startedBy === green!.id);
    assert.equal(spot!.capacityProviderName, 'FARGATE_SPOT');
    assert.equal(spot!.taskDefinitionArn, greenDef);

    // Shift: green to 100% and primary, blue to 0% and deleted.
    await ecs.send(new UpdateTaskSetCommand({ cluster: CLUSTER, service: 'ext', taskSet: green!.id!, scale: { value: 100, unit: 'PERCENT' } }));
    await ecs.send(new UpdateServicePrimaryTaskSetCommand({ cluster: CLUSTER, service: 'ext', primaryTaskSet: green!.id! }));
    await assert.rejects(ecs.send(new DeleteTaskSetCommand({ cluster: CLUSTER, service: 'ext', taskSet: blue!.id! })), { name: 'InvalidParameterException' });
    const { taskSet: scaledBlue } = await ecs.send(new UpdateTaskSetCommand({ cluster: CLUSTER, service: 'ext', taskSet: blue!.id!, scale: { value: 0, unit: 'PERCENT' } }));
    assert.equal(scaledBlue!.status, 'ACTIVE');
    const { taskSet: draining } = await ecs.send(new DeleteTaskSetCommand({ cluster: CLUSTER, service: 'ext', taskSet: blue!.id! }));
    assert.equal(draining!.status, 'DRAINING');
    await waitFor(() => taskSetsOf('ext'), (sets) => sets.length === 1 && sets[0]!.stabilityStatus === 'STEADY_STATE' && sets[0]!.runningCount === 2, 60_000, 'blue gone, green steady');
    assert.deepEqual(await byStartedBy('ext'), { [green!.id!]: 2 });
    const after = await describeOneService(ecs, CLUSTER, 'ext');
    assert.equal(after.taskDefinition, greenDef);
    // The service's launch fields follow the new PRIMARY task set.
    assert.equal(after.capacityProviderStrategy?.[0]?.capacityProvider, 'FARGATE_SPOT');
    assert.equal(after.launchType, undefined);

    const missing = await ecs.send(new DescribeTaskSetsCommand({ cluster: CLUSTER, service: 'ext', taskSets: [blue!.id!] }));
    assert.deepEqual(missing.failures?.map((f) => f.reason), ['MISSING']);
  });

  test('CODE_DEPLOY: the service starts with a PRIMARY task set that runs its tasks; only counts can be updated', async () => {
    const { service } = await ecs.send(
      new CreateServiceCommand({ cluster: CLUSTER, serviceName: 'cd', taskDefinition: blueDef, desiredCount: 1, launchType: 'FARGATE', networkConfiguration: network, deploymentController: { type: 'CODE_DEPLOY' } }),
    );
    assert.equal(service?.status, 'ACTIVE');
    assert.equal(service?.taskSets?.length, 1);
    assert.equal(service?.taskSets?.[0]?.status, 'PRIMARY');
    const primary = service!.taskSets![0]!.id!;
    await waitFor(() => byStartedBy('cd'), (counts) => counts[primary] === 1, 60_000, 'the primary task set running');
    await assert.rejects(ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'cd', taskDefinition: greenDef })), {
      name: 'InvalidParameterException',
      message: 'Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.',
    });
    await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'cd', desiredCount: 0 }));
    await waitFor(() => describeOneService(ecs, CLUSTER, 'cd'), (s) => s.runningCount === 0 && s.taskSets?.[0]?.stabilityStatus === 'STEADY_STATE', 60_000, 'scaled in');
  });

  test('EXTERNAL: each task set registers its tasks in its own target group, and a deleted one leaves it', async () => {
    const lb = (await wharf.aws(['elbv2', 'create-load-balancer', '--name', 'ts-alb', '--type', 'application', '--subnets', 'subnet-aaa', 'subnet-bbb'])).LoadBalancers[0];
    const group = async (name: string) =>
      (await wharf.aws(['elbv2', 'create-target-group', '--name', name, '--protocol', 'HTTP', '--port', '8080', '--vpc-id', lb.VpcId, '--target-type', 'ip', '--health-check-interval-seconds', '5', '--health-check-timeout-seconds', '2', '--healthy-threshold-count', '2']))
        .TargetGroups[0].TargetGroupArn as string;
    const blueGroup = await group('blue-tg');
    const greenGroup = await group('green-tg');
    await wharf.aws(['elbv2', 'modify-target-group-attributes', '--target-group-arn', blueGroup, '--attributes', 'Key=deregistration_delay.timeout_seconds,Value=1']);
    // Production traffic to blue, test traffic to green, as a blue/green controller sets them up.
    await wharf.aws(['elbv2', 'create-listener', '--load-balancer-arn', lb.LoadBalancerArn, '--protocol', 'HTTP', '--port', '80', '--default-actions', `Type=forward,TargetGroupArn=${blueGroup}`]);
    await wharf.aws(['elbv2', 'create-listener', '--load-balancer-arn', lb.LoadBalancerArn, '--protocol', 'HTTP', '--port', '8081', '--default-actions', `Type=forward,TargetGroupArn=${greenGroup}`]);
    await ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: 'ext-lb', desiredCount: 1, deploymentController: { type: 'EXTERNAL' } }));
    const taskSet = async (taskGroup: string) =>
      (
        await ecs.send(
          new CreateTaskSetCommand({ cluster: CLUSTER, service: 'ext-lb', taskDefinition: webDef, launchType: 'FARGATE', networkConfiguration: network, loadBalancers: [{ targetGroupArn: taskGroup, containerName: 'app', containerPort: 8080 }] }),
        )
      ).taskSet!;
    // ECS checks a task set's load balancers as it checks a service's.
    await assert.rejects(
      ecs.send(new CreateTaskSetCommand({ cluster: CLUSTER, service: 'ext-lb', taskDefinition: webDef, launchType: 'FARGATE', networkConfiguration: network, loadBalancers: [{ targetGroupArn: blueGroup, containerName: 'nope', containerPort: 8080 }] })),
      { name: 'InvalidParameterException' },
    );
    const blue = await taskSet(blueGroup);
    assert.deepEqual(blue.loadBalancers, [{ targetGroupArn: blueGroup, containerName: 'app', containerPort: 8080 }]);
    const green = await taskSet(greenGroup);

    const ipsOf = async (id: string) =>
      (await serviceTasksOf(ecs, CLUSTER, 'ext-lb'))
        .filter((t) => t.startedBy === id && t.lastStatus === 'RUNNING')
        .map((t) => t.attachments?.[0]?.details?.find((d) => d.name === 'privateIPv4Address')?.value);
    const targetsOf = async (arn: string) => ((await wharf.aws(['elbv2', 'describe-target-health', '--target-group-arn', arn])).TargetHealthDescriptions as { Target: { Id: string } }[]).map((d) => d.Target.Id);
    const [blueIp] = await waitFor(() => ipsOf(blue.id!), (ips) => ips.length === 1, 60_000, 'blue running');
    const [greenIp] = await waitFor(() => ipsOf(green.id!), (ips) => ips.length === 1, 60_000, 'green running');
    await waitFor(() => targetsOf(blueGroup), (ids) => ids.length === 1, 30_000, 'blue registered');
    assert.deepEqual(await targetsOf(blueGroup), [blueIp]);
    assert.deepEqual(await waitFor(() => targetsOf(greenGroup), (ids) => ids.length === 1, 30_000, 'green registered'), [greenIp]);

    await ecs.send(new DeleteTaskSetCommand({ cluster: CLUSTER, service: 'ext-lb', taskSet: blue.id!, force: true }));
    await waitFor(() => taskSetsOf('ext-lb'), (sets) => sets.length === 1, 60_000, 'blue drained');
    assert.deepEqual(await targetsOf(blueGroup), []);
    assert.deepEqual(await targetsOf(greenGroup), [greenIp]);
  });
});
