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
});
