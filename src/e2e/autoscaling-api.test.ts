import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingActivitiesCommand,
  PutScalingPolicyCommand,
  PutScheduledActionCommand,
  TagResourceCommand,
  ListTagsForResourceCommand,
  DescribeScheduledActionsCommand,
  type ScalingActivity,
} from '@aws-sdk/client-application-auto-scaling';
import { SqliteStore } from '../adapters/store-sqlite/sqlite-store.js';
import { DEFAULT_KEY, loadConfig } from '../cli/config.js';
import { ALARM_KIND, type AlarmRecord } from '../domain/cloudwatch/alarm-record.js';
import { startWharf, type RunningWharf } from '../main.js';
import { silentLogger } from '../ports/logger.js';
import { awsAt, describeOneService, ecsClientAt, serviceTasksOf, waitFor } from './harness.js';
import { ensureTestImage } from './test-images.js';

/**
 * Application Auto Scaling through the aws CLI, as the guide uses it, on a
 * real service: registering with a minimum raises the desired count, target
 * tracking makes its two alarms, a scheduled action raises the minimum at its
 * time (after a restart, so the schedule comes from the store) and the tasks follow.
 */
const CLUSTER = 'scaling';
const SERVICE = 'web';
const RESOURCE = `service/${CLUSTER}/${SERVICE}`;
const TARGET = ['--service-namespace', 'ecs', '--scalable-dimension', 'ecs:service:DesiredCount', '--resource-id', RESOURCE];
const scope = { account: '123456789012', region: 'us-east-1' };
const ENV = { WHARF_TIME_SCALE: '30' };

/** The CLI's error line and exit code. */
async function awsError(endpoint: string, home: string, args: string[]): Promise<string> {
  try {
    await awsAt(endpoint, home, args);
  } catch (error) {
    const failure = error as { code?: number; stderr?: string };
    assert.equal(failure.code, 254, failure.stderr);
    return failure.stderr ?? '';
  }
  throw new Error(`aws ${args.join(' ')} succeeded`);
}

describe('Application Auto Scaling of an ECS service through the aws CLI (WHARF_TIME_SCALE=30)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-e2e-autoscaling-'));
  let wharf: RunningWharf;
  let endpoint: string;
  const aws = (args: string[]) => awsAt(endpoint, dataDir, args);
  const scaling = () => new ApplicationAutoScalingClient({ endpoint, region: 'us-east-1', credentials: DEFAULT_KEY, maxAttempts: 1 });
  const ecs = () => ecsClientAt(endpoint);

  async function start(port = '0') {
    wharf = await startWharf(loadConfig({ port, 'data-dir': dataDir }, ENV), silentLogger);
    endpoint = `http://127.0.0.1:${wharf.port}`;
  }

  before(async () => {
    const image = await ensureTestImage();
    await start();
    await aws(['ecs', 'create-cluster', '--cluster-name', CLUSTER]);
    await aws([
      'ecs', 'register-task-definition', '--family', 'web', '--network-mode', 'awsvpc', '--requires-compatibilities', 'FARGATE', '--cpu', '256', '--memory', '512',
      '--container-definitions', JSON.stringify([{ name: 'app', image, command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'], stopTimeout: 2 }]),
    ]);
    await aws([
      'ecs', 'create-service', '--cluster', CLUSTER, '--service-name', SERVICE, '--task-definition', 'web', '--desired-count', '1', '--launch-type', 'FARGATE',
      '--network-configuration', JSON.stringify({ awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'] } }),
    ]);
  });
  after(async () => {
    await fetch(`${endpoint}/_wharf/reset`, { method: 'POST' });
    await wharf.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const runningTasks = async () => (await serviceTasksOf(ecs(), CLUSTER, SERVICE)).filter((task) => task.lastStatus === 'RUNNING');

  test('the guide: register with min 2 (the service scales to 2), a CPU target tracking policy with its alarms, activities; then a scheduled action', async () => {
    // Debian's CLI 2.9 predates ScalableTargetARN: its answer is empty, the SDK shows the ARN.
    await aws(['application-autoscaling', 'register-scalable-target', ...TARGET, '--min-capacity', '2', '--max-capacity', '20']);
    const [target] = (await aws(['application-autoscaling', 'describe-scalable-targets', '--service-namespace', 'ecs', '--resource-ids', RESOURCE])).ScalableTargets;
    assert.deepEqual([target.MinCapacity, target.MaxCapacity, target.ScalableDimension, target.SuspendedState.DynamicScalingInSuspended], [2, 20, 'ecs:service:DesiredCount', false]);
    assert.match(target.RoleARN, /AWSServiceRoleForApplicationAutoScaling_ECSService$/);
    const [withArn] = (await scaling().send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs' }))).ScalableTargets ?? [];
    assert.match(withArn!.ScalableTargetARN!, /^arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target\/[0-9a-f]{36}$/);

    // The minimum of 2 raises the desired count from 1, and the scheduler runs the second task.
    assert.equal((await describeOneService(ecs(), CLUSTER, SERVICE)).desiredCount, 2);
    await waitFor(runningTasks, (tasks) => tasks.length === 2, 60_000, 'two running tasks');

    const put = await aws([
      'application-autoscaling', 'put-scaling-policy', ...TARGET, '--policy-name', 'cpu-scaling', '--policy-type', 'TargetTrackingScaling',
      '--target-tracking-scaling-policy-configuration', '{"TargetValue":70.0,"PredefinedMetricSpecification":{"PredefinedMetricType":"ECSServiceAverageCPUUtilization"},"ScaleInCooldown":300,"ScaleOutCooldown":60}',
    ]);
    assert.match(put.PolicyARN, new RegExp(`^arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:[0-9a-f-]{36}:resource/ecs/${RESOURCE}:policyName/cpu-scaling$`));
    const names = put.Alarms.map((alarm: { AlarmName: string }) => alarm.AlarmName).sort();
    assert.equal(names.length, 2);
    assert.match(names[0], new RegExp(`^TargetTracking-${RESOURCE}-AlarmHigh-[0-9a-f-]{36}$`));
    assert.match(names[1], new RegExp(`^TargetTracking-${RESOURCE}-AlarmLow-[0-9a-f-]{36}$`));

    const [policy] = (await aws(['application-autoscaling', 'describe-scaling-policies', '--service-namespace', 'ecs', '--resource-id', RESOURCE])).ScalingPolicies;
    assert.equal(policy.PolicyARN, put.PolicyARN);
    assert.equal(policy.PolicyType, 'TargetTrackingScaling');
    assert.deepEqual(policy.TargetTrackingScalingPolicyConfiguration, { TargetValue: 70, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, ScaleInCooldown: 300, ScaleOutCooldown: 60 });
    assert.deepEqual(policy.Alarms.map((alarm: { AlarmName: string }) => alarm.AlarmName).sort(), names);
    for (const alarm of policy.Alarms) assert.equal(alarm.AlarmARN, `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarm.AlarmName}`);

    const activities = await waitFor(
      async () => (await scaling().send(new DescribeScalingActivitiesCommand({ ServiceNamespace: 'ecs', ResourceId: RESOURCE }))).ScalingActivities ?? [],
      (list: ScalingActivity[]) => list[0]?.StatusCode === 'Successful',
      30_000,
      'the activity to succeed',
    );
    const shown = (await aws(['application-autoscaling', 'describe-scaling-activities', '--service-namespace', 'ecs', '--resource-id', RESOURCE])).ScalingActivities;
    assert.equal(shown.length, activities.length);
    assert.deepEqual([shown[0].Description, shown[0].Cause, shown[0].StatusCode, shown[0].StatusMessage], [
      'Setting desired count to 2.',
      'minimum capacity was set to 2',
      'Successful',
      'Successfully set desired count to 2. Change successfully fulfilled by ecs.',
    ]);

    // A scheduled action a few seconds ahead, in Berlin time, raising the minimum to 3.
    const when = Date.now() + 15_000;
    const berlin = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(when).replace(' ', 'T');
    await aws(['application-autoscaling', 'put-scheduled-action', ...TARGET, '--scheduled-action-name', 'rush', '--schedule', `at(${berlin})`, '--timezone', 'Europe/Berlin', '--scalable-target-action', 'MinCapacity=3']);
    const [action] = (await scaling().send(new DescribeScheduledActionsCommand({ ServiceNamespace: 'ecs', ResourceId: RESOURCE }))).ScheduledActions ?? [];
    assert.deepEqual([action?.Schedule, action?.Timezone, action?.ScalableTargetAction], [`at(${berlin})`, 'Europe/Berlin', { MinCapacity: 3 }]);
    assert.match(action!.ScheduledActionARN!, /:scheduledAction:[0-9a-f-]{36}:resource\/ecs\/service\/scaling\/web:scheduledActionName\/rush$/);

    // Restart before it is due: the alarms' records are read from the store meanwhile, and the schedule is the store's.
    const port = String(wharf.port);
    await wharf.close();
    const store = new SqliteStore(join(dataDir, 'wharf.db'));
    try {
      const alarms = await Promise.all(names.map((name: string) => store.get<AlarmRecord>(ALARM_KIND, scope, name)));
      const [high, low] = alarms.map((record) => record!.doc);
      for (const alarm of [high!, low!]) {
        assert.deepEqual([alarm.Namespace, alarm.MetricName, alarm.Statistic, alarm.Period, alarm.Dimensions], ['AWS/ECS', 'CPUUtilization', 'Average', 60, [{ Name: 'ClusterName', Value: CLUSTER }, { Name: 'ServiceName', Value: SERVICE }]]);
        assert.deepEqual(alarm.AlarmActions, [put.PolicyARN]);
        assert.equal(alarm.wharf.managedBy, put.PolicyARN);
        assert.equal(alarm.AlarmDescription, `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${put.PolicyARN}.`);
      }
      assert.deepEqual([high!.ComparisonOperator, high!.Threshold, high!.EvaluationPeriods], ['GreaterThanThreshold', 70, 3]);
      assert.deepEqual([low!.ComparisonOperator, low!.Threshold, low!.EvaluationPeriods], ['LessThanThreshold', 63, 15]);
    } finally {
      await store.close();
    }
    await start(port);
    assert.ok(Date.now() < when, 'the restart finished before the action was due');

    const raised = await waitFor(() => describeOneService(ecs(), CLUSTER, SERVICE), (service) => service.desiredCount === 3, 30_000, 'the scheduled action to raise the count');
    assert.ok(Date.now() >= when - 1000, 'not before its time');
    assert.equal(raised.desiredCount, 3);
    await waitFor(runningTasks, (tasks) => tasks.length === 3, 60_000, 'three running tasks');
    const [newest, bounds] = await waitFor(
      async () => (await scaling().send(new DescribeScalingActivitiesCommand({ ServiceNamespace: 'ecs', ResourceId: RESOURCE }))).ScalingActivities ?? [],
      (list: ScalingActivity[]) => list[0]?.Description === 'Setting desired count to 3.' && list[0]?.StatusCode === 'Successful',
      30_000,
      'the scheduled activity to succeed',
    );
    assert.equal(newest!.Cause, 'minimum capacity was set to 3');
    assert.deepEqual([bounds!.Description, bounds!.Cause, bounds!.StatusCode], ['Setting min capacity to 3', 'scheduled action name rush was triggered', 'Successful']);
    const [after] = (await aws(['application-autoscaling', 'describe-scalable-targets', '--service-namespace', 'ecs'])).ScalableTargets;
    assert.equal(after.MinCapacity, 3);
  });

  test('errors in AWS\'s words: a missing service, an unregistered target, a missing policy, bad configurations', async () => {
    const missing = await awsError(endpoint, dataDir, ['application-autoscaling', 'register-scalable-target', '--service-namespace', 'ecs', '--scalable-dimension', 'ecs:service:DesiredCount', '--resource-id', `service/${CLUSTER}/nope`, '--min-capacity', '1', '--max-capacity', '2']);
    assert.match(missing, /An error occurred \(ValidationException\) when calling the RegisterScalableTarget operation: ECS service doesn't exist: service\/scaling\/nope/);
    const unregistered = await awsError(endpoint, dataDir, [
      'application-autoscaling', 'put-scaling-policy', '--service-namespace', 'ecs', '--scalable-dimension', 'ecs:service:DesiredCount', '--resource-id', `service/${CLUSTER}/other`,
      '--policy-name', 'p', '--policy-type', 'TargetTrackingScaling', '--target-tracking-scaling-policy-configuration', '{"TargetValue":50,"PredefinedMetricSpecification":{"PredefinedMetricType":"ECSServiceAverageCPUUtilization"}}',
    ]);
    assert.match(unregistered, /\(ObjectNotFoundException\) when calling the PutScalingPolicy operation: No scalable target registered for service namespace: ecs, resource ID: service\/scaling\/other, scalable dimension: ecs:service:DesiredCount/);
    const noPolicy = await awsError(endpoint, dataDir, ['application-autoscaling', 'delete-scaling-policy', ...TARGET, '--policy-name', 'nope']);
    assert.match(noPolicy, /\(ObjectNotFoundException\) when calling the DeleteScalingPolicy operation: No scaling policy found for service namespace: ecs, resource ID: service\/scaling\/web, scalable dimension: ecs:service:DesiredCount, policy name: nope/);

    const client = scaling();
    const target = { ServiceNamespace: 'ecs' as const, ScalableDimension: 'ecs:service:DesiredCount' as const, ResourceId: RESOURCE };
    await assert.rejects(
      client.send(new PutScalingPolicyCommand({ ...target, PolicyName: 'alb', PolicyType: 'TargetTrackingScaling', TargetTrackingScalingPolicyConfiguration: { TargetValue: 100, PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget' } } })),
      (error: Error) => error.name === 'ValidationException' && /ResourceLabel/.test(error.message),
    );
    await assert.rejects(
      client.send(new PutScalingPolicyCommand({ ...target, PolicyName: 'steps', PolicyType: 'StepScaling', StepScalingPolicyConfiguration: { AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 20, ScalingAdjustment: 2 }] } })),
      (error: Error) => error.name === 'ValidationException' && /gaps/.test(error.message),
    );
    await assert.rejects(
      client.send(new PutScheduledActionCommand({ ...target, ScheduledActionName: 'bad', Schedule: 'cron(0 18 * * *)', ScalableTargetAction: { MinCapacity: 1 } })),
      (error: Error) => error.name === 'ValidationException' && /schedule expression/.test(error.message),
    );
    await assert.rejects(client.send(new DescribeScalingActivitiesCommand({ ServiceNamespace: 'ecs', NextToken: 'not-a-token' })), (error: Error) => error.name === 'InvalidNextTokenException');
    await assert.rejects(client.send(new DescribeScalingActivitiesCommand({ ServiceNamespace: 'ecs', ScalableDimension: 'ecs:service:DesiredCount' })), (error: Error) => error.name === 'ValidationException');
    // A step scaling policy answers with its ARN and no alarms (the user makes them in CloudWatch).
    const step = await client.send(new PutScalingPolicyCommand({ ...target, PolicyName: 'steps', PolicyType: 'StepScaling', StepScalingPolicyConfiguration: { AdjustmentType: 'PercentChangeInCapacity', Cooldown: 60, MinAdjustmentMagnitude: 1, StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 200 }] } }));
    assert.match(step.PolicyARN!, /:policyName\/steps$/);
    assert.deepEqual(step.Alarms ?? [], []);
    // Tags on the scalable target.
    const [registered] = (await client.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs' }))).ScalableTargets ?? [];
    await client.send(new TagResourceCommand({ ResourceARN: registered!.ScalableTargetARN!, Tags: { team: 'web' } }));
    assert.deepEqual((await client.send(new ListTagsForResourceCommand({ ResourceARN: registered!.ScalableTargetARN! }))).Tags, { team: 'web' });
    await assert.rejects(client.send(new ListTagsForResourceCommand({ ResourceARN: 'arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/0000' })), (error: Error) => error.name === 'ResourceNotFoundException');

    // Deregistering removes the policies (and the tracking alarms) with the target.
    await aws(['application-autoscaling', 'deregister-scalable-target', ...TARGET]);
    assert.deepEqual((await aws(['application-autoscaling', 'describe-scaling-policies', '--service-namespace', 'ecs'])).ScalingPolicies, []);
    assert.deepEqual((await scaling().send(new DescribeScheduledActionsCommand({ ServiceNamespace: 'ecs' }))).ScheduledActions, []);
  });
});
