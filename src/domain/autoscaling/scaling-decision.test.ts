import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScalableTargetRecord, ScalingPolicyRecord, StepScalingConfiguration, TargetTrackingConfiguration } from './records.js';
import { decideScaling, type DecisionInput } from './scaling-decision.js';

const HIGH = 'TargetTracking-service/prod/web-AlarmHigh-11111111-2222-4333-8444-555555555555';
const LOW = 'TargetTracking-service/prod/web-AlarmLow-11111111-2222-4333-8444-555555555555';
const KEY = { ServiceNamespace: 'ecs', ResourceId: 'service/prod/web', ScalableDimension: 'ecs:service:DesiredCount' };

function target(over: Partial<ScalableTargetRecord> = {}): ScalableTargetRecord {
  return {
    ...KEY,
    ScalableTargetARN: 'arn',
    MinCapacity: 1,
    MaxCapacity: 10,
    RoleARN: 'role',
    CreationTime: 0,
    SuspendedState: { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false },
    Tags: {},
    wharf: { arnId: 'id', cooldowns: {} },
    ...over,
  };
}

const tracking = (config: Partial<TargetTrackingConfiguration> = {}): ScalingPolicyRecord => ({
  ...KEY,
  PolicyARN: 'policy-arn',
  PolicyName: 'cpu',
  PolicyType: 'TargetTrackingScaling',
  TargetTrackingScalingPolicyConfiguration: { TargetValue: 70, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, ScaleInCooldown: 300, ScaleOutCooldown: 60, ...config },
  Alarms: [],
  CreationTime: 0,
});

const step = (config: StepScalingConfiguration): ScalingPolicyRecord => ({ ...KEY, PolicyARN: 'step-arn', PolicyName: 'step', PolicyType: 'StepScaling', StepScalingPolicyConfiguration: config, Alarms: [], CreationTime: 0 });

function input(over: Partial<DecisionInput> = {}): DecisionInput {
  return {
    now: 1_000_000,
    timeScale: 1,
    target: target(),
    policy: tracking(),
    alarmName: HIGH,
    state: 'ALARM',
    datapoints: [{ timestamp: 0, value: 90 }, { timestamp: 60_000, value: 100 }],
    service: { desiredCount: 2, runningCount: 2, deploymentInProgress: false },
    otherScaleInPolicies: [],
    ...over,
  };
}

test('the high alarm scales out to ceil(running x newest metric / target) and starts the scale-out cooldown', () => {
  assert.deepEqual(decideScaling(input()), { kind: 'scale', direction: 'out', desiredCount: 3, cooldowns: { scaleOutUntil: 1_060_000, scaleOutFrom: 2 } });
});

test('the cooldown is divided by the time scale', () => {
  const decision = decideScaling(input({ timeScale: 60 }));
  assert.equal(decision.kind === 'scale' && decision.cooldowns.scaleOutUntil, 1_001_000);
});

test('the result is clamped to the maximum; at the maximum nothing scales and the reason says so', () => {
  const decision = decideScaling(input({ datapoints: [{ timestamp: 0, value: 700 }], target: target({ MaxCapacity: 5 }) }));
  assert.equal(decision.kind === 'scale' && decision.desiredCount, 5);
  assert.deepEqual(decideScaling(input({ target: target({ MaxCapacity: 2 }) })), { kind: 'not-scaled', reason: { Code: 'AlreadyAtMaxCapacity', MaxCapacity: 2 } });
});

test('during a scale-out cooldown a further scale-out counts the capacity already added', () => {
  const cooling = target({ wharf: { arnId: 'id', cooldowns: { scaleOutUntil: 1_030_000, scaleOutFrom: 2 } } });
  // The first scale-out set 3 from 2 running; the same metric asks for nothing more even once 3 run.
  assert.equal(decideScaling(input({ target: cooling, service: { desiredCount: 3, runningCount: 3, deploymentInProgress: false } })).kind, 'none');
  // A higher metric asks for more than was added: it scales out from the same base.
  const more = decideScaling(input({ target: cooling, datapoints: [{ timestamp: 0, value: 200 }], service: { desiredCount: 3, runningCount: 3, deploymentInProgress: false } }));
  assert.deepEqual(more, { kind: 'scale', direction: 'out', desiredCount: 6, cooldowns: { scaleOutUntil: 1_060_000, scaleOutFrom: 2 } });
  // Once the cooldown is over, the running count is the base again.
  const after = decideScaling(input({ now: 1_030_000, target: cooling, service: { desiredCount: 3, runningCount: 3, deploymentInProgress: false } }));
  assert.equal(after.kind === 'scale' && after.desiredCount, 5);
});

test('the low alarm scales in conservatively, waits out both cooldowns, and a scale-out interrupts a scale-in cooldown', () => {
  const low = { alarmName: LOW, datapoints: [{ timestamp: 0, value: 20 }], service: { desiredCount: 10, runningCount: 10, deploymentInProgress: false } };
  assert.deepEqual(decideScaling(input(low)), { kind: 'scale', direction: 'in', desiredCount: 3, cooldowns: { scaleInUntil: 1_300_000 } });
  const inCooldown = target({ wharf: { arnId: 'id', cooldowns: { scaleInUntil: 1_100_000 } } });
  assert.deepEqual(decideScaling(input({ ...low, target: inCooldown })), { kind: 'none', why: 'in the scale-in cooldown' });
  const outCooldown = target({ wharf: { arnId: 'id', cooldowns: { scaleOutUntil: 1_100_000, scaleOutFrom: 8 } } });
  assert.deepEqual(decideScaling(input({ ...low, target: outCooldown })), { kind: 'none', why: 'in the scale-out cooldown' });
  const out = decideScaling(input({ target: inCooldown }));
  assert.equal(out.kind, 'scale');
  assert.equal(out.kind === 'scale' && out.cooldowns.scaleInUntil, undefined);
});

test('scale-in stops at the minimum, or when it would change nothing', () => {
  const low = { alarmName: LOW, datapoints: [{ timestamp: 0, value: 1 }] };
  assert.deepEqual(decideScaling(input({ ...low, target: target({ MinCapacity: 2 }) })), { kind: 'not-scaled', reason: { Code: 'AlreadyAtMinCapacity', MinCapacity: 2 } });
  const near = decideScaling(input({ alarmName: LOW, datapoints: [{ timestamp: 0, value: 60 }], service: { desiredCount: 2, runningCount: 2, deploymentInProgress: false } }));
  assert.deepEqual(near, { kind: 'not-scaled', reason: { Code: 'AlreadyAtDesiredCapacity', CurrentCapacity: 2 } });
});

test('DisableScaleIn, suspension, deployments, other policies and non-ALARM states keep the count', () => {
  const low = { alarmName: LOW, datapoints: [{ timestamp: 0, value: 10 }], service: { desiredCount: 6, runningCount: 6, deploymentInProgress: false } };
  assert.equal(decideScaling(input({ ...low, policy: tracking({ DisableScaleIn: true }) })).kind, 'none');
  const suspendedIn = target({ SuspendedState: { DynamicScalingInSuspended: true, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false } });
  assert.equal(decideScaling(input({ ...low, target: suspendedIn })).kind, 'none');
  assert.equal(decideScaling(input({ target: suspendedIn })).kind, 'scale');
  const suspendedOut = target({ SuspendedState: { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: true, ScheduledScalingSuspended: false } });
  assert.equal(decideScaling(input({ target: suspendedOut })).kind, 'none');
  assert.deepEqual(decideScaling(input({ ...low, service: { ...low.service, deploymentInProgress: true } })), { kind: 'not-scaled', reason: { Code: 'TargetServicePutResourceAsUnscalable' } });
  assert.equal(decideScaling(input({ ...low, otherScaleInPolicies: [{ policyName: 'mem', inLowAlarm: false }] })).kind, 'none');
  assert.equal(decideScaling(input({ ...low, otherScaleInPolicies: [{ policyName: 'mem', inLowAlarm: true }] })).kind, 'scale');
  assert.equal(decideScaling(input({ state: 'OK' })).kind, 'none');
  assert.equal(decideScaling(input({ datapoints: [] })).kind, 'none');
  assert.equal(decideScaling(input({ alarmName: 'someone-elses-alarm' })).kind, 'none');
});

test('step scaling applies the step for the aggregated metric to the desired count, with one cooldown', () => {
  const policy = step({ AdjustmentType: 'ChangeInCapacity', Cooldown: 120, StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 20, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 20, ScalingAdjustment: 3 }] });
  const base = { policy, alarmName: 'web-cpu-gt-75', threshold: 75, service: { desiredCount: 4, runningCount: 3, deploymentInProgress: false } };
  assert.deepEqual(decideScaling(input({ ...base, datapoints: [{ timestamp: 0, value: 80 }, { timestamp: 1, value: 90 }] })), {
    kind: 'scale',
    direction: 'out',
    desiredCount: 5,
    cooldowns: { scaleOutUntil: 1_120_000, scaleOutFrom: 4 },
  });
  assert.equal(decideScaling(input({ ...base, datapoints: [{ timestamp: 0, value: 99 }] })).kind === 'scale', true);
  // During its cooldown the same step does not add again (the added task counts).
  const cooling = target({ wharf: { arnId: 'id', cooldowns: { scaleOutUntil: 1_100_000, scaleOutFrom: 4 } } });
  assert.equal(decideScaling(input({ ...base, target: cooling, datapoints: [{ timestamp: 0, value: 80 }], service: { desiredCount: 5, runningCount: 5, deploymentInProgress: false } })).kind, 'none');
  // A bigger step during the cooldown does.
  const bigger = decideScaling(input({ ...base, target: cooling, datapoints: [{ timestamp: 0, value: 99 }], service: { desiredCount: 5, runningCount: 5, deploymentInProgress: false } }));
  assert.equal(bigger.kind === 'scale' && bigger.desiredCount, 7);
  assert.equal(decideScaling(input({ ...base, threshold: undefined, datapoints: [{ timestamp: 0, value: 99 }] })).kind, 'none');
  // Scale-in steps are not vetoed by target tracking policies.
  const remove = step({ AdjustmentType: 'PercentChangeInCapacity', StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: -50 }] });
  const decision = decideScaling(input({ policy: remove, alarmName: 'low', threshold: 25, datapoints: [{ timestamp: 0, value: 10 }], service: { desiredCount: 6, runningCount: 6, deploymentInProgress: false }, otherScaleInPolicies: [{ policyName: 'cpu', inLowAlarm: false }] }));
  assert.deepEqual(decision, { kind: 'scale', direction: 'in', desiredCount: 3, cooldowns: { scaleInUntil: 1_300_000 } });
});
