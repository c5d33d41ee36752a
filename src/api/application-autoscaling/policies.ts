import { limitExceeded, policyNotFound, validation } from '../../domain/autoscaling/errors.js';
import { AUTOSCALING_KIND, policyArn, policyRecordId, underTarget, type PolicyType, type ScalingPolicyRecord, type StepScalingConfiguration, type TargetKey, type TargetTrackingConfiguration } from '../../domain/autoscaling/records.js';
import { checkTargetKey } from '../../domain/autoscaling/scalable-target.js';
import { checkStepScaling } from '../../domain/autoscaling/step-scaling.js';
import { checkTargetTracking, parseResourceLabel, trackingAlarms } from '../../domain/autoscaling/target-tracking.js';
import { ALARM_KIND, type AlarmRecord } from '../../domain/cloudwatch/alarm-record.js';
import { ELBV2_KIND } from '../../domain/elbv2/records.js';
import { type Scope, type Store, type WriteOp } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { alarmArn, alarmsByName, checkNamespaceFilter, keyOf, maxResults, newId, pageOf, requireTarget, retrying } from './lookup.js';

/** AWS's quota of scaling policies per scalable target. */
const MAX_POLICIES_PER_TARGET = 50;

interface PutScalingPolicyInput extends TargetKey {
  readonly PolicyName: string;
  readonly PolicyType?: PolicyType | 'PredictiveScaling';
  readonly StepScalingPolicyConfiguration?: StepScalingConfiguration;
  readonly TargetTrackingScalingPolicyConfiguration?: TargetTrackingConfiguration;
  readonly PredictiveScalingPolicyConfiguration?: unknown;
}

function policyTypeOf(input: PutScalingPolicyInput, existing: ScalingPolicyRecord | undefined): PolicyType {
  const type = input.PolicyType ?? existing?.PolicyType ?? 'StepScaling';
  if (type === 'PredictiveScaling') throw validation('Wharf does not support predictive scaling policies: use TargetTrackingScaling or StepScaling.');
  if (type === 'TargetTrackingScaling' && input.StepScalingPolicyConfiguration) throw validation('StepScalingPolicyConfiguration is not allowed for a TargetTrackingScaling policy.'); // unverified wording
  if (type === 'StepScaling' && input.TargetTrackingScalingPolicyConfiguration) throw validation('TargetTrackingScalingPolicyConfiguration is not allowed for a StepScaling policy.'); // unverified wording
  return type;
}

/** The policy as Describe shows it: a step scaling policy's alarms are the CloudWatch alarms naming it as an action. */
function showPolicy(policy: ScalingPolicyRecord, alarms: readonly AlarmRecord[]) {
  const Alarms =
    policy.PolicyType === 'StepScaling'
      ? alarms.filter((alarm) => [...alarm.AlarmActions, ...alarm.OKActions, ...alarm.InsufficientDataActions].includes(policy.PolicyARN)).map((alarm) => ({ AlarmName: alarm.AlarmName, AlarmARN: alarm.AlarmArn }))
      : policy.Alarms;
  return { ...policy, Alarms };
}

async function scopeAlarms(store: Store, scope: Scope): Promise<AlarmRecord[]> {
  return (await store.list<AlarmRecord>(ALARM_KIND, scope)).map((record) => record.doc);
}

/** PutScalingPolicy, DescribeScalingPolicies, DeleteScalingPolicy: a target tracking policy and its alarms are written together. */
export function policyHandlers(store: Store) {
  return {
    async PutScalingPolicy(input: PutScalingPolicyInput, ctx: RequestContext) {
      const key = keyOf(input);
      checkTargetKey(key);
      return retrying(async () => {
        const target = await requireTarget(store, ctx.scope, key);
        const id = policyRecordId(key, input.PolicyName);
        const existing = await store.get<ScalingPolicyRecord>(AUTOSCALING_KIND.policy, ctx.scope, id);
        const type = policyTypeOf(input, existing?.doc);
        if (!existing) {
          const count = (await store.list(AUTOSCALING_KIND.policy, ctx.scope, { prefix: underTarget(key) })).length;
          if (count >= MAX_POLICIES_PER_TARGET) throw limitExceeded(`A scalable target can have at most ${MAX_POLICIES_PER_TARGET} scaling policies.`); // unverified wording
        }
        const now = ctx.now.getTime();
        const policy: ScalingPolicyRecord = {
          ...key,
          PolicyARN: existing?.doc.PolicyARN ?? policyArn(ctx.partition, ctx.scope.region, ctx.scope.account, target.doc, input.PolicyName),
          PolicyName: input.PolicyName,
          PolicyType: type,
          Alarms: [],
          CreationTime: existing?.doc.CreationTime ?? now,
        };
        const ops: WriteOp[] = [];
        const previousAlarms = await alarmsByName(store, ctx.scope, existing?.doc.Alarms.map((alarm) => alarm.AlarmName) ?? []);
        const owned = previousAlarms.filter((record) => record.doc.wharf.managedBy === policy.PolicyARN);
        let alarms: AlarmRecord[] = [];
        if (type === 'TargetTrackingScaling') {
          const config = input.TargetTrackingScalingPolicyConfiguration ?? existing?.doc.TargetTrackingScalingPolicyConfiguration;
          checkTargetTracking(config);
          await checkResourceLabel(store, ctx.scope, config);
          policy.TargetTrackingScalingPolicyConfiguration = config;
          alarms = trackingAlarms(policy, owned.map((record) => record.doc), now, { alarmArn: (name) => alarmArn(ctx.partition, ctx.scope, name), uuid: newId });
          policy.Alarms = alarms.map((alarm) => ({ AlarmName: alarm.AlarmName, AlarmARN: alarm.AlarmArn }));
        } else {
          const config = input.StepScalingPolicyConfiguration ?? existing?.doc.StepScalingPolicyConfiguration;
          checkStepScaling(config);
          policy.StepScalingPolicyConfiguration = config;
        }
        for (const alarm of alarms) {
          const previous = owned.find((record) => record.doc.AlarmName === alarm.AlarmName);
          if (!previous && (await store.get(ALARM_KIND, ctx.scope, alarm.AlarmName))) throw validation(`An alarm named ${alarm.AlarmName} already exists.`);
          ops.push({ op: 'put', kind: ALARM_KIND, scope: ctx.scope, id: alarm.AlarmName, doc: alarm, expect: previous ? previous.version : 'absent' });
        }
        // Alarms the policy no longer needs (scale-in disabled, or now a step scaling policy) go.
        for (const record of owned) {
          if (!alarms.some((alarm) => alarm.AlarmName === record.doc.AlarmName)) ops.push({ op: 'delete', kind: ALARM_KIND, scope: ctx.scope, id: record.id, expect: record.version });
        }
        ops.push({ op: 'put', kind: AUTOSCALING_KIND.policy, scope: ctx.scope, id, doc: policy, expect: existing ? existing.version : 'absent' });
        await store.write(ops);
        return { PolicyARN: policy.PolicyARN, Alarms: policy.Alarms };
      });
    },

    async DescribeScalingPolicies(input: { ServiceNamespace: string; ResourceId?: string; ScalableDimension?: string; PolicyNames?: string[]; MaxResults?: number; NextToken?: string }, ctx: RequestContext) {
      checkNamespaceFilter(input);
      const limit = maxResults(input.MaxResults);
      const prefix = input.ResourceId !== undefined ? `${input.ServiceNamespace}|${input.ResourceId}|` : `${input.ServiceNamespace}|`;
      const policies = (await store.list<ScalingPolicyRecord>(AUTOSCALING_KIND.policy, ctx.scope, { prefix }))
        .map((record) => record.doc)
        .filter(
          (policy) =>
            policy.ResourceId === (input.ResourceId ?? policy.ResourceId) &&
            (input.ScalableDimension === undefined || policy.ScalableDimension === input.ScalableDimension) &&
            (!input.PolicyNames?.length || input.PolicyNames.includes(policy.PolicyName)),
        );
      const result = pageOf(policies, input.NextToken, limit);
      const alarms = result.items.some((policy) => policy.PolicyType === 'StepScaling') ? await scopeAlarms(store, ctx.scope) : [];
      return { ScalingPolicies: result.items.map((policy) => showPolicy(policy, alarms)), NextToken: result.NextToken };
    },

    async DeleteScalingPolicy(input: TargetKey & { PolicyName: string }, ctx: RequestContext) {
      const key = keyOf(input);
      checkTargetKey(key);
      return retrying(async () => {
        const record = await store.get<ScalingPolicyRecord>(AUTOSCALING_KIND.policy, ctx.scope, policyRecordId(key, input.PolicyName));
        if (!record) throw policyNotFound(key, input.PolicyName);
        const ops: WriteOp[] = [{ op: 'delete', kind: AUTOSCALING_KIND.policy, scope: ctx.scope, id: record.id, expect: record.version }];
        for (const alarm of await alarmsByName(store, ctx.scope, record.doc.Alarms.map((a) => a.AlarmName))) {
          if (alarm.doc.wharf.managedBy === record.doc.PolicyARN) ops.push({ op: 'delete', kind: ALARM_KIND, scope: ctx.scope, id: alarm.id, expect: alarm.version });
        }
        await store.write(ops);
        return {};
      });
    },
  };
}

/** ALBRequestCountPerTarget's target group must exist (the label's form is checked with the configuration). */
async function checkResourceLabel(store: Store, scope: Scope, config: TargetTrackingConfiguration): Promise<void> {
  const label = config.PredefinedMetricSpecification?.ResourceLabel;
  if (config.PredefinedMetricSpecification?.PredefinedMetricType !== 'ALBRequestCountPerTarget' || !label) return;
  const targetGroup = parseResourceLabel(label)!.targetGroup.replace(/^targetgroup\//, '');
  if (!(await store.get(ELBV2_KIND.targetGroup, scope, targetGroup))) {
    throw validation(`The target group in the resource label ${label} does not exist.`); // unverified wording
  }
}
