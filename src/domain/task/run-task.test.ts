import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTaskDefinition } from '../task-definition/index.js';
import { checkLaunch, planRunTask, spreadByStrategy, type ClusterView, type IdSource, type RunnableDefinition } from './run-task.js';

let counter = 0;
const ids: IdSource = {
  taskId: () => (++counter).toString(16).padStart(32, '0'),
  uuid: () => `uuid-${++counter}`,
  eniId: () => `eni-${String(++counter).padStart(17, '0')}`,
};

const definition: RunnableDefinition = {
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/migrate:1',
  family: 'migrate',
  revision: 1,
  status: 'ACTIVE',
  networkMode: 'awsvpc',
  cpu: '256',
  memory: '512',
  compatibilities: ['EC2', 'FARGATE'],
  requiresCompatibilities: ['FARGATE'],
  containerDefinitions: [
    { name: 'app', image: 'busybox', essential: true, environment: [{ name: 'A', value: '1' }], command: ['sleep', '1'], portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }] },
    { name: 'side', image: 'busybox', essential: false, dependsOn: [{ containerName: 'app', condition: 'START' }] },
  ],
};
const cluster = { clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/my-app', clusterName: 'my-app', capacityProviders: ['FARGATE', 'FARGATE_SPOT'], defaultCapacityProviderStrategy: [] };
const where = { region: 'us-east-1', account: '123456789012', now: new Date(1_000_000), ids };
const network = { awsvpcConfiguration: { subnets: ['subnet-aaa'], securityGroups: ['sg-12345'], assignPublicIp: 'DISABLED' } };

describe('planRunTask', () => {
  test('builds PROVISIONING tasks with ECS identifiers, overrides and attachments', () => {
    const [task] = planRunTask(
      { launchType: 'FARGATE', networkConfiguration: network, overrides: { containerOverrides: [{ name: 'app', command: ['python', 'manage.py', 'migrate'], environment: [{ name: 'A', value: '2' }] }] } },
      definition,
      [],
      cluster,
      where,
    );
    assert.ok(task);
    assert.match(task.taskArn, /^arn:aws:ecs:us-east-1:123456789012:task\/my-app\/[0-9a-f]{32}$/);
    assert.equal(task.lastStatus, 'PROVISIONING');
    assert.equal(task.desiredStatus, 'RUNNING');
    assert.equal(task.launchType, 'FARGATE');
    assert.equal(task.platformVersion, '1.4.0');
    assert.equal(task.group, 'family:migrate');
    assert.equal(task.createdAt, 1_000_000);
    assert.deepEqual(task.wharf.containerPlans[0]?.command, ['python', 'manage.py', 'migrate']);
    assert.equal(task.wharf.containerPlans[0]?.environment.A, '2');
    assert.equal(task.wharf.containerPlans[0]?.environment.AWS_EXECUTION_ENV, 'AWS_ECS_FARGATE');
    assert.equal(task.wharf.containerPlans[1]?.essential, false);
    assert.match(task.containers[0]!.containerArn, /^arn:aws:ecs:us-east-1:123456789012:container\/my-app\/[0-9a-f]{32}\/uuid-\d+$/);
    assert.equal(task.attachments[0]?.type, 'ElasticNetworkInterface');
    assert.deepEqual(task.attachments[0]?.details[0], { name: 'subnetId', value: 'subnet-aaa' });
  });

  test('plans an EC2 launch for the registered instances: no Fargate platform, sizes from the containers when the task has none', () => {
    const ec2Definition: RunnableDefinition = { ...definition, compatibilities: ['EC2'], requiresCompatibilities: ['EC2'], networkMode: 'bridge', cpu: undefined, memory: undefined, containerDefinitions: [{ name: 'web', image: 'img', cpu: 128, memory: 96 }, { name: 'side', image: 'img', cpu: 64, memoryReservation: 32 }] } as RunnableDefinition;
    const checked = checkLaunch({ launchType: 'EC2' }, ec2Definition, cluster);
    assert.equal(checked.fargate, false);
    assert.equal(checked.unplaceable, undefined);
    const [task] = planRunTask({ launchType: 'EC2' }, ec2Definition, [], cluster, where);
    assert.equal(task!.launchType, 'EC2');
    assert.equal(task!.platformVersion, undefined);
    assert.equal(task!.cpu, '192');
    assert.equal(task!.memory, '128');
    assert.equal(task!.containerInstanceArn, undefined, 'the instance is named once placed');
    assert.equal(task!.wharf.containerPlans[0]!.environment.AWS_EXECUTION_ENV, 'AWS_ECS_EC2');
    assert.throws(() => checkLaunch({ launchType: 'EC2', networkConfiguration: network }, { ...definition, compatibilities: ['FARGATE'] }, cluster), /^InvalidParameterException|Task definition does not support launch_type EC2\.$/);
  });

  test("refuses what ECS refuses, with ECS's messages", () => {
    const cases: [Parameters<typeof planRunTask>[0], string, RegExp][] = [
      [{ launchType: 'FARGATE' }, 'InvalidParameterException', /^Network Configuration must be provided when networkMode 'awsvpc' is specified\.$/],
      [{ launchType: 'FARGATE', count: 11, networkConfiguration: network }, 'InvalidParameterException', /count/],
      [{ launchType: 'FARGATE', capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }], networkConfiguration: network }, 'InvalidParameterException', /both a launch type and capacity provider strategy/],
      [{ launchType: 'EXTERNAL', networkConfiguration: network }, 'InvalidParameterException', /No Container Instances were found in your cluster\./],
      [{ launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets: [] } } }, 'InvalidParameterException', /subnets can not be empty/],
      [{ launchType: 'FARGATE', networkConfiguration: network, overrides: { containerOverrides: [{ name: 'nope' }] } }, 'InvalidParameterException', /Override for container named nope is not a container in the TaskDefinition\./],
      [{ launchType: 'FARGATE', networkConfiguration: network, overrides: { cpu: '256', memory: '4096' } }, 'ClientException', /No Fargate configuration exists for given values\./],
    ];
    for (const [input, code, message] of cases) {
      assert.throws(() => planRunTask(input, definition, [], cluster, where), (error: Error & { code: string }) => {
        assert.equal(error.code, code, JSON.stringify(input));
        assert.match(error.message, message);
        return true;
      });
    }
    assert.throws(() => planRunTask({ launchType: 'FARGATE', networkConfiguration: network }, { ...definition, status: 'INACTIVE' }, [], cluster, where), { code: 'ClientException' });
  });

  test('an ECR image without an execution role: a definition not requiring FARGATE registers, and RunTask refuses Fargate', () => {
    // ECS checks the rule at RegisterTaskDefinition when FARGATE is required (see fargate-rules.test.ts);
    // otherwise FARGATE is missing from the definition's compatibilities and the launch is refused.
    for (const image of ['123456789012.dkr.ecr.us-east-1.amazonaws.com/my-app:1', '127.0.0.1:4566/my-app:1']) {
      const registered = buildTaskDefinition(
        { family: 'ecr', networkMode: 'awsvpc', cpu: '256', memory: '512', containerDefinitions: [{ name: 'app', image }] },
        { arn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/ecr:1', revision: 1, registeredAt: new Date(0), registryHost: '127.0.0.1:4566' },
      );
      assert.deepEqual(registered.compatibilities, ['EC2'], image);
      const runnable = { ...definition, ...registered, containerDefinitions: registered.containerDefinitions as Record<string, any>[] } as RunnableDefinition;
      assert.throws(() => planRunTask({ launchType: 'FARGATE', networkConfiguration: network }, runnable, [], cluster, where), {
        code: 'InvalidParameterException',
        message: 'Task definition does not support launch_type FARGATE.',
      });
    }
  });

  test('count, capacity providers, propagated tags and the cluster default strategy', () => {
    const tasks = planRunTask(
      { count: 4, capacityProviderStrategy: [{ capacityProvider: 'FARGATE', base: 1, weight: 1 }, { capacityProvider: 'FARGATE_SPOT', weight: 1 }], networkConfiguration: network, propagateTags: 'TASK_DEFINITION', tags: [{ key: 'run', value: 'x' }] },
      definition,
      [{ key: 'team', value: 'a' }],
      cluster,
      where,
    );
    assert.equal(tasks.length, 4);
    assert.deepEqual(tasks.map((task) => task.capacityProviderName), ['FARGATE', 'FARGATE_SPOT', 'FARGATE', 'FARGATE_SPOT']);
    assert.deepEqual(tasks[0]?.tags, [{ key: 'team', value: 'a' }, { key: 'run', value: 'x' }]);
    assert.equal(new Set(tasks.map((task) => task.taskArn)).size, 4);
    const byDefault = planRunTask({ networkConfiguration: network }, definition, [], { ...cluster, defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] }, where);
    assert.equal(byDefault[0]?.capacityProviderName, 'FARGATE_SPOT');
  });

  test('spreadByStrategy fills the base first, then follows the weights', () => {
    assert.deepEqual(spreadByStrategy([{ capacityProvider: 'A', base: 2, weight: 1 }, { capacityProvider: 'B', weight: 3 }], 6), ['A', 'A', 'B', 'B', 'A', 'B']);
    assert.deepEqual(spreadByStrategy([{ capacityProvider: 'A', weight: 0 }, { capacityProvider: 'B', weight: 1 }], 2), ['B', 'B']);
  });
});

describe('checkLaunch', () => {
  test('resolves the launch as ECS does and marks what has no container instances', () => {
    const withDefault = { ...cluster, defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] };
    const cases: [Parameters<typeof checkLaunch>[0], ClusterView, object, string | undefined][] = [
      // EC2 goes to the cluster's registered instances: whether it has any is known where they are read (RunTask, the scheduler).
      [{ networkConfiguration: network }, cluster, { launchType: 'EC2' }, undefined],
      [{ launchType: 'EC2', networkConfiguration: network }, withDefault, { launchType: 'EC2' }, undefined],
      [{ launchType: 'EXTERNAL', networkConfiguration: network }, cluster, { launchType: 'EXTERNAL' }, 'No Container Instances were found in your cluster.'],
      [{ networkConfiguration: network }, withDefault, { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] }, undefined],
      [{ launchType: 'FARGATE', networkConfiguration: network }, withDefault, { launchType: 'FARGATE' }, undefined],
      [{ capacityProviderStrategy: [{ capacityProvider: 'asg', weight: 1 }], networkConfiguration: network }, { ...cluster, capacityProviders: ['asg'] }, { capacityProviderStrategy: [{ capacityProvider: 'asg', weight: 1 }] }, 'No Container Instances were found in your capacity provider.'],
    ];
    for (const [input, where, launch, unplaceable] of cases) {
      const checked = checkLaunch(input, definition, where);
      assert.deepEqual(checked.launch, launch, JSON.stringify(input));
      assert.equal(checked.unplaceable, unplaceable, JSON.stringify(input));
    }
    // The network configuration is still checked for a launch that cannot be placed.
    assert.throws(() => checkLaunch({ launchType: 'EC2' }, definition, cluster), /Network Configuration must be provided/);
  });
});
