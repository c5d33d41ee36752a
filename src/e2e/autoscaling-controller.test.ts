import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { SqliteStore } from '../adapters/store-sqlite/sqlite-store.js';
import { policyHandlers } from '../api/application-autoscaling/policies.js';
import { scheduledActionHandlers } from '../api/application-autoscaling/scheduled-actions.js';
import { targetHandlers } from '../api/application-autoscaling/targets.js';
import type { RequestContext } from '../api/service.js';
import { Autoscaler } from '../controllers/autoscaler.js';
import { AUTOSCALING_KIND, type ScalingActivityRecord } from '../domain/autoscaling/records.js';
import { ALARM_KIND, type AlarmRecord } from '../domain/cloudwatch/alarm-record.js';
import { KIND } from '../domain/ecs/record-keys.js';
import { newService } from '../domain/service/service-changes.js';
import type { Service } from '../domain/service/service.js';
import { silentLogger } from '../ports/logger.js';
import type { Store } from '../ports/store.js';
import { waitFor } from './harness.js';

/**
 * The autoscaler as the alarm evaluator drives it: `invoke` with datapoints,
 * against a real store seeded through the API's own handlers; no Docker.
 */
const scope = { account: '123456789012', region: 'us-east-1' };
const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
let now = T0;
const clock = { now: () => new Date(now) };
const ctx = (): RequestContext => ({ requestId: 'r', scope, partition: 'aws', accessKeyId: 'AKIA', principalArn: 'arn:aws:iam::123456789012:root', now: new Date(now) });
const KEY = { ServiceNamespace: 'ecs', ResourceId: 'service/prod/web', ScalableDimension: 'ecs:service:DesiredCount' };

function service(desiredCount: number): Service {
  const created = newService(
    { serviceName: 'web', taskDefinition: 'web:1', desiredCount },
    { taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1', containerImages: [], cpu: 256, memory: 512, launch: { launchType: 'FARGATE' } },
    {
      region: scope.region,
      account: scope.account,
      clusterName: 'prod',
      clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod',
      now: T0,
      principalArn: 'p',
      ids: { deploymentDigits: () => '1234567890123456789', revisionDigits: () => '1', serviceDeploymentId: () => 'sd1' },
    },
  );
  // As if the scheduler had finished the rollout.
  created.deployments[0]!.rolloutState = 'COMPLETED';
  created.runningCount = desiredCount;
  return created;
}

async function readService(store: Store) {
  return (await store.get<Service>(KIND.service, scope, 'prod/web'))!;
}

/** What the scheduler would do: the running count follows the desired count. */
async function runTasks(store: Store, running?: number) {
  const record = await readService(store);
  await store.write([{ op: 'put', kind: KIND.service, scope, id: record.id, doc: { ...record.doc, runningCount: running ?? record.doc.desiredCount }, expect: record.version }]);
}

async function activities(store: Store): Promise<ScalingActivityRecord[]> {
  return (await store.list<ScalingActivityRecord>(AUTOSCALING_KIND.activity, scope, { reverse: true })).map((record) => record.doc);
}

describe('the autoscaler as the alarm evaluator invokes it', () => {
  let dir: string;
  let store: SqliteStore;
  let autoscaler: Autoscaler;
  let policyArn: string;
  let high: string;
  let low: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wharf-autoscaler-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  beforeEach(async () => {
    now = T0;
    store = new SqliteStore(join(dir, `${Math.random()}.db`));
    await store.write([{ op: 'put', kind: KIND.service, scope, id: 'prod/web', doc: service(2) }]);
    await targetHandlers(store).RegisterScalableTarget({ ...KEY, MinCapacity: 1, MaxCapacity: 6 }, ctx());
    const put = await policyHandlers(store).PutScalingPolicy(
      {
        ...KEY,
        PolicyName: 'cpu-scaling',
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: { TargetValue: 70, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, ScaleInCooldown: 300, ScaleOutCooldown: 60 },
      },
      ctx(),
    );
    policyArn = put.PolicyARN;
    high = put.Alarms.find((a) => a.AlarmName.includes('AlarmHigh'))!.AlarmName;
    low = put.Alarms.find((a) => a.AlarmName.includes('AlarmLow'))!.AlarmName;
    autoscaler = new Autoscaler(store, clock, silentLogger, { timeScale: 1 });
  });

  const invoke = (alarmName: string, value: number) =>
    autoscaler.invoke({
      scope,
      actionArn: policyArn,
      alarmName,
      alarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`,
      state: 'ALARM',
      datapoints: [{ timestamp: now - 120_000, value }, { timestamp: now - 60_000, value }, { timestamp: now, value }],
      now,
    });

  test('it serves policy ARNs only', () => {
    assert.equal(autoscaler.serves(policyArn), true);
    assert.equal(autoscaler.serves('arn:aws:sns:us-east-1:123456789012:topic'), false);
  });

  test('high datapoints raise the desired count; the scale-out cooldown holds it; afterwards it rises again', async () => {
    await invoke(high, 100);
    assert.equal((await readService(store)).doc.desiredCount, 3); // ceil(2 x 100 / 70)
    const [activity] = await activities(store);
    assert.deepEqual([activity!.Description, activity!.Cause, activity!.StatusCode], ['Setting desired count to 3.', `monitor alarm ${high} in state ALARM triggered policy cpu-scaling`, 'InProgress']);

    // The evaluator re-invokes each period while the alarm stays in ALARM; the new task starts.
    now += 30_000;
    await runTasks(store);
    // A restarted autoscaler knows the cooldown: it lives in the store.
    autoscaler = new Autoscaler(store, clock, silentLogger, { timeScale: 1 });
    await invoke(high, 100);
    assert.equal((await readService(store)).doc.desiredCount, 3, 'within the 60 s cooldown the capacity already added counts');

    now += 31_000;
    await invoke(high, 100);
    assert.equal((await readService(store)).doc.desiredCount, 5); // ceil(3 x 100 / 70)
    now += 61_000;
    await runTasks(store);
    await invoke(high, 300);
    assert.equal((await readService(store)).doc.desiredCount, 6, 'clamped to the maximum');
    now += 61_000;
    await runTasks(store);
    await invoke(high, 300);
    assert.equal((await readService(store)).doc.desiredCount, 6);
    const withNotScaled = await activities(store);
    assert.deepEqual(withNotScaled[0]!.NotScaledReasons, [{ Code: 'AlreadyAtMaxCapacity', MaxCapacity: 6 }]);
  });

  test('the low alarm scales in after the cooldowns; with DisableScaleIn it has no alarm and nothing scales in', async () => {
    await invoke(high, 140); // 2 -> 4
    await runTasks(store);
    await invoke(low, 10);
    assert.equal((await readService(store)).doc.desiredCount, 4, 'no scale-in during the scale-out cooldown');
    now += 61_000;
    await invoke(low, 10);
    assert.equal((await readService(store)).doc.desiredCount, 1); // ceil(4 x 10 / 70)
    await runTasks(store);

    const put = await policyHandlers(store).PutScalingPolicy(
      { ...KEY, PolicyName: 'cpu-scaling', PolicyType: 'TargetTrackingScaling', TargetTrackingScalingPolicyConfiguration: { TargetValue: 70, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, DisableScaleIn: true } },
      ctx(),
    );
    assert.deepEqual(put.Alarms.map((a) => a.AlarmName), [high]);
    assert.equal(await store.get<AlarmRecord>(ALARM_KIND, scope, low), undefined, 'the low alarm is deleted with the update');
    now += 400_000;
    await invoke(high, 210); // 1 -> 3
    await runTasks(store);
    now += 400_000;
    await invoke(low, 1);
    assert.equal((await readService(store)).doc.desiredCount, 3, 'DisableScaleIn holds');
  });

  test('activities succeed once the service runs the count; a scheduled action raises the minimum at its time', async () => {
    autoscaler.start();
    try {
      await invoke(high, 100);
      assert.equal((await activities(store))[0]!.StatusCode, 'InProgress');
      await runTasks(store);
      const done = await waitFor(() => activities(store), (list) => list[0]!.StatusCode === 'Successful', 5000, 'the activity to succeed');
      assert.equal(done[0]!.StatusMessage, 'Successfully set desired count to 3. Change successfully fulfilled by ecs.');

      await scheduledActionHandlers(store).PutScheduledAction({ ...KEY, ScheduledActionName: 'lunch', Schedule: 'cron(30 12 * * ? *)', ScalableTargetAction: { MinCapacity: 5 } }, ctx());
      await autoscaler.runDueActions();
      assert.equal((await readService(store)).doc.desiredCount, 3, 'not yet due');
      now = Date.UTC(2026, 0, 5, 12, 30, 1);
      await autoscaler.runDueActions();
      assert.equal((await readService(store)).doc.desiredCount, 5);
      await autoscaler.runDueActions();
      const list = await activities(store);
      assert.deepEqual(
        list.slice(0, 2).map((a) => [a.Description, a.Cause]),
        [
          ['Setting desired count to 5.', 'minimum capacity was set to 5'],
          ['Setting min capacity to 5', 'scheduled action name lunch was triggered'],
        ],
      );
      assert.equal(list.filter((a) => a.Cause === 'scheduled action name lunch was triggered').length, 1, 'ran once');
    } finally {
      await autoscaler.stop();
    }
  });

  test('a step scaling policy: the user\'s CloudWatch alarm lists it, Describe shows that alarm, an invocation adds the step', async () => {
    const policies = policyHandlers(store);
    const put = await policies.PutScalingPolicy(
      {
        ...KEY,
        PolicyName: 'web-app-cpu-gt-75',
        PolicyType: 'StepScaling',
        StepScalingPolicyConfiguration: { AdjustmentType: 'PercentChangeInCapacity', Cooldown: 60, StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 200 }] },
      },
      ctx(),
    );
    assert.deepEqual(put.Alarms, []);
    // What PutMetricAlarm (the CloudWatch API) would store for the user's alarm.
    const [template] = (await store.list<AlarmRecord>(ALARM_KIND, scope)).map((record) => record.doc);
    const userAlarm: AlarmRecord = { ...template!, AlarmName: 'web-app-cpu-gt-75', AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-app-cpu-gt-75', AlarmActions: [put.PolicyARN], Threshold: 75, wharf: {} };
    await store.write([{ op: 'put', kind: ALARM_KIND, scope, id: userAlarm.AlarmName, doc: userAlarm }]);
    const described = await policies.DescribeScalingPolicies({ ServiceNamespace: 'ecs', PolicyNames: ['web-app-cpu-gt-75'] }, ctx());
    assert.deepEqual(described.ScalingPolicies[0]!.Alarms, [{ AlarmName: 'web-app-cpu-gt-75', AlarmARN: userAlarm.AlarmArn }]);

    await autoscaler.invoke({ scope, actionArn: put.PolicyARN, alarmName: 'web-app-cpu-gt-75', alarmArn: userAlarm.AlarmArn, state: 'ALARM', datapoints: [{ timestamp: now, value: 90 }], threshold: 75, now });
    assert.equal((await readService(store)).doc.desiredCount, 6); // 2 + 200 %
    assert.equal((await activities(store))[0]!.Cause, 'monitor alarm web-app-cpu-gt-75 in state ALARM triggered policy web-app-cpu-gt-75');
  });

  test('a deleted policy is a failed action; deregistering removes policies, alarms and scheduled actions', async () => {
    await targetHandlers(store).DeregisterScalableTarget(KEY, ctx());
    assert.equal(await store.get(ALARM_KIND, scope, high), undefined);
    assert.equal(await store.get(ALARM_KIND, scope, low), undefined);
    await assert.rejects(invoke(high, 100), /does not exist/);
    assert.equal((await readService(store)).doc.desiredCount, 2);
  });
});
