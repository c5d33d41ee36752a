import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescribeTasksCommand, type Task } from '@aws-sdk/client-ecs';
import { describeOneService, docker, isSteady, servedListenerUrl, serviceTasksOf, startTestWharf, waitFor, type TestWharf } from './harness.js';
import { ensureTestImage } from './test-images.js';

// ECS's waits (the health-check grace period, launch back-off) become a twentieth; the target group's settings are the test's.
const TIME_SCALE = '20';
const CLUSTER = 'lb-cluster';
const SERVICE = 'web';
const NETWORK = '{"awsvpcConfiguration":{"subnets":["subnet-aaa","subnet-bbb"],"securityGroups":["sg-web"],"assignPublicIp":"DISABLED"}}';
/** Seconds a target drains after deregistration; the slow page takes less, a stop without draining (stopTimeout 2) less still. */
const DEREGISTRATION_DELAY = 6;
const SLOW_SECONDS = 4;

/**
 * busybox httpd on 8080: `/` names the container (each task has its own
 * hostname), `/health` is a file a test can delete, and `/cgi-bin/slow`
 * answers after a few seconds. httpd runs as PID 1 and ignores SIGTERM, so
 * a stop that does not wait for draining kills it after stopTimeout.
 */
const SERVER = [
  'mkdir -p /www/cgi-bin',
  'echo "task $(hostname)" > /www/index.html',
  'echo ok > /www/health',
  // CGI headers end in CRLF, or an HTTP client (the proxy) refuses the answer.
  `printf '#!/bin/sh\\nsleep ${SLOW_SECONDS}\\nprintf "Content-Type: text/plain\\\\r\\\\n\\\\r\\\\nslow done\\\\n"\\n' > /www/cgi-bin/slow`,
  'chmod +x /www/cgi-bin/slow',
  'exec httpd -f -p 8080 -h /www',
].join(' && ');

const taskIp = (task: Task) => task.attachments?.[0]?.details?.find((d) => d.name === 'privateIPv4Address')?.value;

describe('ECS services behind an Application Load Balancer', () => {
  let wharf: TestWharf;
  let targetGroupArn: string;
  let lonelyGroupArn: string;
  let listenerUrl: string;

  before(async () => {
    const image = await ensureTestImage();
    wharf = await startTestWharf({ WHARF_TIME_SCALE: TIME_SCALE });
    await wharf.aws(['ecs', 'create-cluster', '--cluster-name', CLUSTER]);
    const definition = {
      family: 'web',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image, command: ['sh', '-c', SERVER], portMappings: [{ containerPort: 8080, protocol: 'tcp' }], stopTimeout: 2 }],
    };
    await wharf.aws(['ecs', 'register-task-definition', '--cli-input-json', JSON.stringify(definition)]);

    const lb = (await wharf.aws(['elbv2', 'create-load-balancer', '--name', 'my-alb', '--type', 'application', '--subnets', 'subnet-aaa', 'subnet-bbb', '--security-groups', 'sg-alb'])).LoadBalancers[0];
    const group = await wharf.aws([
      'elbv2', 'create-target-group', '--name', 'web-tg', '--protocol', 'HTTP', '--port', '8080', '--vpc-id', lb.VpcId, '--target-type', 'ip',
      '--health-check-path', '/health', '--health-check-interval-seconds', '5', '--health-check-timeout-seconds', '2', '--healthy-threshold-count', '2', '--unhealthy-threshold-count', '2',
    ]);
    targetGroupArn = group.TargetGroups[0].TargetGroupArn;
    await wharf.aws(['elbv2', 'modify-target-group-attributes', '--target-group-arn', targetGroupArn, '--attributes', `Key=deregistration_delay.timeout_seconds,Value=${DEREGISTRATION_DELAY}`]);
    await wharf.aws(['elbv2', 'create-listener', '--load-balancer-arn', lb.LoadBalancerArn, '--protocol', 'HTTP', '--port', '80', '--default-actions', `Type=forward,TargetGroupArn=${targetGroupArn}`]);
    const lonely = await wharf.aws(['elbv2', 'create-target-group', '--name', 'lonely-tg', '--protocol', 'HTTP', '--port', '8080', '--vpc-id', lb.VpcId, '--target-type', 'ip']);
    lonelyGroupArn = lonely.TargetGroups[0].TargetGroupArn;

    listenerUrl = await servedListenerUrl(wharf, 'my-alb', 80);
  });
  after(() => wharf.stop());

  const ecs = () => wharf.ecs();
  const service = () => describeOneService(ecs(), CLUSTER, SERVICE);
  const messages = async () => ((await service()).events ?? []).map((e) => e.message!);

  /** One request through the listener: its status and body, or status 0 when the connection failed. */
  async function get(path: string): Promise<{ status: number; body: string }> {
    try {
      const response = await fetch(listenerUrl + path, { signal: AbortSignal.timeout(20_000) });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      return { status: 0, body: String(error) };
    }
  }

  async function targetHealth(): Promise<{ Target: { Id: string; Port: number }; TargetHealth: { State: string } }[]> {
    return (await wharf.aws(['elbv2', 'describe-target-health', '--target-group-arn', targetGroupArn])).TargetHealthDescriptions;
  }

  const steady = (what: string) => waitFor(service, (s) => isSteady(s) && s.runningCount === s.desiredCount, 90_000, what);

  test('CreateService checks the target group and the container as ECS does', async () => {
    const create = (loadBalancers: unknown) => [
      'ecs', 'create-service', '--cluster', CLUSTER, '--service-name', 'refused', '--task-definition', 'web', '--desired-count', '1',
      '--launch-type', 'FARGATE', '--network-configuration', NETWORK, '--load-balancers', JSON.stringify(loadBalancers),
    ];
    const missing = targetGroupArn.replace(/\/[0-9a-f]{16}$/, '/0000000000000000');
    const cases: [unknown, string][] = [
      [[{ targetGroupArn: missing, containerName: 'app', containerPort: 8080 }], `Unable to find target group ${missing}.`],
      [[{ targetGroupArn: lonelyGroupArn, containerName: 'app', containerPort: 8080 }], `The target group with targetGroupArn ${lonelyGroupArn} does not have an associated load balancer.`],
      [[{ targetGroupArn, containerName: 'app', containerPort: 80 }], 'The container app did not have a container port 80 defined.'],
      [[{ targetGroupArn, containerName: 'db', containerPort: 8080 }], 'The container db does not exist in the task definition.'],
    ];
    for (const [loadBalancers, message] of cases) {
      const { stderr } = await wharf.awsFails(create(loadBalancers));
      assert.match(stderr, /InvalidParameterException/);
      assert.ok(stderr.includes(message), stderr);
    }
    const { serviceArns } = await wharf.aws(['ecs', 'list-services', '--cluster', CLUSTER]);
    assert.deepEqual(serviceArns, [], 'nothing was created');
  });

  test('a two-task service behind the listener: both tasks answer, both targets healthy under the tasks’ addresses', async () => {
    const created = await wharf.aws([
      'ecs', 'create-service', '--cluster', CLUSTER, '--service-name', SERVICE, '--task-definition', 'web', '--desired-count', '2',
      '--launch-type', 'FARGATE', '--network-configuration', NETWORK, '--health-check-grace-period-seconds', '30',
      '--load-balancers', JSON.stringify([{ targetGroupArn, containerName: 'app', containerPort: 8080 }]),
    ]);
    assert.deepEqual(created.service.loadBalancers, [{ targetGroupArn, containerName: 'app', containerPort: 8080 }]);
    assert.equal(created.service.healthCheckGracePeriodSeconds, 30);
    const stable = await steady('the service steady behind its target group');
    assert.deepEqual(stable.loadBalancers, [{ targetGroupArn, containerName: 'app', containerPort: 8080 }]);

    const tasks = await serviceTasksOf(ecs(), CLUSTER, SERVICE);
    const ips = tasks.map(taskIp).sort();
    assert.equal(ips.length, 2);
    const health = await targetHealth();
    assert.deepEqual(health.map((d) => d.Target.Id).sort(), ips);
    assert.ok(health.every((d) => d.Target.Port === 8080 && d.TargetHealth.State === 'healthy'), JSON.stringify(health));
    const events = await messages();
    assert.ok(events.some((m) => m === `(service ${SERVICE}) registered 1 targets in (target-group ${targetGroupArn})` || m === `(service ${SERVICE}) registered 2 targets in (target-group ${targetGroupArn})`), events.join('\n'));

    const seen = new Set<string>();
    await waitFor(
      async () => {
        const answer = await get('/');
        assert.equal(answer.status, 200, answer.body);
        seen.add(answer.body.trim());
        return seen.size;
      },
      (size) => size === 2,
      30_000,
      'answers from both tasks',
    );
  });

  test('a rolling deployment under steady requests fails none of them', async () => {
    const before = new Set((await serviceTasksOf(ecs(), CLUSTER, SERVICE)).map((t) => t.taskArn));
    await wharf.aws(['ecs', 'update-service', '--cluster', CLUSTER, '--service', SERVICE, '--force-new-deployment']);
    const failures: string[] = [];
    let requests = 0;
    let rolled = false;
    const load = (async () => {
      while (!rolled) {
        const answer = await get('/');
        requests += 1;
        if (answer.status !== 200) failures.push(`${answer.status} ${answer.body}`);
      }
    })();
    try {
      await waitFor(
        async () => ({ service: await service(), tasks: await serviceTasksOf(ecs(), CLUSTER, SERVICE) }),
        ({ service: s, tasks }) => isSteady(s) && tasks.length === 2 && tasks.every((t) => !before.has(t.taskArn)),
        120_000,
        'the new deployment completed and the old tasks gone',
      );
      // The old tasks drained and stopped, not merely left.
      await waitFor(() => serviceTasksOf(ecs(), CLUSTER, SERVICE, 'STOPPED'), (stopped) => [...before].every((arn) => stopped.some((t) => t.taskArn === arn && t.lastStatus === 'STOPPED')), 60_000, 'the old tasks STOPPED');
    } finally {
      rolled = true;
      await load;
    }
    assert.ok(requests > 10, `only ${requests} requests were sent`);
    assert.deepEqual(failures, [], `${failures.length} of ${requests} requests failed`);
    const events = await messages();
    assert.ok(events.includes(`(service ${SERVICE}) has begun draining connections on 1 tasks.`) || events.includes(`(service ${SERVICE}) has begun draining connections on 2 tasks.`), events.join('\n'));
    assert.ok(events.some((m) => m.startsWith(`(service ${SERVICE}) deregistered `) && m.endsWith(`targets in (target-group ${targetGroupArn})`)), events.join('\n'));
  });

  test('a task failing its ELB health checks is replaced (the replacement first), drained and stopped with ECS’s reason', async () => {
    const before = await serviceTasksOf(ecs(), CLUSTER, SERVICE);
    const [victim] = before;
    await docker(['exec', victim!.containers![0]!.runtimeId!, 'rm', '/www/health']);
    const stopped = await waitFor(
      async () => (await serviceTasksOf(ecs(), CLUSTER, SERVICE, 'STOPPED')).find((t) => t.taskArn === victim!.taskArn),
      (task) => task?.lastStatus === 'STOPPED',
      60_000,
      'the unhealthy task stopped',
    );
    assert.equal(stopped!.stopCode, 'ServiceSchedulerInitiated');
    assert.equal(stopped!.stoppedReason, `Task failed ELB health checks in (target-group ${targetGroupArn})`);
    const stable = await steady('a replacement running and healthy');
    assert.equal(stable.runningCount, 2);
    const running = await serviceTasksOf(ecs(), CLUSTER, SERVICE);
    assert.ok(!running.some((t) => t.taskArn === victim!.taskArn));
    // As ECS does it: the replacement was up before the unhealthy task was told to stop.
    const replacement = running.find((t) => !before.some((b) => b.taskArn === t.taskArn));
    assert.ok(replacement?.startedAt && stopped!.stoppingAt && replacement.startedAt <= stopped!.stoppingAt, `replacement started ${String(replacement?.startedAt)}, the unhealthy task stopping ${String(stopped!.stoppingAt)}`);
    const events = await messages();
    assert.ok(
      events.includes(`(service ${SERVICE}) (port 8080) is unhealthy in (target-group ${targetGroupArn}) due to (reason Health checks failed with these codes: [404]).`),
      events.join('\n'),
    );
    assert.ok(events.some((m) => m.startsWith(`(service ${SERVICE}) has begun draining connections on `)), events.join('\n'));
  });

  test('a task being stopped drains: a slow request in flight completes', async () => {
    await wharf.aws(['ecs', 'update-service', '--cluster', CLUSTER, '--service', SERVICE, '--desired-count', '1']);
    await waitFor(() => serviceTasksOf(ecs(), CLUSTER, SERVICE), (tasks) => tasks.length === 1 && tasks[0]!.lastStatus === 'RUNNING', 60_000, 'one task left');
    // Only the remaining target may still be routed to before a request goes out.
    await waitFor(targetHealth, (health) => health.filter((d) => d.TargetHealth.State !== 'draining').length === 1, 60_000, 'one registered target');
    const [task] = await serviceTasksOf(ecs(), CLUSTER, SERVICE);

    const slow = get('/cgi-bin/slow');
    // The request is on its way to the task once httpd has started the script.
    await waitFor(() => docker(['top', task!.containers![0]!.runtimeId!]), (processes) => processes.includes('sleep'), 10_000, 'the slow request in flight');
    await wharf.aws(['ecs', 'stop-task', '--cluster', CLUSTER, '--task', task!.taskArn!]);
    const draining = await waitFor(
      async () => (await ecs().send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [task!.taskArn!] }))).tasks![0]!,
      (t) => t.lastStatus === 'DEACTIVATING' || t.lastStatus === 'STOPPING' || t.lastStatus === 'STOPPED',
      20_000,
      'the task draining',
    );
    assert.equal(draining.lastStatus, 'DEACTIVATING', 'a load-balanced task drains before it stops');
    const answer = await slow;
    assert.deepEqual(answer, { status: 200, body: 'slow done\n' });
    await steady('a replacement for the stopped task');
  });
});
