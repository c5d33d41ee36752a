import { randomUUID } from 'node:crypto';
import { alarmCause, desiredCountActivity, notScaledActivity, repeatsNotScaled, settleActivity } from '../domain/autoscaling/activities.js';
import {
  activityRecordId,
  AUTOSCALING_KIND,
  ECS_DESIRED_COUNT,
  ECS_NAMESPACE,
  isPolicyArn,
  parsePolicyArn,
  policyRecordId,
  targetRecordId,
  underTarget,
  type ScalableTargetRecord,
  type ScalingActivityRecord,
  type ScalingPolicyRecord,
  type ScheduledActionRecord,
  type TargetKey,
} from '../domain/autoscaling/records.js';
import { parseEcsResourceId } from '../domain/autoscaling/scalable-target.js';
import { decideScaling } from '../domain/autoscaling/scaling-decision.js';
import { nextRun, planScheduledRun } from '../domain/autoscaling/scheduled-run.js';
import { deploymentInProgress, isScalable, withDesiredCount } from '../domain/autoscaling/service-scaling.js';
import { alarmKind } from '../domain/autoscaling/target-tracking.js';
import { ALARM_KIND, type AlarmRecord } from '../domain/cloudwatch/alarm-record.js';
import { KIND } from '../domain/ecs/record-keys.js';
import { serviceRecordId, type Service } from '../domain/service/service.js';
import type { AlarmActionInvocation, AlarmActions } from '../ports/alarm-actions.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { retryOnStale, type Scope, type Store, type StoredRecord, type WriteOp } from '../ports/store.js';
import { done, WorkQueue, type ReconcileResult } from './work-queue.js';

export interface AutoscalerOptions {
  /** Cooldowns are divided by it (schedules are wall-clock times and are not). Default 1. */
  readonly timeScale?: number;
  /** How often every target's activities and every schedule are looked at again, in case a watch was missed. Default 60 s. */
  readonly resyncMs?: number;
}

/** Who the service's changes are made by (UpdateService records no principal for a desired count, but the rule takes one). */
const AUTOSCALING_PRINCIPAL = 'arn:aws:iam::aws:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService';
/** AWS keeps scaling activities for six weeks. */
const ACTIVITY_RETENTION_MS = 42 * 86_400_000;
/** The longest a timer is set for (setTimeout's limit is about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

const queueKey = (scope: Scope, targetId: string) => JSON.stringify([scope.account, scope.region, targetId]);
const parseQueueKey = (key: string) => {
  const [account, region, targetId] = JSON.parse(key) as [string, string, string];
  return { scope: { account, region }, targetId };
};
const ecsTargetKey = (serviceId: string): TargetKey => ({ ServiceNamespace: ECS_NAMESPACE, ResourceId: `service/${serviceId}`, ScalableDimension: ECS_DESIRED_COUNT });

/**
 * Application Auto Scaling's controller, three jobs:
 *
 * 1. The alarm action sink (`AlarmActions`): the alarm evaluator invokes a
 *    policy ARN with the datapoints while an alarm listing it is in ALARM;
 *    `invoke` reads the policy, its target and the ECS service, decides with
 *    `decideScaling`, and writes the service's new desired count (through
 *    UpdateService's own rule), the target's cooldowns and the activity in
 *    one optimistic write, retried on stale. The scheduler then runs the tasks.
 * 2. Scheduled actions: a timer to the earliest due action (recomputed on
 *    every write of actions or targets); a due action changes the target's
 *    bounds and clamps the desired count, all in one write with its
 *    `lastRunAt`, so an action runs once even across restarts.
 * 3. Activities: an in-progress activity becomes Successful once the
 *    service's runningCount reaches the count it set (Overridden when a newer
 *    change replaced the count), woken by writes of the service.
 *
 * All state is in the store; a restart resumes from it.
 */
export class Autoscaler implements AlarmActions {
  private readonly queue: WorkQueue;
  private readonly timeScale: number;
  private unsubscribers: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private running = false;
  private schedulePass: Promise<void> = Promise.resolve();
  private scheduleAgain = false;
  private scheduling = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: AutoscalerOptions = {},
  ) {
    this.timeScale = options.timeScale ?? 1;
    this.queue = new WorkQueue('autoscaler-activities', (key) => this.settleActivities(key), logger, {
      concurrency: 2,
      resyncMs: options.resyncMs ?? 60_000,
      listKeys: async () => (await this.store.listAll<ScalableTargetRecord>(AUTOSCALING_KIND.scalableTarget)).map((record) => queueKey(record.scope, record.id)),
    });
    this.resyncMs = options.resyncMs ?? 60_000;
  }

  private readonly resyncMs: number;

  serves(actionArn: string): boolean {
    return isPolicyArn(actionArn);
  }

  async invoke(invocation: AlarmActionInvocation): Promise<void> {
    const parsed = parsePolicyArn(invocation.actionArn);
    if (!parsed || parsed.account !== invocation.scope.account || parsed.region !== invocation.scope.region) {
      throw new Error(`${invocation.actionArn} is not a scaling policy of this account and region.`);
    }
    const scope = invocation.scope;
    await retryOnStale(async () => {
      const policy = await this.store.get<ScalingPolicyRecord>(AUTOSCALING_KIND.policy, scope, policyRecordId(parsed.key, parsed.policyName));
      if (!policy || policy.doc.PolicyARN !== invocation.actionArn) throw new Error(`The scaling policy ${invocation.actionArn} does not exist.`);
      const target = await this.store.get<ScalableTargetRecord>(AUTOSCALING_KIND.scalableTarget, scope, targetRecordId(parsed.key));
      if (!target) throw new Error(`No scalable target is registered for ${parsed.key.ResourceId}.`);
      const parts = parseEcsResourceId(parsed.key.ResourceId)!;
      const service = await this.store.get<Service>(KIND.service, scope, serviceRecordId(parts.cluster, parts.service));
      if (!isScalable(service?.doc)) throw new Error(`ECS service doesn't exist: ${parsed.key.ResourceId}`);
      const now = invocation.now;
      const decision = decideScaling({
        now,
        timeScale: this.timeScale,
        target: target.doc,
        policy: policy.doc,
        alarmName: invocation.alarmName,
        state: invocation.state,
        datapoints: invocation.datapoints,
        ...(invocation.threshold !== undefined ? { threshold: invocation.threshold } : {}),
        service: { desiredCount: service.doc.desiredCount, runningCount: service.doc.runningCount, deploymentInProgress: deploymentInProgress(service.doc) },
        otherScaleInPolicies: await this.otherScaleInPolicies(scope, parsed.key, policy.doc),
      });
      const cause = alarmCause(invocation.alarmName, policy.doc.PolicyName);
      if (decision.kind === 'none') {
        this.logger.debug({ policy: invocation.actionArn, why: decision.why }, 'scaling policy invoked: nothing to do');
        return;
      }
      if (decision.kind === 'not-scaled') {
        const [newest] = await this.store.list<ScalingActivityRecord>(AUTOSCALING_KIND.activity, scope, { prefix: underTarget(parsed.key), reverse: true, limit: 1 });
        if (repeatsNotScaled(newest?.doc, cause, decision.reason)) return;
        const activity = notScaledActivity(parsed.key, randomUUID(), now, cause, decision.reason);
        await this.store.write([{ op: 'put', kind: AUTOSCALING_KIND.activity, scope, id: activityRecordId(parsed.key, now, activity.ActivityId), doc: activity, expect: 'absent' }]);
        return;
      }
      const cooldowns = decision.direction === 'out' ? decision.cooldowns : { ...target.doc.wharf.cooldowns, ...decision.cooldowns };
      const nextTarget: ScalableTargetRecord = { ...target.doc, wharf: { ...target.doc.wharf, cooldowns } };
      const activity = desiredCountActivity(parsed.key, randomUUID(), now, cause, decision.desiredCount);
      const ops: WriteOp[] = [
        { op: 'put', kind: KIND.service, scope, id: service!.id, doc: withDesiredCount(service!.doc, decision.desiredCount, now, AUTOSCALING_PRINCIPAL), expect: service!.version },
        { op: 'put', kind: AUTOSCALING_KIND.scalableTarget, scope, id: target.id, doc: nextTarget, expect: target.version },
        { op: 'put', kind: AUTOSCALING_KIND.activity, scope, id: activityRecordId(parsed.key, now, activity.ActivityId), doc: activity, expect: 'absent' },
      ];
      await this.store.write(ops);
      this.logger.info({ service: parsed.key.ResourceId, policy: policy.doc.PolicyName, from: service!.doc.desiredCount, to: decision.desiredCount }, 'scaling policy changed the desired count');
    });
  }

  /** The target's other target tracking policies that can scale in, each with whether its low alarm is in ALARM. */
  private async otherScaleInPolicies(scope: Scope, key: TargetKey, policy: ScalingPolicyRecord) {
    const policies = await this.store.list<ScalingPolicyRecord>(AUTOSCALING_KIND.policy, scope, { prefix: underTarget(key) });
    const others = policies.filter(
      (record) => record.doc.PolicyName !== policy.PolicyName && record.doc.PolicyType === 'TargetTrackingScaling' && !record.doc.TargetTrackingScalingPolicyConfiguration?.DisableScaleIn,
    );
    return Promise.all(
      others.map(async (record) => {
        const low = record.doc.Alarms.find((alarm) => alarmKind(alarm.AlarmName) === 'AlarmLow');
        const alarm = low ? await this.store.get<AlarmRecord>(ALARM_KIND, scope, low.AlarmName) : undefined;
        return { policyName: record.doc.PolicyName, inLowAlarm: alarm?.doc.StateValue === 'ALARM' };
      }),
    );
  }

  start(): void {
    this.running = true;
    // A service's counts settle its target's activities; a new activity may already be fulfilled.
    this.unsubscribers.push(this.store.watch(KIND.service, (change) => this.queue.add(queueKey(change.scope, targetRecordId(ecsTargetKey(change.id))))));
    this.unsubscribers.push(
      this.store.watch(AUTOSCALING_KIND.activity, (change) => {
        const targetId = change.id.split('|').slice(0, 3).join('|');
        this.queue.add(queueKey(change.scope, targetId));
      }),
    );
    this.unsubscribers.push(this.store.watch(AUTOSCALING_KIND.scheduledAction, () => this.rescheduleSoon()));
    this.unsubscribers.push(this.store.watch(AUTOSCALING_KIND.scalableTarget, () => this.rescheduleSoon()));
    this.queue.start();
    this.resyncTimer = setInterval(() => this.rescheduleSoon(), this.resyncMs);
    this.rescheduleSoon();
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.timer = undefined;
    this.resyncTimer = undefined;
    await this.queue.stop();
    await this.schedulePass;
  }

  /** Runs a pass over the scheduled actions now, or right after the one under way. */
  private rescheduleSoon(): void {
    if (!this.running) return;
    if (this.scheduling) {
      this.scheduleAgain = true;
      return;
    }
    this.scheduling = true;
    this.schedulePass = (async () => {
      do {
        this.scheduleAgain = false;
        try {
          await this.runDueActions();
        } catch (error) {
          this.logger.warn({ err: error }, 'scheduled actions: a pass failed; retrying at the next resync');
        }
      } while (this.scheduleAgain && this.running);
      this.scheduling = false;
    })();
  }

  /** Runs every due scheduled action, then sets the timer to the next one. Exposed for tests. */
  async runDueActions(): Promise<void> {
    const now = this.clock.now().getTime();
    let earliest: number | undefined;
    for (const record of await this.store.listAll<ScheduledActionRecord>(AUTOSCALING_KIND.scheduledAction)) {
      const due = nextRun(record.doc);
      if (due === undefined) continue;
      if (due <= now) {
        try {
          await this.runAction(record.scope, record.id);
        } catch (error) {
          this.logger.warn({ err: error, action: record.doc.ScheduledActionARN }, 'scheduled action failed; retrying at the next resync');
        }
        const again = await this.store.get<ScheduledActionRecord>(AUTOSCALING_KIND.scheduledAction, record.scope, record.id);
        const next = again ? nextRun(again.doc) : undefined;
        if (next !== undefined && next > now) earliest = Math.min(earliest ?? next, next);
      } else earliest = Math.min(earliest ?? due, due);
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (earliest !== undefined && this.running) {
      this.timer = setTimeout(() => this.rescheduleSoon(), Math.min(MAX_TIMER_MS, Math.max(0, earliest - this.clock.now().getTime())));
    }
  }

  private async runAction(scope: Scope, id: string): Promise<void> {
    await retryOnStale(async () => {
      const now = this.clock.now().getTime();
      const action = await this.store.get<ScheduledActionRecord>(AUTOSCALING_KIND.scheduledAction, scope, id);
      if (!action) return;
      const due = nextRun(action.doc);
      if (due === undefined || due > now) return;
      const target = await this.store.get<ScalableTargetRecord>(AUTOSCALING_KIND.scalableTarget, scope, targetRecordId(action.doc));
      if (!target) return;
      const parts = parseEcsResourceId(action.doc.ResourceId)!;
      const service = await this.store.get<Service>(KIND.service, scope, serviceRecordId(parts.cluster, parts.service));
      const scalable = isScalable(service?.doc) ? (service as StoredRecord<Service>) : undefined;
      const plan = planScheduledRun(action.doc, target.doc, scalable?.doc.desiredCount ?? 0, due, now, randomUUID);
      const ops: WriteOp[] = [{ op: 'put', kind: AUTOSCALING_KIND.scheduledAction, scope, id, doc: plan.action, expect: action.version }];
      if (plan.target) ops.push({ op: 'put', kind: AUTOSCALING_KIND.scalableTarget, scope, id: target.id, doc: plan.target, expect: target.version });
      if (plan.desiredCount !== undefined && scalable) {
        ops.push({ op: 'put', kind: KIND.service, scope, id: scalable.id, doc: withDesiredCount(scalable.doc, plan.desiredCount, now, AUTOSCALING_PRINCIPAL), expect: scalable.version });
      }
      for (const activity of plan.activities) {
        ops.push({ op: 'put', kind: AUTOSCALING_KIND.activity, scope, id: activityRecordId(activity, activity.StartTime, activity.ActivityId), doc: activity, expect: 'absent' });
      }
      await this.store.write(ops);
      this.logger.info({ action: action.doc.ScheduledActionName, resource: action.doc.ResourceId, desiredCount: plan.desiredCount }, 'scheduled action ran');
    });
  }

  /** Settles a target's in-progress activities against its service, and drops activities older than six weeks. */
  private async settleActivities(key: string): Promise<ReconcileResult> {
    const { scope, targetId } = parseQueueKey(key);
    const [namespace, resourceId, dimension] = targetId.split('|') as [string, string, string];
    const targetKey: TargetKey = { ServiceNamespace: namespace, ResourceId: resourceId, ScalableDimension: dimension };
    const activities = await this.store.list<ScalingActivityRecord>(AUTOSCALING_KIND.activity, scope, { prefix: underTarget(targetKey) });
    if (activities.length === 0) return done;
    const parts = parseEcsResourceId(resourceId);
    const service = parts ? await this.store.get<Service>(KIND.service, scope, serviceRecordId(parts.cluster, parts.service)) : undefined;
    const now = this.clock.now().getTime();
    const ops: WriteOp[] = [];
    for (const record of activities) {
      if (record.doc.StartTime < now - ACTIVITY_RETENTION_MS) {
        ops.push({ op: 'delete', kind: AUTOSCALING_KIND.activity, scope, id: record.id, expect: record.version });
        continue;
      }
      const settled = settleActivity(record.doc, isScalable(service?.doc) ? service!.doc : undefined, now);
      if (settled !== record.doc) ops.push({ op: 'put', kind: AUTOSCALING_KIND.activity, scope, id: record.id, doc: settled, expect: record.version });
    }
    // A stale write throws: the queue retries with a fresh read.
    if (ops.length > 0) await this.store.write(ops);
    return done;
  }
}
