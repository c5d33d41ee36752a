import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  ContinueServiceDeploymentCommand,
  CreateServiceCommand,
  DescribeServiceDeploymentsCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type DeploymentConfiguration,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DEFAULT_KEY } from '../cli/config.js';
import { describeOneService, isSteady, serviceTasksOf, startTestWharf, waitFor, type TestWharf } from './harness.js';
import { ensureTestImage } from './test-images.js';

// One minute of ECS time is one second: bake times and step times follow; ELB's health checks keep their own (5 s) interval.
const TIME_SCALE = '60';
const CLUSTER = 'bg-cluster';
const SERVICE = 'web';
const ROLE = 'arn:aws:iam::000000000000:role/ecsInfrastructureRoleForLoadBalancers';
const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-aaa', 'subnet-bbb'], securityGroups: ['sg-web'], assignPublicIp: 'DISABLED' as const } };

/** busybox httpd on 8080 answering its VERSION at `/` and ok at `/health`. */
const SERVER = 'mkdir -p /www && echo "$VERSION" > /www/index.html && echo ok > /www/health && exec httpd -f -p 8080 -h /www';

describe('BLUE_GREEN, LINEAR and CANARY deployments behind a real Application Load Balancer', () => {
  let wharf: TestWharf;
  let elb: ElasticLoadBalancingV2Client;
  let cw: CloudWatchClient;
  let image: string;
  let blueGroup: string;
  let greenGroup: string;
  let productionRule: string;
  let testRule: string;
  let productionUrl: string;
  let testUrl: string;
  const revisions: Record<string, string> = {};

  const ecs = () => wharf.ecs();

  async function register(version: string): Promise<string> {
    const out = await ecs().send(
      new RegisterTaskDefinitionCommand({
        family: 'web',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'app', image, command: ['sh', '-c', SERVER], environment: [{ name: 'VERSION', value: version }], portMappings: [{ containerPort: 8080, protocol: 'tcp' }], stopTimeout: 2 }],
      }),
    );
    revisions[version] = out.taskDefinition!.taskDefinitionArn!;
    return revisions[version]!;
  }

  const loadBalancers = () => [
    { targetGroupArn: blueGroup, containerName: 'app', containerPort: 8080, advancedConfiguration: { alternateTargetGroupArn: greenGroup, productionListenerRule: productionRule, testListenerRule: testRule, roleArn: ROLE } },
  ];

  async function answer(url: string): Promise<string> {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    const body = (await response.text()).trim();
    if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${body}`);
    return body;
  }

  async function answers(url: string, count: number): Promise<Record<string, number>> {
    const seen: Record<string, number> = {};
    for (let i = 0; i < count; i++) {
      const body = await answer(url);
      seen[body] = (seen[body] ?? 0) + 1;
    }
    return seen;
  }

  /** Request loops still going: a test that fails before it stops its loop must not leave it hammering a closed port. */
  const loops = new Set<{ stop: () => Promise<void> }>();

  /** Requests production without pause until stopped; every failure is kept (the first thousand of them). */
  function requestLoop() {
    const failures: string[] = [];
    const seen: Record<string, number> = {};
    let running = true;
    const done = (async () => {
      while (running) {
        try {
          const body = await answer(productionUrl);
          seen[body] = (seen[body] ?? 0) + 1;
        } catch (error) {
          if (failures.length < 1000) failures.push(String(error));
        }
      }
    })();
    const loop = {
      failures,
      seen,
      stop: async () => {
        running = false;
        loops.delete(loop);
        await done;
      },
    };
    loops.add(loop);
    return loop;
  }

  async function currentDeployment(): Promise<ServiceDeployment> {
    const arn = (await describeOneService(ecs(), CLUSTER, SERVICE)).currentServiceDeployment!;
    const out = await ecs().send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }));
    return out.serviceDeployments![0]!;
  }

  const waitForDeployment = (done: (d: ServiceDeployment) => boolean, what: string, timeoutMs = 60_000) => waitFor(currentDeployment, done, timeoutMs, what);

  async function update(version: string, deploymentConfiguration: DeploymentConfiguration): Promise<void> {
    await ecs().send(new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, taskDefinition: revisions[version]!, deploymentConfiguration }));
  }

  async function runningRevisions(): Promise<string[]> {
    const tasks = await serviceTasksOf(ecs(), CLUSTER, SERVICE);
    return [...new Set(tasks.map((t) => t.taskDefinitionArn!))];
  }

  /** The production rule's weights, as ELBv2 describes them (sorted): a share is measured only within one step. */
  async function weights(): Promise<number[]> {
    const [rule] = (await elb.send(new DescribeRulesCommand({ RuleArns: [productionRule] }))).Rules!;
    return (rule!.Actions![0]!.ForwardConfig?.TargetGroups ?? []).map((group) => group.Weight ?? 0).sort((a, b) => a - b);
  }

  /** Answers per version over `count` sampled requests and every request the loop made meanwhile. */
  async function shareWindow(loop: ReturnType<typeof requestLoop>, count: number, versions: readonly string[]): Promise<Record<string, number>> {
    const loopBefore = { ...loop.seen };
    const sampled = await answers(productionUrl, count);
    const window: Record<string, number> = {};
    for (const version of versions) window[version] = (sampled[version] ?? 0) + (loop.seen[version] ?? 0) - (loopBefore[version] ?? 0);
    return window;
  }

  before(async () => {
    image = await ensureTestImage();
    wharf = await startTestWharf({ WHARF_TIME_SCALE: TIME_SCALE });
    const config = { endpoint: wharf.endpoint, region: 'us-east-1', credentials: { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey }, maxAttempts: 1 };
    elb = new ElasticLoadBalancingV2Client(config);
    cw = new CloudWatchClient(config);
    await wharf.aws(['ecs', 'create-cluster', '--cluster-name', CLUSTER]);
    await register('v1');
    const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'bg-alb', Type: 'application', Subnets: ['subnet-aaa', 'subnet-bbb'], SecurityGroups: ['sg-alb'] }))).LoadBalancers![0]!;
    const group = async (name: string) => {
      const created = await elb.send(
        new CreateTargetGroupCommand({ Name: name, Protocol: 'HTTP', Port: 8080, VpcId: lb.VpcId!, TargetType: 'ip', HealthCheckPath: '/health', HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2 }),
      );
      const arn = created.TargetGroups![0]!.TargetGroupArn!;
      await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '3' }] }));
      return arn;
    };
    blueGroup = await group('blue-tg');
    greenGroup = await group('green-tg');
    // Production on :80 forwards to blue, test traffic on :9000 to green; ECS rewrites the listeners' default rules.
    const production = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn!, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: blueGroup }] }))).Listeners![0]!;
    const testListener = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn!, Protocol: 'HTTP', Port: 9000, DefaultActions: [{ Type: 'forward', TargetGroupArn: greenGroup }] }))).Listeners![0]!;
    const defaultRule = async (listenerArn: string) => (await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules!.find((r) => r.IsDefault)!.RuleArn!;
    productionRule = await defaultRule(production.ListenerArn!);
    testRule = await defaultRule(testListener.ListenerArn!);
    const served = await waitFor(
      async () => ((await (await fetch(`${wharf.endpoint}/_wharf/load-balancers`)).json()) as { listeners: { loadBalancerName: string; port: number; boundHost: string; boundPort: number }[] }).listeners,
      (listeners) => listeners.filter((l) => l.loadBalancerName === 'bg-alb').length === 2,
      30_000,
      'both listeners served',
    );
    const url = (port: number) => {
      const listener = served.find((l) => l.loadBalancerName === 'bg-alb' && l.port === port)!;
      return `http://${listener.boundHost}:${listener.boundPort}/`;
    };
    productionUrl = url(80);
    testUrl = url(9000);
  });
  after(async () => {
    await Promise.all([...loops].map((loop) => loop.stop()));
    await wharf?.stop();
  });

  test('the strategy members are checked as ECS checks them', async () => {
    const refused = async (input: Record<string, unknown>, pattern: RegExp) => {
      await assert.rejects(ecs().send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: 'bad', taskDefinition: revisions.v1!, desiredCount: 1, launchType: 'FARGATE', networkConfiguration: NETWORK, ...input })), (error: Error) => {
        assert.match(error.message, pattern);
        return true;
      });
    };
    await refused({ deploymentConfiguration: { strategy: 'BLUE_GREEN' }, loadBalancers: [{ targetGroupArn: blueGroup, containerName: 'app', containerPort: 8080 }] }, /advancedConfiguration/);
    await refused({ deploymentConfiguration: { strategy: 'BLUE_GREEN', linearConfiguration: { stepPercent: 10, stepBakeTimeInMinutes: 1 } } }, /LINEAR/);
    await refused({ deploymentConfiguration: { strategy: 'BLUE_GREEN', lifecycleHooks: [{ targetType: 'AWS_LAMBDA', hookTargetArn: 'arn:aws:lambda:us-east-1:000000000000:function:f', roleArn: ROLE, lifecycleStages: ['POST_SCALE_UP'] }] } }, /AWS_LAMBDA/);
    await refused({ deploymentConfiguration: { strategy: 'BLUE_GREEN' }, loadBalancers: [{ ...loadBalancers()[0]!, advancedConfiguration: { ...loadBalancers()[0]!.advancedConfiguration, alternateTargetGroupArn: blueGroup.replace('blue-tg', 'none-tg') } }] }, /target group/);
  });

  test('blue/green: green beside blue, test traffic first, a PAUSE hook, production at once with no failed request, blue scales in after the bake', async () => {
    await ecs().send(
      new CreateServiceCommand({
        cluster: CLUSTER,
        serviceName: SERVICE,
        taskDefinition: revisions.v1!,
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: NETWORK,
        loadBalancers: loadBalancers(),
        deploymentConfiguration: {
          strategy: 'BLUE_GREEN',
          bakeTimeInMinutes: 2,
          lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'], timeoutConfiguration: { timeoutInMinutes: 120, action: 'ROLLBACK' } }],
        },
      }),
    );
    await waitFor(() => describeOneService(ecs(), CLUSTER, SERVICE), isSteady, 60_000, 'blue steady');
    await waitFor(() => answers(productionUrl, 4).catch((): Record<string, number> => ({})), (seen) => seen.v1 === 4, 30_000, 'production answering v1');

    await register('v2');
    const loop = requestLoop();
    await update('v2', {});
    const paused = await waitForDeployment((d) => d.lifecycleStage === 'POST_TEST_TRAFFIC_SHIFT' && d.lifecycleHookDetails?.[0]?.status === 'AWAITING_ACTION', 'the hook awaiting action');
    assert.equal(paused.status, 'IN_PROGRESS');
    assert.deepEqual(await answers(testUrl, 6), { v2: 6 }, 'the test listener reaches green');
    assert.deepEqual(await answers(productionUrl, 6), { v1: 6 }, 'production still on blue');
    assert.deepEqual((await runningRevisions()).sort(), [revisions.v1, revisions.v2].sort(), 'both up');

    await ecs().send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: paused.serviceDeploymentArn!, hookId: paused.lifecycleHookDetails![0]!.hookId!, action: 'CONTINUE' }));
    await waitForDeployment((d) => d.lifecycleStage === 'BAKE_TIME', 'the bake');
    assert.deepEqual(await answers(productionUrl, 6), { v2: 6 }, 'production on green during the bake');
    assert.equal((await runningRevisions()).length, 2, 'blue stays up through the bake');
    const finished = await waitForDeployment((d) => d.status === 'SUCCESSFUL', 'the deployment successful');
    assert.equal(finished.lifecycleStage, 'CLEAN_UP');
    await loop.stop();
    assert.deepEqual(loop.failures, [], 'no failed request through the deployment');
    assert.ok((loop.seen.v1 ?? 0) > 0 && (loop.seen.v2 ?? 0) > 0, `both versions answered: ${JSON.stringify(loop.seen)}`);
    await waitFor(runningRevisions, (running) => running.length === 1 && running[0] === revisions.v2, 30_000, "blue's tasks stopped");
  });

  test("linear: production moves in steps (green's share follows them), and the roles of the target groups swap", async () => {
    await register('v3');
    const loop = requestLoop();
    await update('v3', { strategy: 'LINEAR', linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 20 }, bakeTimeInMinutes: 0 });
    await waitForDeployment((d) => d.lifecycleStage === 'PRODUCTION_TRAFFIC_SHIFT', 'the first step', 60_000);
    const even = (w: number[]) => w.length === 2 && w[0]! > 0 && w[0] === w[1];
    const split = await waitFor(weights, even, 30_000, 'the production rule split evenly');
    // The split is smooth weighted round robin, deterministic over all of the listener's requests: with the
    // request loop interleaving, this sampler alone could see only one side. So the share is counted over
    // every request of the window, the loop's and the sampler's together.
    const window = await shareWindow(loop, 40, ['v2', 'v3']);
    const total = window.v2! + window.v3!;
    assert.deepEqual(await weights(), split, 'the window lay within the 50% step');
    assert.ok(Math.abs(window.v3! / total - 0.5) <= 0.1, `about half v3 at the 50% step over ${total} requests: ${JSON.stringify(window)}`);
    await waitForDeployment((d) => d.status === 'SUCCESSFUL', 'the linear deployment successful', 60_000);
    assert.deepEqual(await answers(productionUrl, 6), { v3: 6 });
    await loop.stop();
    assert.deepEqual(loop.failures, [], 'no failed request through the linear deployment');
  });

  test('an alarm in ALARM during the bake rolls production back to the old version', async () => {
    await cw.send(
      new PutMetricAlarmCommand({ AlarmName: 'web-5xx', Namespace: 'AWS/ApplicationELB', MetricName: 'HTTPCode_Target_5XX_Count', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'ignore' }),
    );
    await register('v4');
    const loop = requestLoop();
    await update('v4', { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 1 }, bakeTimeInMinutes: 120, alarms: { alarmNames: ['web-5xx'], enable: true, rollback: true } });
    await waitForDeployment((d) => d.lifecycleStage === 'BAKE_TIME', 'the bake', 60_000);
    assert.deepEqual(await answers(productionUrl, 4), { v4: 4 });
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'web-5xx', StateValue: 'ALARM', StateReason: 'test: 5xx answers' }));
    const rolledBack = await waitForDeployment((d) => d.status === 'ROLLBACK_SUCCESSFUL', 'the rollback', 60_000);
    assert.deepEqual(rolledBack.alarms?.triggeredAlarmNames, ['web-5xx']);
    assert.equal(rolledBack.alarms?.status, 'TRIGGERED');
    assert.deepEqual(await answers(productionUrl, 6), { v3: 6 }, 'production back on the old version');
    await loop.stop();
    assert.deepEqual(loop.failures, [], 'no failed request through the rollback');
    const service = await describeOneService(ecs(), CLUSTER, SERVICE);
    assert.equal(service.taskDefinition, revisions.v3);
    await waitFor(runningRevisions, (running) => running.length === 1 && running[0] === revisions.v3, 30_000, "green's tasks stopped");
  });

  test('canary: a deployment begun with its alarm in ALARM rolls back at once; then 10% of production reaches green through the canary bake, then all of it', async () => {
    await register('v5');
    const loop = requestLoop();
    // web-5xx is still in ALARM from the test before, and UpdateService keeps the alarms configuration it is not given.
    await update('v5', { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 20 }, bakeTimeInMinutes: 0 });
    const refused = await waitForDeployment((d) => d.status === 'ROLLBACK_SUCCESSFUL', 'the rollback of a deployment begun in ALARM', 30_000);
    assert.deepEqual(refused.alarms?.triggeredAlarmNames, ['web-5xx']);
    assert.equal((await describeOneService(ecs(), CLUSTER, SERVICE)).taskDefinition, revisions.v3);

    await update('v5', { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 20 }, bakeTimeInMinutes: 0, alarms: { alarmNames: ['web-5xx'], enable: false, rollback: false } });
    const canary = await waitFor(weights, (w) => w.length === 2 && w[0]! > 0 && Math.abs(w[0]! * 9 - w[1]!) <= 9, 60_000, 'the production rule at the canary split');
    // Counted over every request of the window (smooth weighted round robin is exact over the listener's requests).
    const window = await shareWindow(loop, 500, ['v3', 'v5']);
    const total = window.v3! + window.v5!;
    assert.deepEqual(await weights(), canary, 'the window lay within the canary step');
    assert.ok(Math.abs(window.v5! / total - 0.1) <= 0.03, `about 10% v5 at the canary step over ${total} requests: ${JSON.stringify(window)}`);
    await waitForDeployment((d) => d.status === 'SUCCESSFUL', 'the canary deployment successful', 90_000);
    assert.deepEqual(await answers(productionUrl, 6), { v5: 6 });
    await loop.stop();
    assert.deepEqual(loop.failures, [], 'no failed request through the canary deployment');
  });

  test('ContinueServiceDeployment ROLLBACK at a PAUSE hook: production stays on blue, green scales in', async () => {
    await register('v6');
    const loop = requestLoop();
    await update('v6', {
      strategy: 'BLUE_GREEN',
      bakeTimeInMinutes: 0,
      alarms: { alarmNames: ['web-5xx'], enable: false, rollback: false },
      lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'], timeoutConfiguration: { timeoutInMinutes: 120, action: 'CONTINUE' } }],
    });
    const paused = await waitForDeployment((d) => d.lifecycleStage === 'POST_TEST_TRAFFIC_SHIFT' && d.lifecycleHookDetails?.[0]?.status === 'AWAITING_ACTION', 'the hook awaiting action');
    assert.deepEqual(await answers(testUrl, 4), { v6: 4 }, 'the test listener reaches green');
    await ecs().send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: paused.serviceDeploymentArn!, hookId: paused.lifecycleHookDetails![0]!.hookId!, action: 'ROLLBACK' }));
    await waitForDeployment((d) => d.status === 'ROLLBACK_SUCCESSFUL', 'the rollback', 60_000);
    assert.deepEqual(await answers(productionUrl, 6), { v5: 6 }, 'production never left blue');
    assert.equal((await describeOneService(ecs(), CLUSTER, SERVICE)).taskDefinition, revisions.v5);
    await waitFor(runningRevisions, (running) => running.length === 1 && running[0] === revisions.v5, 30_000, "green's tasks stopped");
    await loop.stop();
    assert.deepEqual(loop.failures, [], 'no failed request through the rollback');
    assert.equal(loop.seen.v6 ?? 0, 0, 'production never answered from green');
  });
});
