import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeTasksCommand,
  ListServiceDeploymentsCommand,
  ListTasksCommand,
  StopServiceDeploymentCommand,
} from '@aws-sdk/client-ecs';
import { docker, startTestWharf, waitFor, type TestWharf } from './harness.js';
import { ensureTestImage } from './test-images.js';

// 40 s of ECS's health wait become 2 s; nothing else changes.
const TIME_SCALE = '20';
const SEED_NETWORK = '{"awsvpcConfiguration":{"subnets":["subnet-aaa","subnet-bbb"],"securityGroups":["sg-12345"],"assignPublicIp":"DISABLED"}}';

interface CliTask {
  taskArn: string;
  lastStatus: string;
  desiredStatus: string;
  startedBy?: string;
  group: string;
  taskDefinitionArn: string;
  capacityProviderName?: string;
  stopCode?: string;
  stoppedReason?: string;
  containers: { runtimeId?: string }[];
}

describe('services through the aws CLI: desired count, rolling updates, circuit breaker', () => {
  let wharf: TestWharf;
  let image: string;
  before(async () => {
    image = await ensureTestImage();
    wharf = await startTestWharf({ WHARF_TIME_SCALE: TIME_SCALE });
    await wharf.aws(['ecs', 'create-cluster', '--cluster-name', 'my-app', '--capacity-providers', 'FARGATE', 'FARGATE_SPOT']);
  });
  after(() => wharf.stop());

  async function register(family: string, command: string[], extra: Record<string, unknown> = {}): Promise<string> {
    const definition = {
      family,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image, command, stopTimeout: 2, ...extra }],
    };
    const result = await wharf.aws(['ecs', 'register-task-definition', '--cli-input-json', JSON.stringify(definition)]);
    return result.taskDefinition.taskDefinitionArn;
  }

  async function serviceTasks(cluster: string, service: string, desired: 'RUNNING' | 'STOPPED' = 'RUNNING'): Promise<CliTask[]> {
    const { taskArns } = await wharf.aws(['ecs', 'list-tasks', '--cluster', cluster, '--service-name', service, '--desired-status', desired]);
    if (taskArns.length === 0) return [];
    return (await wharf.aws(['ecs', 'describe-tasks', '--cluster', cluster, '--tasks', ...taskArns])).tasks;
  }

  async function describeService(cluster: string, service: string) {
    return (await wharf.aws(['ecs', 'describe-services', '--cluster', cluster, '--services', service])).services[0];
  }

  const steady = (cluster: string, service: string, timeoutMs = 90_000) =>
    waitFor(
      () => describeService(cluster, service),
      (s) => s.deployments.length === 1 && s.deployments[0].rolloutState === 'COMPLETED' && s.runningCount === s.desiredCount && s.pendingCount === 0,
      timeoutMs,
      `${service} steady`,
    );

  test("the seed's create-service keeps two tasks running and replaces a killed one", async () => {
    await register('my-app', ['sleep', '3600']);
    const created = await wharf.aws([
      'ecs', 'create-service', '--cluster', 'my-app', '--service-name', 'my-app-service', '--task-definition', 'my-app:1',
      '--desired-count', '2', '--launch-type', 'FARGATE', '--network-configuration', SEED_NETWORK,
    ]);
    const service = created.service;
    assert.equal(service.serviceArn, 'arn:aws:ecs:us-east-1:123456789012:service/my-app/my-app-service');
    assert.equal(service.status, 'ACTIVE');
    assert.equal(service.desiredCount, 2);
    assert.equal(service.launchType, 'FARGATE');
    assert.equal(service.schedulingStrategy, 'REPLICA');
    assert.deepEqual(service.deploymentController, { type: 'ECS' });
    assert.deepEqual(service.deploymentConfiguration.deploymentCircuitBreaker, { enable: false, rollback: false });
    assert.equal(service.deploymentConfiguration.maximumPercent, 200);
    assert.equal(service.deploymentConfiguration.minimumHealthyPercent, 100);
    const [deployment] = service.deployments;
    assert.match(deployment.id, /^ecs-svc\/\d{19}$/);
    assert.equal(deployment.status, 'PRIMARY');
    assert.equal(deployment.rolloutState, 'IN_PROGRESS');
    assert.equal(deployment.rolloutStateReason, `ECS deployment ${deployment.id} in progress.`);

    const stable = await steady('my-app', 'my-app-service');
    assert.equal(stable.runningCount, 2);
    assert.equal(stable.deployments[0].rolloutStateReason, `ECS deployment ${deployment.id} completed.`);
    const messages = stable.events.map((e: { message: string }) => e.message);
    assert.equal(messages[0], '(service my-app-service) has reached a steady state.');
    assert.ok(messages.includes(`(service my-app-service) (deployment ${deployment.id}) deployment completed.`), messages.join('\n'));
    assert.ok(messages.some((m: string) => /^\(service my-app-service\) has started 2 tasks: \(task [0-9a-f]{32}\) \(task [0-9a-f]{32}\)\.$/.test(m)), messages.join('\n'));

    const tasks = await serviceTasks('my-app', 'my-app-service');
    assert.equal(tasks.length, 2);
    for (const task of tasks) {
      assert.equal(task.group, 'service:my-app-service');
      assert.equal(task.startedBy, deployment.id);
      assert.equal(task.lastStatus, 'RUNNING');
    }
    const subnets = new Set(tasks.map((t: any) => t.attachments[0].details.find((d: any) => d.name === 'subnetId').value));
    assert.ok(subnets.size >= 1);

    // Kill one task's container behind Wharf's back: the scheduler replaces it.
    const victim = tasks[0]!;
    await docker(['kill', victim.containers[0]!.runtimeId!]);
    const replaced = await waitFor(
      () => serviceTasks('my-app', 'my-app-service'),
      (list) => list.length === 2 && list.every((t) => t.lastStatus === 'RUNNING') && !list.some((t) => t.taskArn === victim.taskArn),
      60_000,
      'a replacement RUNNING',
    );
    assert.equal(replaced.length, 2);
    const gone = (await wharf.aws(['ecs', 'describe-tasks', '--cluster', 'my-app', '--tasks', victim.taskArn])).tasks[0];
    assert.equal(gone.stopCode, 'EssentialContainerExited');
    const after = await steady('my-app', 'my-app-service');
    const newId = replaced.find((t) => t.taskArn !== tasks[1]!.taskArn)!.taskArn.split('/').pop();
    assert.ok(after.events.some((e: { message: string }) => e.message === `(service my-app-service) has started 1 tasks: (task ${newId}).`), JSON.stringify(after.events));
  });

  async function sdkServiceTasks(desired: 'RUNNING' | 'STOPPED'): Promise<CliTask[]> {
    const ecs = wharf.ecs();
    const { taskArns } = await ecs.send(new ListTasksCommand({ cluster: 'my-app', serviceName: 'my-app-service', desiredStatus: desired }));
    if (!taskArns?.length) return [];
    return (await ecs.send(new DescribeTasksCommand({ cluster: 'my-app', tasks: taskArns }))).tasks as unknown as CliTask[];
  }

  test('a rolling update to revision 2 stays within min/max at every sample, and services-stable returns', async () => {
    const revision2 = await register('my-app', ['sleep', '3601']);
    const before = await describeService('my-app', 'my-app-service');
    await wharf.aws([
      'ecs', 'update-service', '--cluster', 'my-app', '--service', 'my-app-service', '--task-definition', 'my-app:2',
      '--deployment-configuration', '{"maximumPercent":200,"minimumHealthyPercent":100,"deploymentCircuitBreaker":{"enable":true,"rollback":true}}',
    ]);
    // Sample the task list while the rollout runs (through the SDK, which is quick enough to see each step):
    // healthy (RUNNING and wanted) never below 2, all tasks never above 4.
    let samples = 0;
    let sawBoth = false;
    await waitFor(
      async () => {
        const [running, stopping] = await Promise.all([sdkServiceTasks('RUNNING'), sdkServiceTasks('STOPPED')]);
        // The two lists are read one after the other: a task stopped in between is in both.
        const alive = [...new Map([...running, ...stopping.filter((t) => t.lastStatus !== 'STOPPED')].map((t) => [t.taskArn, t])).values()];
        const serving = running.filter((t) => t.lastStatus === 'RUNNING');
        samples += 1;
        assert.ok(alive.length <= 4, `over maximumPercent: ${alive.length} tasks`);
        assert.ok(serving.length >= 2, `under minimumHealthyPercent: ${serving.length} running`);
        if (new Set(running.map((t) => t.taskDefinitionArn)).size === 2) sawBoth = true;
        return running;
      },
      (running) => running.length === 2 && running.every((t) => t.taskDefinitionArn === revision2 && t.lastStatus === 'RUNNING') ,
      90_000,
      'revision 2 running',
    );
    assert.ok(samples > 1 && sawBoth, `the rollout was observed (${samples} samples)`);

    await wharf.aws(['ecs', 'wait', 'services-stable', '--cluster', 'my-app', '--services', 'my-app-service']);
    const stable = await describeService('my-app', 'my-app-service');
    assert.equal(stable.taskDefinition, revision2);
    assert.equal(stable.deployments.length, 1);
    const [primary] = stable.deployments;
    assert.notEqual(primary.id, before.deployments[0].id);
    assert.equal(primary.rolloutState, 'COMPLETED');
    const messages = stable.events.map((e: { message: string }) => e.message);
    assert.ok(messages.some((m: string) => /^\(service my-app-service\) has stopped 2 running tasks: /.test(m) || /has stopped 1 running tasks/.test(m)), messages.join('\n'));
    const old = await serviceTasks('my-app', 'my-app-service', 'STOPPED');
    const scaledIn = old.filter((t) => t.startedBy === before.deployments[0].id && t.stopCode === 'ServiceSchedulerInitiated');
    assert.equal(scaledIn.length, 2);
    assert.equal(scaledIn[0]!.stoppedReason, `Scaling activity initiated by (deployment ${primary.id})`);
  });

  test('a revision whose container exits at once trips the circuit breaker and rolls back to revision 2', async () => {
    const good = (await describeService('my-app', 'my-app-service')).deployments[0];
    await register('my-app', ['sh', '-c', 'exit 1']);
    await wharf.aws(['ecs', 'update-service', '--cluster', 'my-app', '--service', 'my-app-service', '--task-definition', 'my-app:3']);
    const rolledBack = await waitFor(
      () => describeService('my-app', 'my-app-service'),
      (s) => s.deployments.some((d: { rolloutState: string }) => d.rolloutState === 'FAILED') || (s.deployments.length === 1 && s.deployments[0].id !== good.id && s.taskDefinition.endsWith(':2')),
      90_000,
      'the circuit breaker',
    );
    assert.ok(rolledBack);
    const stable = await steady('my-app', 'my-app-service', 120_000);
    assert.ok(stable.taskDefinition.endsWith('my-app:2'), stable.taskDefinition);
    const [primary] = stable.deployments;
    assert.equal(primary.taskDefinition, stable.taskDefinition);
    assert.equal(primary.rolloutState, 'COMPLETED');
    const messages: string[] = stable.events.map((e: { message: string }) => e.message);
    const failed = messages.find((m) => / deployment failed: tasks failed to start\.$/.test(m));
    assert.ok(failed, messages.join('\n'));
    assert.ok(messages.includes(`(service my-app-service) rolling back to deployment ${good.id}.`), messages.join('\n'));
    // The failed deployment's tasks are counted and stopped; none of revision 3 is left running.
    const running = await serviceTasks('my-app', 'my-app-service');
    assert.ok(running.every((t) => t.taskDefinitionArn.endsWith(':2')));
    const failedTasks = (await serviceTasks('my-app', 'my-app-service', 'STOPPED')).filter((t) => t.taskDefinitionArn.endsWith(':3'));
    const exited = failedTasks.filter((t) => t.stopCode === 'EssentialContainerExited');
    assert.ok(exited.length >= 3, `${exited.length} failed tasks: ${JSON.stringify(failedTasks.map((t) => [t.stopCode, t.stoppedReason]))}`);
    // Any still starting when the breaker tripped were stopped by the scheduler.
    assert.ok(failedTasks.every((t) => t.stopCode === 'EssentialContainerExited' || t.stopCode === 'ServiceSchedulerInitiated'), JSON.stringify(failedTasks.map((t) => t.stopCode)));
  });

  test('the service deployment APIs tell the story, and StopServiceDeployment rolls back', async () => {
    const ecs = wharf.ecs();
    const service = 'my-app-service';
    const { serviceDeployments } = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'my-app', service }));
    assert.deepEqual(serviceDeployments!.map((sd) => sd.status), ['ROLLBACK_SUCCESSFUL', 'SUCCESSFUL', 'SUCCESSFUL']);
    for (const sd of serviceDeployments!) assert.match(sd.serviceDeploymentArn!, /^arn:aws:ecs:us-east-1:123456789012:service-deployment\/my-app\/my-app-service\/[\w-]+$/);
    const [failed] = (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [serviceDeployments![0]!.serviceDeploymentArn!] }))).serviceDeployments!;
    assert.equal(failed!.deploymentCircuitBreaker!.status, 'TRIGGERED');
    assert.equal(failed!.deploymentCircuitBreaker!.threshold, 3);
    assert.ok(failed!.deploymentCircuitBreaker!.failureCount! >= 3);
    assert.equal(failed!.rollback!.reason, 'ECS deployment circuit breaker: tasks failed to start.');
    const revisions = await ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [failed!.targetServiceRevision!.arn!, failed!.rollback!.serviceRevisionArn!] }));
    assert.deepEqual(revisions.serviceRevisions!.map((r) => r.taskDefinition!.split('/').pop()), ['my-app:3', 'my-app:2']);
    assert.equal(revisions.serviceRevisions![1]!.containerImages![0]!.image, image);
    await assert.rejects(ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: failed!.serviceDeploymentArn! })), { name: 'ConflictException' });
    const missing = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [failed!.serviceDeploymentArn!.replace(/[\w-]+$/, 'nope')] }));
    assert.equal(missing.failures![0]!.reason, 'MISSING');

    // A new rollout, stopped while in progress: ECS rolls back to revision 2.
    await wharf.aws(['ecs', 'update-service', '--cluster', 'my-app', '--service', service, '--task-definition', 'my-app:1']);
    const [inProgress] = (await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'my-app', service, status: ['IN_PROGRESS'] }))).serviceDeployments!;
    assert.ok(inProgress, 'the new service deployment is IN_PROGRESS');
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: inProgress.serviceDeploymentArn!, stopType: 'ROLLBACK' }));
    const stable = await steady('my-app', service);
    assert.ok(stable.taskDefinition.endsWith('my-app:2'), stable.taskDefinition);
    const [after] = (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [inProgress.serviceDeploymentArn!] }))).serviceDeployments!;
    assert.equal(after!.status, 'ROLLBACK_SUCCESSFUL');
  });

  test('desired count changes scale without a new deployment; delete refuses, then drains to INACTIVE', async () => {
    const before = await describeService('my-app', 'my-app-service');
    await wharf.aws(['ecs', 'update-service', '--cluster', 'my-app', '--service', 'my-app-service', '--desired-count', '3']);
    const scaled = await steady('my-app', 'my-app-service');
    assert.equal(scaled.runningCount, 3);
    assert.equal(scaled.deployments[0].id, before.deployments[0].id);

    const refused = await wharf.awsFails(['ecs', 'delete-service', '--cluster', 'my-app', '--service', 'my-app-service']);
    assert.match(refused.stderr, /InvalidParameterException.*The service cannot be stopped while it is scaled above 0\./);
    const deleted = await wharf.aws(['ecs', 'delete-service', '--cluster', 'my-app', '--service', 'my-app-service', '--force']);
    assert.equal(deleted.service.status, 'DRAINING');
    await wharf.aws(['ecs', 'wait', 'services-inactive', '--cluster', 'my-app', '--services', 'my-app-service']);
    const inactive = await describeService('my-app', 'my-app-service');
    assert.equal(inactive.status, 'INACTIVE');
    assert.deepEqual(await serviceTasks('my-app', 'my-app-service'), []);
    const stopped = await serviceTasks('my-app', 'my-app-service', 'STOPPED');
    assert.ok(stopped.filter((t) => t.taskDefinitionArn.endsWith(':2')).every((t) => t.lastStatus === 'STOPPED'));
    const { serviceArns } = await wharf.aws(['ecs', 'list-services', '--cluster', 'my-app']);
    assert.deepEqual(serviceArns, []);
  });

  test('bad requests get the ECS answers', async () => {
    await wharf.aws(['ecs', 'create-service', '--cluster', 'my-app', '--service-name', 'twice', '--task-definition', 'my-app:1', '--desired-count', '0', '--launch-type', 'FARGATE', '--network-configuration', SEED_NETWORK]);
    const cases: [string[], RegExp][] = [
      [['create-service', '--cluster', 'my-app', '--service-name', 'twice', '--task-definition', 'my-app:1', '--desired-count', '0', '--launch-type', 'FARGATE', '--network-configuration', SEED_NETWORK], /InvalidParameterException.*Creation of service was not idempotent\./],
      [['create-service', '--cluster', 'my-app', '--service-name', 'nonet', '--task-definition', 'my-app:1', '--desired-count', '1', '--launch-type', 'FARGATE'], /InvalidParameterException.*Network Configuration must be provided when networkMode 'awsvpc' is specified\./],
      [['create-service', '--cluster', 'my-app', '--service-name', 'both', '--task-definition', 'my-app:1', '--desired-count', '1', '--launch-type', 'FARGATE', '--capacity-provider-strategy', 'capacityProvider=FARGATE,weight=1', '--network-configuration', SEED_NETWORK], /Specifying both a launch type and capacity provider strategy is not supported/],
      [['create-service', '--cluster', 'my-app', '--service-name', 'nodef', '--task-definition', 'nope:1', '--desired-count', '1', '--launch-type', 'FARGATE', '--network-configuration', SEED_NETWORK], /InvalidParameterException.*TaskDefinition not found\./],
      [['create-service', '--cluster', 'nocluster', '--service-name', 'x', '--task-definition', 'my-app:1', '--desired-count', '1'], /ClusterNotFoundException/],
      [['update-service', '--cluster', 'my-app', '--service', 'ghost', '--desired-count', '1'], /ServiceNotFoundException.*Service not found\./],
      [['update-service', '--cluster', 'my-app', '--service', 'twice', '--desired-count', '-1'], /InvalidParameterException/],
      [['delete-service', '--cluster', 'my-app', '--service', 'ghost'], /ServiceNotFoundException/],
    ];
    for (const [args, expected] of cases) {
      const failure = await wharf.awsFails(['ecs', ...args]);
      assert.equal(failure.code, 254, args.join(' '));
      assert.match(failure.stderr, expected, args.join(' '));
    }
    const { failures } = await wharf.aws(['ecs', 'describe-services', '--cluster', 'my-app', '--services', 'ghost']);
    assert.deepEqual(failures, [{ arn: 'arn:aws:ecs:us-east-1:123456789012:service/my-app/ghost', reason: 'MISSING' }]);
    await wharf.aws(['ecs', 'delete-service', '--cluster', 'my-app', '--service', 'twice']);
  });
});
