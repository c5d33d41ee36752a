import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { DescribeTasksCommand, type Service, type Task } from '@aws-sdk/client-ecs';
import { describeOneService, isSteady, serviceTasksOf, startTestWharf, waitFor, type TestWharf } from './harness.js';
import { ensureTestImage } from './test-images.js';

const run = promisify(execFile);
const WHARF_CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'wharf.js');
// The 40 s health wait is 1.3 s and the two-minute Spot warning 4 s.
const TIME_SCALE = '30';
const CLUSTER = 'capacity';
const network = (subnet: string) => JSON.stringify({ awsvpcConfiguration: { subnets: [subnet], securityGroups: ['sg-12345'], assignPublicIp: 'DISABLED' } });

const subnetOf = (task: Task) => task.attachments?.[0]?.details?.find((d) => d.name === 'subnetId')?.value;
const byProvider = (tasks: readonly Task[]) => {
  const counts: Record<string, number> = {};
  for (const task of tasks) counts[task.capacityProviderName ?? 'none'] = (counts[task.capacityProviderName ?? 'none'] ?? 0) + 1;
  return counts;
};
const strategyOf = (items: readonly { capacityProvider?: string; weight?: number; base?: number }[] | undefined) =>
  (items ?? []).map((item) => ({ capacityProvider: item.capacityProvider, weight: item.weight ?? 0, base: item.base ?? 0 }));

describe('services on capacity providers, Spot interruption and updates without a new task definition (WHARF_TIME_SCALE=30)', () => {
  let wharf: TestWharf;
  before(async () => {
    const image = await ensureTestImage();
    wharf = await startTestWharf({ WHARF_TIME_SCALE: TIME_SCALE });
    await wharf.aws(['ecs', 'create-cluster', '--cluster-name', CLUSTER, '--capacity-providers', 'FARGATE', 'FARGATE_SPOT']);
    await wharf.aws([
      'ecs', 'register-task-definition', '--family', 'sleeper', '--network-mode', 'awsvpc', '--requires-compatibilities', 'FARGATE', '--cpu', '256', '--memory', '512',
      // Exits at once on SIGTERM, so each rolling step is quick.
      '--container-definitions', JSON.stringify([{ name: 'app', image, command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'], stopTimeout: 2 }]),
    ]);
  });
  after(() => wharf.stop());

  const serviceTasks = (cluster: string, service: string) => serviceTasksOf(wharf.ecs(), cluster, service);

  /** One COMPLETED deployment and every desired task RUNNING (the `services-stable` waiter's test, without its 15 s polls). */
  async function steady(cluster: string, service: string, what = `${service} steady`): Promise<{ service: Service; tasks: Task[] }> {
    const stable = await waitFor(() => describeOneService(wharf.ecs(), cluster, service), isSteady, 60_000, what);
    const tasks = await serviceTasks(cluster, service);
    assert.equal(tasks.length, stable.desiredCount, JSON.stringify(tasks.map((t) => [t.taskArn, t.lastStatus])));
    assert.ok(tasks.every((t) => t.lastStatus === 'RUNNING' && t.startedBy === stable.deployments![0]!.id));
    return { service: stable, tasks };
  }

  test('a base and weights spread the service tasks over FARGATE and FARGATE_SPOT; no launchType is shown', async () => {
    const strategy = [
      { capacityProvider: 'FARGATE', weight: 1, base: 1 },
      { capacityProvider: 'FARGATE_SPOT', weight: 3, base: 0 },
    ];
    const created = await wharf.aws([
      'ecs', 'create-service', '--cluster', CLUSTER, '--service-name', 'spread', '--task-definition', 'sleeper', '--desired-count', '5',
      '--capacity-provider-strategy', 'capacityProvider=FARGATE,base=1,weight=1', 'capacityProvider=FARGATE_SPOT,weight=3',
      '--network-configuration', network('subnet-aaa'),
    ]);
    assert.deepEqual(strategyOf(created.service.capacityProviderStrategy), strategy);
    assert.equal(created.service.launchType, undefined);
    const { tasks } = await steady(CLUSTER, 'spread');
    assert.deepEqual(byProvider(tasks), { FARGATE: 2, FARGATE_SPOT: 3 });

    const [shown] = (await wharf.aws(['ecs', 'describe-services', '--cluster', CLUSTER, '--services', 'spread'])).services;
    assert.deepEqual(strategyOf(shown.capacityProviderStrategy), strategy);
    assert.equal(shown.launchType, undefined);
    const [deployment] = shown.deployments;
    assert.deepEqual(strategyOf(deployment.capacityProviderStrategy), strategy);
    assert.equal(deployment.launchType, undefined);
  });

  test('`wharf spot-interrupt --service` interrupts one Spot task; it stops as ECS says and the service starts a replacement', async () => {
    const before = await serviceTasks(CLUSTER, 'spread');
    // 30% of 3 Spot tasks, rounded up: one.
    const { stdout } = await run(process.execPath, [WHARF_CLI, 'spot-interrupt', '--endpoint', wharf.endpoint, '--cluster', CLUSTER, '--service', 'spread', '--percent', '30'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    const victim = stdout.split('\n')[0]!;
    assert.ok(before.some((t) => t.taskArn === victim && t.capacityProviderName === 'FARGATE_SPOT'), stdout);
    assert.match(stdout, /Interrupted 1 Fargate Spot task/);

    const [stopped] = await waitFor(
      async () => (await wharf.ecs().send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [victim] }))).tasks!,
      ([task]) => task?.lastStatus === 'STOPPED',
      60_000,
      'the interrupted task STOPPED',
    );
    assert.equal(stopped!.stopCode, 'SpotInterruption');
    assert.equal(stopped!.stoppedReason, 'Your Spot Task was interrupted.');

    const { service, tasks } = await steady(CLUSTER, 'spread', 'five RUNNING again');
    assert.equal(service.runningCount, 5);
    assert.ok(!tasks.some((t) => t.taskArn === victim));
    const fresh = tasks.filter((t) => !before.some((b) => b.taskArn === t.taskArn));
    assert.equal(fresh.length, 1, 'exactly one replacement');
    assert.equal(fresh[0]!.capacityProviderName, 'FARGATE_SPOT', 'the replacement keeps the 1 + 1:3 spread');
    assert.deepEqual(byProvider(tasks), { FARGATE: 2, FARGATE_SPOT: 3 });
    const newId = fresh[0]!.taskArn!.split('/').pop();
    const messages = service.events!.map((e) => e.message);
    assert.ok(messages.includes(`(service spread) has started 1 tasks: (task ${newId}).`), messages.join('\n'));
  });

  test("with neither launch type nor strategy, a service takes the cluster's default strategy", async () => {
    await wharf.aws(['ecs', 'create-cluster', '--cluster-name', 'spot-default', '--capacity-providers', 'FARGATE', 'FARGATE_SPOT']);
    await wharf.aws([
      'ecs', 'put-cluster-capacity-providers', '--cluster', 'spot-default', '--capacity-providers', 'FARGATE', 'FARGATE_SPOT',
      '--default-capacity-provider-strategy', 'capacityProvider=FARGATE_SPOT,weight=1',
    ]);
    const created = await wharf.aws([
      'ecs', 'create-service', '--cluster', 'spot-default', '--service-name', 'defaulted', '--task-definition', 'sleeper', '--desired-count', '2',
      '--network-configuration', network('subnet-aaa'),
    ]);
    assert.deepEqual(strategyOf(created.service.capacityProviderStrategy), [{ capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 }]);
    assert.equal(created.service.launchType, undefined);
    const { tasks } = await steady('spot-default', 'defaulted');
    assert.deepEqual(byProvider(tasks), { FARGATE_SPOT: 2 });
  });

  test('UpdateService without a new task definition: network, execute command, grace period, forced and platform-version deployments', async () => {
    const update = async (...args: string[]) => (await wharf.aws(['ecs', 'update-service', '--cluster', CLUSTER, '--service', 'updates', ...args])).service;
    await wharf.aws([
      'ecs', 'create-service', '--cluster', CLUSTER, '--service-name', 'updates', '--task-definition', 'sleeper', '--desired-count', '2',
      '--launch-type', 'FARGATE', '--network-configuration', network('subnet-aaa'),
    ]);
    const first = await steady(CLUSTER, 'updates');
    assert.deepEqual(first.tasks.map(subnetOf), ['subnet-aaa', 'subnet-aaa']);

    // A different subnet: a new deployment, whose tasks are in that subnet.
    const moved = await update('--network-configuration', network('subnet-ccc'));
    assert.equal(moved.deployments.length, 2);
    assert.notEqual(moved.deployments[0].id, first.service.deployments![0]!.id);
    assert.equal(moved.deployments[0].status, 'PRIMARY');
    assert.deepEqual(moved.deployments[0].networkConfiguration.awsvpcConfiguration.subnets, ['subnet-ccc']);
    const second = await steady(CLUSTER, 'updates', 'the subnet-ccc deployment');
    assert.equal(second.service.deployments![0]!.id, moved.deployments[0].id);
    assert.deepEqual(second.tasks.map(subnetOf), ['subnet-ccc', 'subnet-ccc']);
    assert.deepEqual(second.service.networkConfiguration!.awsvpcConfiguration!.subnets, ['subnet-ccc']);

    // Execute command alone changes the service, not its tasks: no new deployment.
    const exec = await update('--enable-execute-command');
    assert.equal(exec.enableExecuteCommand, true);
    assert.deepEqual(exec.deployments.map((d: { id: string }) => d.id), [second.service.deployments![0]!.id]);
    const grace = await update('--health-check-grace-period-seconds', '30');
    assert.equal(grace.healthCheckGracePeriodSeconds, 30);
    const [shown] = (await wharf.aws(['ecs', 'describe-services', '--cluster', CLUSTER, '--services', 'updates'])).services;
    assert.equal(shown.enableExecuteCommand, true);
    assert.equal(shown.healthCheckGracePeriodSeconds, 30);
    assert.deepEqual(shown.deployments.map((d: { id: string }) => d.id), [second.service.deployments![0]!.id]);

    // Forced: a new deployment of the same task definition replaces every task (which now get execute command).
    const forced = await update('--force-new-deployment');
    assert.equal(forced.deployments.length, 2);
    assert.equal(forced.deployments[0].taskDefinition, second.service.taskDefinition);
    assert.notEqual(forced.deployments[0].id, second.service.deployments![0]!.id);
    const third = await steady(CLUSTER, 'updates', 'the forced deployment');
    assert.equal(third.service.deployments![0]!.id, forced.deployments[0].id);
    assert.equal(third.service.taskDefinition, second.service.taskDefinition);
    assert.ok(third.tasks.every((t) => !second.tasks.some((s) => s.taskArn === t.taskArn)), 'every task was replaced');
    assert.ok(third.tasks.every((t) => t.enableExecuteCommand === true && subnetOf(t) === 'subnet-ccc'));

    // A platform version: a new deployment on it.
    const platform = await update('--platform-version', '1.4.0');
    assert.equal(platform.deployments.length, 2);
    assert.equal(platform.deployments[0].platformVersion, '1.4.0');
    assert.equal(platform.platformVersion, '1.4.0');
    const fourth = await steady(CLUSTER, 'updates', 'the platform-version deployment');
    assert.equal(fourth.service.deployments![0]!.id, platform.deployments[0].id);
    assert.ok(fourth.tasks.every((t) => !third.tasks.some((s) => s.taskArn === t.taskArn)), 'every task was replaced');
    assert.ok(fourth.tasks.every((t) => t.platformVersion === '1.4.0'), JSON.stringify(fourth.tasks.map((t) => t.platformVersion)));
  });

  test('create-service refuses a launch type together with a capacity provider strategy', async () => {
    const refused = await wharf.awsFails([
      'ecs', 'create-service', '--cluster', CLUSTER, '--service-name', 'both', '--task-definition', 'sleeper', '--desired-count', '1',
      '--launch-type', 'FARGATE', '--capacity-provider-strategy', 'capacityProvider=FARGATE_SPOT,weight=1', '--network-configuration', network('subnet-aaa'),
    ]);
    assert.equal(refused.code, 254);
    assert.match(
      refused.stderr,
      /An error occurred \(InvalidParameterException\) when calling the CreateService operation: Specifying both a launch type and capacity provider strategy is not supported\. Remove one and try again\./,
    );
    const { failures } = await wharf.aws(['ecs', 'describe-services', '--cluster', CLUSTER, '--services', 'both']);
    assert.deepEqual(failures.map((f: { reason: string }) => f.reason), ['MISSING']);
  });
});
