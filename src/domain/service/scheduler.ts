import type { TargetGroupRecord, TargetRegistration } from '../elbv2/records.js';
import type { StopCode, TaskStatus } from '../task/task-status.js';
import { spreadByStrategy } from '../task/run-task.js';
import { unplaceableReason } from '../task/launch-capacity.js';
import { drainStopReason } from '../placement/drain-reason.js';
import { ELB_HEALTH_STOP_PREFIX, elbHealthStopReason, planTargets, type LoadBalancerHealth } from './load-balancing.js';
import { circuitBreakerThreshold, planRolloutStep } from './rolling-update.js';
import { applyLaunch, MAX_SERVICE_EVENTS, type Deployment, type Service, type ServiceDeploymentRecord, type TaskSet } from './service.js';
import { computedDesiredCount, loadBalancersOfSide, usesTaskSets } from './task-sets.js';
import { ruleForwards, stepTrafficShift, type RuleForward } from './traffic-shift.js';
import { alarmRollbackReason, triggeredAlarms, type AlarmStates } from './deployment-alarms.js';
import type { TargetGroupSide } from './service.js';
import { deploymentId, rolloutReasons, serviceEvents } from './service-events.js';

/**
 * The service scheduler's decisions, as a pure function of one snapshot: the
 * service with its deployments, the service's tasks and the time. The
 * controller applies the plan in one store write (new tasks, stops and the
 * next service together), so a crash leaves either all of it or none, and a
 * re-run from the new snapshot carries on where this one stopped.
 */

/** What the scheduler reads of one of its tasks. */
export interface ServiceTaskView {
  readonly taskId: string;
  /** The deployment that started it (the task's `startedBy`). */
  readonly deploymentId: string | undefined;
  readonly lastStatus: TaskStatus;
  readonly desiredStatus: 'RUNNING' | 'STOPPED';
  readonly healthStatus: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
  /** Whether an essential container has a health check (then HEALTHY is what counts). */
  readonly hasHealthCheck: boolean;
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly stopRequestedAt?: number;
  readonly stopCode?: StopCode;
  readonly stoppedReason?: string;
  readonly capacityProviderName?: string;
  /** The task's private IPv4 address, once its ENI has one (a load balancer target's id). */
  readonly privateIp?: string;
  /** When a load-balanced task being stopped has drained (set once, see planTargets). */
  readonly drainUntil?: number;
  /** For a service with load balancers: what its target groups say about this task. */
  readonly loadBalancer?: LoadBalancerHealth;
  /** Whether its container instance is DRAINING (UpdateContainerInstancesState): the task is replaced elsewhere. */
  readonly onDrainingInstance?: boolean;
}

export interface SchedulerIds {
  taskId(): string;
  eventId(): string;
  /** 19 random digits for a deployment id. */
  deploymentDigits(): string;
}

export interface SchedulerContext {
  readonly now: number;
  /** Divides every ECS wait (the 40 s health wait, back-off, grace periods). */
  readonly timeScale: number;
  readonly ids: SchedulerIds;
  /** What is left on the container hosts for new tasks. */
  readonly free: { readonly cpuUnits: number; readonly memoryMiB: number };
  /** How many registered container instances the cluster has: where an EC2 launch can go (none: it waits). */
  readonly registeredInstances?: number;
  /** The service's target groups by ARN (those that still exist), for registering its tasks. */
  readonly targetGroups?: ReadonlyMap<string, TargetGroupRecord>;
  /** The states of the alarms the service's deploymentConfiguration.alarms names (missing alarms are left out). */
  readonly alarmStates?: AlarmStates;
  /** Lifecycle hook ids (a UUID each). */
  readonly hookId?: () => string;
}

export interface TaskStart {
  readonly deploymentId: string;
  readonly taskId: string;
  /** Set when the deployment uses a capacity provider strategy. */
  readonly capacityProvider?: string;
}

export interface TaskStop {
  readonly taskId: string;
  readonly stopCode: StopCode;
  readonly reason: string;
}

export interface SchedulerPlan {
  readonly service: Service;
  readonly start: readonly TaskStart[];
  readonly stop: readonly TaskStop[];
  /** Target groups whose `targets` changed (registrations, deregistrations), by ARN. */
  readonly targets: ReadonlyMap<string, TargetRegistration[]>;
  /** Drain deadlines (epoch ms) for tasks on their way out, stopped in this plan or earlier. */
  readonly drainUntil: ReadonlyMap<string, number>;
  /** When time alone will change a decision (a task becoming healthy, a back-off ending). */
  readonly recheckAfterMs?: number;
  /** Listener rules a BLUE_GREEN, LINEAR or CANARY deployment rewrites, written with the service. */
  readonly listenerRules: readonly RuleForward[];
}

/** Without a health check, a new task counts as healthy this long after RUNNING. */
export const HEALTHY_AFTER_RUNNING_MS = 40_000;
/** The launch back-off grows from this and stops growing at ECS's 27 minutes. */
export const BACKOFF_BASE_MS = 10_000;
export const MAX_BACKOFF_MS = 27 * 60_000;
/** Consecutive failed launches before the scheduler waits between attempts. */
export const BACKOFF_AFTER_FAILURES = 2;
/** How often placement is tried again when the hosts are full. */
export const PLACEMENT_RETRY_MS = 10_000;
/** A warning still true is repeated after this long, as ECS does. */
export const WARNING_REPEAT_MS = 6 * 60 * 60_000;

export const HEALTH_CHECK_STOP_REASON = 'Task failed container health checks';
export const scalingReason = (deployment: string) => `Scaling activity initiated by (deployment ${deployment})`;
/** Fargate's words when there is no room for a task. */
export const NO_CAPACITY_REASON = 'Capacity is unavailable at this time. Please try again later or in a different availability zone';

/** How long a launch waits after `failures` consecutive failures (0 before the back-off starts). */
export function launchBackoffMs(failures: number, timeScale: number): number {
  if (failures < BACKOFF_AFTER_FAILURES) return 0;
  return Math.min(MAX_BACKOFF_MS, BACKOFF_BASE_MS * 2 ** (failures - BACKOFF_AFTER_FAILURES)) / timeScale;
}

export function scheduleService(current: Service, tasks: readonly ServiceTaskView[], ctx: SchedulerContext): SchedulerPlan {
  const service = structuredClone(current) as Service;
  if (service.status === 'INACTIVE') return { service: current, start: [], stop: [], targets: new Map(), drainUntil: new Map(), listenerRules: [] };
  const run = new Round(service, tasks, ctx);
  if (service.status === 'DRAINING') run.drain();
  else if (usesTaskSets(service)) run.scheduleTaskSets();
  else run.schedule();
  run.balance();
  return run.finish(current);
}

/** One reconcile's working state; `finish` turns it into the plan. */
class Round {
  private readonly messages: string[] = [];
  private readonly starts: TaskStart[] = [];
  private readonly stops: TaskStop[] = [];
  private readonly stopped = new Set<string>();
  /** Unhealthy tasks of the primary deployment, running on until their replacements are healthy. */
  private readonly replacing: ServiceTaskView[] = [];
  private recheck = Infinity;
  private targets: ReadonlyMap<string, TargetRegistration[]> = new Map();
  private drainUntil: ReadonlyMap<string, number> = new Map();
  private listenerRules: RuleForward[] = [];
  private readonly healthyWindow: number;

  constructor(
    private readonly service: Service,
    private readonly tasks: readonly ServiceTaskView[],
    private readonly ctx: SchedulerContext,
  ) {
    this.healthyWindow = HEALTHY_AFTER_RUNNING_MS / ctx.timeScale;
  }

  private get now() {
    return this.ctx.now;
  }

  private wake(afterMs: number) {
    if (afterMs > 0) this.recheck = Math.min(this.recheck, afterMs);
  }

  /** Tasks the scheduler still wants running and has not decided to stop this round. */
  private live(): ServiceTaskView[] {
    return this.tasks.filter((t) => t.desiredStatus === 'RUNNING' && t.lastStatus !== 'STOPPED' && !this.stopped.has(t.taskId));
  }

  private stoppingCount(): number {
    return this.tasks.filter((t) => t.lastStatus !== 'STOPPED' && (t.desiredStatus === 'STOPPED' || this.stopped.has(t.taskId))).length;
  }

  /**
   * ECS's rule: healthy when its target is healthy in every target group (if
   * the service has load balancers) and the containers' checks say so (if they
   * have checks); with neither, 40 s after RUNNING.
   */
  private healthy(task: ServiceTaskView): boolean {
    if (task.lastStatus !== 'RUNNING') return false;
    if (task.loadBalancer) return task.loadBalancer.state === 'healthy' && (!task.hasHealthCheck || task.healthStatus === 'HEALTHY');
    if (task.hasHealthCheck) return task.healthStatus === 'HEALTHY';
    const since = this.now - (task.startedAt ?? this.now);
    if (since < this.healthyWindow) this.wake(this.healthyWindow - since);
    return since >= this.healthyWindow;
  }

  private stop(task: ServiceTaskView, stopCode: StopCode, reason: string) {
    this.stops.push({ taskId: task.taskId, stopCode, reason });
    this.stopped.add(task.taskId);
  }

  private primary(): Deployment | undefined {
    return this.service.deployments.find((d) => d.status === 'PRIMARY');
  }

  private serviceDeploymentOf(deployment: Deployment): ServiceDeploymentRecord | undefined {
    const id = this.service.wharf.deployments[deployment.id]?.serviceDeploymentId;
    return this.service.wharf.serviceDeployments.find((sd) => sd.id === id);
  }

  drain() {
    const primary = this.primary();
    for (const task of this.live()) this.stop(task, 'ServiceSchedulerInitiated', scalingReason(primary?.id ?? 'ecs-svc'));
    if (this.stops.length > 0) this.messages.push(serviceEvents.stoppedTasks(this.service.serviceName, this.stops.map((s) => s.taskId)));
    for (const taskSet of this.service.taskSets ?? []) taskSet.computedDesiredCount = 0;
    this.updateTaskSetCounts();
    if (this.stoppingCount() === 0) {
      this.service.status = 'INACTIVE';
      this.service.desiredCount = 0;
    }
    this.updateCounts();
  }

  schedule() {
    this.countFailures();
    const shifting = this.shiftingRecord();
    if (shifting) return this.shiftTraffic(shifting);
    this.watchAlarms();
    this.honourStopRequest();
    this.tripCircuitBreaker();
    this.replaceUnhealthy({ replaceFirst: true });
    this.roll();
    this.updateCounts();
    this.retireDrainedDeployments();
    this.completeRollout();
    this.noteSteadyState();
  }

  /** The service deployment a BLUE_GREEN, LINEAR or CANARY strategy is moving along (or rolling back), if any. */
  private shiftingRecord(): ServiceDeploymentRecord | undefined {
    const active: readonly string[] = ['IN_PROGRESS', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS'];
    return this.service.wharf.serviceDeployments.find(
      (sd) => sd.shift !== undefined && active.includes(sd.status) && this.service.deployments.some((d) => d.id === sd.deploymentIds[0]),
    );
  }

  /**
   * Alarm monitoring for a rolling deployment: a named alarm in ALARM fails
   * the primary and, with rollback, returns to the last completed revision.
   */
  private watchAlarms() {
    const primary = this.primary();
    const record = primary ? this.serviceDeploymentOf(primary) : undefined;
    if (!primary || !record || record.status !== 'IN_PROGRESS' || primary.rolloutState !== 'IN_PROGRESS') return;
    const names = triggeredAlarms(record.deploymentConfiguration, this.ctx.alarmStates);
    if (names.length === 0) return;
    const reason = alarmRollbackReason(names);
    record.triggeredAlarmNames = names;
    record.updatedAt = this.now;
    primary.rolloutState = 'FAILED';
    primary.rolloutStateReason = reason;
    primary.updatedAt = this.now;
    this.messages.push(serviceEvents.deploymentFailedByAlarms(this.service.serviceName, primary.id, names));
    if (record.deploymentConfiguration.alarms?.rollback && this.rollBack(primary, record, reason)) return;
    record.status = 'STOPPED';
    record.statusReason = reason;
    record.stoppedAt = this.now;
    record.finishedAt = this.now;
  }

  /**
   * One step of a BLUE_GREEN, LINEAR or CANARY deployment (traffic-shift.ts
   * decides): green is kept at the desired count once the stage says so,
   * blue until the clean-up; the listener rules follow the traffic shares.
   */
  private shiftTraffic(record: ServiceDeploymentRecord) {
    const wharf = this.service.wharf;
    const green = this.service.deployments.find((d) => d.id === record.deploymentIds[0])!;
    const blues = this.service.deployments.filter((d) => d !== green);
    const desired = this.service.desiredCount;
    // Green's unhealthy tasks are replaced, the replacements first (green may be taking production traffic);
    // blue's leave with the clean-up (stopping them early would cut production traffic).
    if (record.status === 'IN_PROGRESS' && green.status === 'PRIMARY') this.replaceUnhealthy({ replaceFirst: true, only: (task) => task.deploymentId === green.id });
    const remaining = this.tasks.filter((t) => t.lastStatus !== 'STOPPED' && !this.stopped.has(t.taskId));
    const greenLive = this.live().filter((t) => t.deploymentId === green.id);
    const greenReady = greenLive.length === desired && greenLive.every((t) => this.healthy(t));
    let rollbackReason: string | undefined;
    if (record.status === 'ROLLBACK_REQUESTED') rollbackReason = rolloutReasons.stopRequested(green.id);
    const breaker = this.service.deploymentConfiguration.deploymentCircuitBreaker;
    if (!rollbackReason && breaker.enable && green.failedTasks >= circuitBreakerThreshold(desired) && !record.shift!.rollback) {
      record.circuitBreakerStatus = 'TRIGGERED';
      rollbackReason = rolloutReasons.circuitBreakerFailed();
    }
    const alarmed = record.shift!.rollback || record.shift!.stage === 'CLEAN_UP' ? [] : triggeredAlarms(record.deploymentConfiguration, this.ctx.alarmStates);
    if (!rollbackReason && alarmed.length > 0) {
      record.triggeredAlarmNames = alarmed;
      if (record.deploymentConfiguration.alarms?.rollback) rollbackReason = alarmRollbackReason(alarmed);
    }
    const step = stepTrafficShift({
      settings: record.deploymentConfiguration,
      state: record.shift!,
      now: this.now,
      timeScale: this.ctx.timeScale,
      greenReady,
      blueGone: !remaining.some((t) => t.deploymentId !== green.id),
      greenGone: !this.tasks.some((t) => t.lastStatus !== 'STOPPED' && t.deploymentId === green.id),
      ...(rollbackReason ? { rollbackReason } : {}),
      hookId: this.ctx.hookId ?? (() => this.ctx.ids.eventId()),
    });
    if (JSON.stringify(step.state) !== JSON.stringify(record.shift)) {
      record.shift = step.state;
      record.updatedAt = this.now;
    }
    if (step.wakeAfterMs !== undefined) this.wake(step.wakeAfterMs);
    const blue = blues[0];
    if (step.rolledBackBecause) this.startShiftRollback(record, green, blue, step.rolledBackBecause);

    const started: string[] = [];
    const stopped: string[] = [];
    this.keepAt(green, step.greenUp ? desired : 0, started, stopped);
    blues.forEach((deployment, index) => this.keepAt(deployment, index === 0 && step.blueUp ? desired : 0, started, stopped));
    if (stopped.length > 0) this.messages.push(serviceEvents.stoppedTasks(this.service.serviceName, stopped));
    if (started.length > 0) this.messages.push(serviceEvents.startedTasks(this.service.serviceName, started));

    const greenSide: TargetGroupSide = wharf.deployments[green.id]?.side ?? 'alternate';
    this.listenerRules = ruleForwards(this.service.loadBalancers, greenSide, step.state);
    this.updateCounts();
    this.retireDrainedDeployments();
    if (step.outcome === 'SUCCESSFUL') this.finishShift(record, green, greenSide);
    if (step.outcome === 'ROLLBACK_SUCCESSFUL') {
      record.status = 'ROLLBACK_SUCCESSFUL';
      record.finishedAt = this.now;
      record.updatedAt = this.now;
    }
    this.noteSteadyState();
  }

  /** Blue is PRIMARY again (its traffic is back, see ruleForwards); green fails and scales in. */
  private startShiftRollback(record: ServiceDeploymentRecord, green: Deployment, blue: Deployment | undefined, reason: string) {
    record.status = 'ROLLBACK_IN_PROGRESS';
    record.statusReason = reason;
    green.rolloutState = 'FAILED';
    green.rolloutStateReason = reason;
    green.updatedAt = this.now;
    this.messages.push(serviceEvents.deploymentFailed(this.service.serviceName, green.id));
    if (!blue) return;
    const revisionId = this.service.wharf.deployments[blue.id]?.revisionId;
    if (revisionId) record.rollback = { reason, startedAt: this.now, revisionId };
    green.status = 'ACTIVE';
    blue.status = 'PRIMARY';
    blue.updatedAt = this.now;
    this.service.taskDefinition = blue.taskDefinition;
    applyLaunch(this.service, blue);
    this.messages.push(serviceEvents.rollingBack(this.service.serviceName, blue.id));
  }

  /** Blue is gone: green's target groups are production from now on, and the next deployment shifts away from them. */
  private finishShift(record: ServiceDeploymentRecord, green: Deployment, greenSide: TargetGroupSide) {
    const wharf = this.service.wharf;
    green.rolloutState = 'COMPLETED';
    green.rolloutStateReason = rolloutReasons.completed(green.id);
    green.updatedAt = this.now;
    this.messages.push(serviceEvents.deploymentCompleted(this.service.serviceName, green.id));
    const internals = wharf.deployments[green.id];
    if (internals) wharf.lastCompleted = { deploymentId: green.id, revisionId: internals.revisionId, cpu: internals.cpu, memory: internals.memory };
    wharf.productionSide = greenSide;
    wharf.launchFailures = 0;
    delete wharf.retryAfter;
    record.status = 'SUCCESSFUL';
    record.finishedAt = this.now;
    record.updatedAt = this.now;
    if (record.circuitBreakerStatus === 'MONITORING') record.circuitBreakerStatus = 'MONITORING_COMPLETE';
  }

  /**
   * EXTERNAL and CODE_DEPLOY services: each task set is kept at its computed
   * desired count (ceil(desired x scale%); 0 once DRAINING) with the same
   * launch rules as a deployment; a drained DRAINING task set goes away.
   */
  scheduleTaskSets() {
    this.countTaskSetFailures();
    this.replaceUnhealthy({ replaceFirst: false });
    const started: string[] = [];
    const stopped: string[] = [];
    for (const taskSet of this.service.taskSets ?? []) this.scaleTaskSet(taskSet, started, stopped);
    if (stopped.length > 0) this.messages.push(serviceEvents.stoppedTasks(this.service.serviceName, stopped));
    if (started.length > 0) {
      this.messages.push(serviceEvents.startedTasks(this.service.serviceName, started));
      delete this.service.wharf.lastWarning;
      delete this.service.wharf.lastWarningAt;
    }
    this.updateCounts();
    this.updateTaskSetCounts();
    const remaining = this.tasks.filter((t) => t.lastStatus !== 'STOPPED');
    this.service.taskSets = (this.service.taskSets ?? []).filter((taskSet) => {
      if (taskSet.status !== 'DRAINING' || remaining.some((t) => t.deploymentId === taskSet.id)) return true;
      delete (this.service.wharf.deployments as Record<string, unknown>)[taskSet.id];
      return false;
    });
    const steady = (this.service.taskSets ?? []).every((ts) => ts.stabilityStatus === 'STEADY_STATE') && this.stoppingCount() === 0;
    if (steady && !this.service.wharf.steady) this.messages.push(serviceEvents.steadyState(this.service.serviceName));
    this.service.wharf.steady = steady;
  }

  /** A task of a task set that stopped before it was healthy: the launch back-off grows. */
  private countTaskSetFailures() {
    const wharf = this.service.wharf;
    for (const task of this.tasks) {
      const internals = task.deploymentId ? wharf.deployments[task.deploymentId] : undefined;
      if (!internals || internals.failedTaskIds.includes(task.taskId) || !this.failedToStart(task)) continue;
      internals.failedTaskIds.push(task.taskId);
      wharf.launchFailures += 1;
      const backoff = launchBackoffMs(wharf.launchFailures, this.ctx.timeScale);
      if (backoff > 0) wharf.retryAfter = this.now + backoff;
      if (wharf.launchFailures === BACKOFF_AFTER_FAILURES + 1) this.messages.push(serviceEvents.unableToStartConsistently(this.service.serviceName));
    }
    if (this.live().some((t) => t.deploymentId !== undefined && this.healthy(t))) {
      wharf.launchFailures = 0;
      delete wharf.retryAfter;
    }
  }

  private scaleTaskSet(taskSet: TaskSet, started: string[], stopped: string[]) {
    const desired = taskSet.status === 'DRAINING' ? 0 : computedDesiredCount(this.service.desiredCount, taskSet.scale.value);
    if (taskSet.computedDesiredCount !== desired) {
      taskSet.computedDesiredCount = desired;
      taskSet.updatedAt = this.now;
    }
    this.keepAt(taskSet, desired, started, stopped);
  }

  /** Starts or stops tasks of one deployment or task set until it has `desired`, within the back-off and the room left. */
  private keepAt(unit: Deployment | TaskSet, desired: number, started: string[], stopped: string[]) {
    // Unhealthy tasks being replaced do not count: their replacements start, and they leave as the replacements turn healthy.
    const replacing = this.replacing.filter((t) => t.deploymentId === unit.id);
    const mine = this.live().filter((t) => t.deploymentId === unit.id && !replacing.includes(t));
    const byReadiness = (a: ServiceTaskView, b: ServiceTaskView) => Number(this.healthy(a)) - Number(this.healthy(b)) || b.createdAt - a.createdAt;
    for (const task of [...mine].sort(byReadiness).slice(0, Math.max(0, mine.length - desired))) {
      this.stop(task, 'ServiceSchedulerInitiated', scalingReason(unit.id));
      stopped.push(task.taskId);
    }
    const healthyKept = mine.filter((t) => !this.stopped.has(t.taskId) && this.healthy(t)).length;
    const leaving = Math.min(replacing.length, Math.max(0, healthyKept + replacing.length - desired));
    for (const task of [...replacing].sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0)).slice(0, leaving)) this.stopUnhealthy(task);
    let allowed = Math.max(0, desired - mine.length);
    const wharf = this.service.wharf;
    if (allowed > 0 && wharf.retryAfter !== undefined && wharf.retryAfter > this.now) {
      this.wake(wharf.retryAfter - this.now);
      return;
    }
    const unplaceable = unplaceableReason(unit, this.ctx.registeredInstances);
    if (allowed > 0 && unplaceable) {
      this.warnOnce(serviceEvents.noContainerInstance(this.service.serviceName, unplaceable));
      this.wake(PLACEMENT_RETRY_MS / this.ctx.timeScale);
      return;
    }
    const internals = wharf.deployments[unit.id];
    if (allowed > 0 && internals) {
      // What this round already started takes room too.
      const used = this.starts.reduce((sum, start) => {
        const other = wharf.deployments[start.deploymentId];
        return { cpu: sum.cpu + (other?.cpu ?? 0), memory: sum.memory + (other?.memory ?? 0) };
      }, { cpu: 0, memory: 0 });
      const byCpu = internals.cpu > 0 ? Math.floor((this.ctx.free.cpuUnits - used.cpu) / internals.cpu) : Infinity;
      const byMemory = internals.memory > 0 ? Math.floor((this.ctx.free.memoryMiB - used.memory) / internals.memory) : Infinity;
      const fits = Math.min(byCpu, byMemory);
      if (fits < allowed) {
        allowed = Math.max(0, fits);
        this.warnOnce(serviceEvents.unableToPlace(this.service.serviceName, NO_CAPACITY_REASON));
        this.wake(PLACEMENT_RETRY_MS / this.ctx.timeScale);
      }
    }
    if (allowed === 0) return;
    const already: Record<string, number> = {};
    for (const task of mine) if (task.capacityProviderName) already[task.capacityProviderName] = (already[task.capacityProviderName] ?? 0) + 1;
    const providers = unit.capacityProviderStrategy?.length ? spreadByStrategy(unit.capacityProviderStrategy, allowed, already) : [];
    for (let i = 0; i < allowed; i++) {
      const provider = providers[i];
      const taskId = this.ctx.ids.taskId();
      this.starts.push({ deploymentId: unit.id, taskId, ...(provider ? { capacityProvider: provider } : {}) });
      started.push(taskId);
    }
  }

  /** Running and pending counts per task set, and whether each is stable (as many running as it should have, none pending). */
  private updateTaskSetCounts() {
    const live = this.live();
    for (const taskSet of this.service.taskSets ?? []) {
      const mine = live.filter((t) => t.deploymentId === taskSet.id);
      const running = mine.filter((t) => t.lastStatus === 'RUNNING').length;
      const pending = mine.length - running + this.starts.filter((s) => s.deploymentId === taskSet.id).length;
      const leaving = this.tasks.some((t) => t.deploymentId === taskSet.id && t.lastStatus !== 'STOPPED' && (t.desiredStatus === 'STOPPED' || this.stopped.has(t.taskId)));
      const stability = running === taskSet.computedDesiredCount && pending === 0 && !leaving ? 'STEADY_STATE' : 'STABILIZING';
      if (taskSet.runningCount !== running || taskSet.pendingCount !== pending) {
        taskSet.runningCount = running;
        taskSet.pendingCount = pending;
        taskSet.updatedAt = this.now;
      }
      if (taskSet.stabilityStatus !== stability) {
        taskSet.stabilityStatus = stability;
        taskSet.stabilityStatusAt = this.now;
      }
    }
  }

  /**
   * Each task of a deployment that stopped before it was healthy counts once
   * towards the deployment's failedTasks (the circuit breaker's stage 1), as
   * does each task replaced for failed health checks (stage 2).
   */
  private countFailures() {
    const primary = this.primary();
    for (const task of this.tasks) {
      const internals = task.deploymentId ? this.service.wharf.deployments[task.deploymentId] : undefined;
      if (!internals || internals.failedTaskIds.includes(task.taskId) || !this.failedToStart(task)) continue;
      internals.failedTaskIds.push(task.taskId);
      const deployment = this.service.deployments.find((d) => d.id === task.deploymentId);
      if (!deployment) continue;
      deployment.failedTasks += 1;
      deployment.updatedAt = this.now;
      const record = this.serviceDeploymentOf(deployment);
      if (record && deployment === primary) record.failureCount = deployment.failedTasks;
      if (deployment === primary) {
        const wharf = this.service.wharf;
        wharf.launchFailures += 1;
        const backoff = launchBackoffMs(wharf.launchFailures, this.ctx.timeScale);
        if (backoff > 0) wharf.retryAfter = this.now + backoff;
        if (wharf.launchFailures === BACKOFF_AFTER_FAILURES + 1) this.messages.push(serviceEvents.unableToStartConsistently(this.service.serviceName));
      }
    }
  }

  private failedToStart(task: ServiceTaskView): boolean {
    if (task.desiredStatus !== 'STOPPED') return false;
    if (task.stopCode === 'ServiceSchedulerInitiated') return task.stoppedReason === HEALTH_CHECK_STOP_REASON || (task.stoppedReason?.startsWith(ELB_HEALTH_STOP_PREFIX) ?? false);
    if (task.stopCode === 'TaskFailedToStart') return true;
    if (task.stopCode !== 'EssentialContainerExited') return false;
    // An essential container that exits before the task could count as healthy is a failed launch.
    return task.startedAt === undefined || (task.stopRequestedAt ?? this.now) - task.startedAt < this.healthyWindow;
  }

  /** A StopServiceDeployment request: ROLLBACK returns to the last completed revision, ABORT freezes the rollout. */
  private honourStopRequest() {
    const primary = this.primary();
    const record = primary ? this.serviceDeploymentOf(primary) : undefined;
    if (!primary || !record || (record.status !== 'ROLLBACK_REQUESTED' && record.status !== 'STOP_REQUESTED')) return;
    const reason = rolloutReasons.stopRequested(primary.id);
    primary.rolloutState = 'FAILED';
    primary.rolloutStateReason = reason;
    primary.updatedAt = this.now;
    record.updatedAt = this.now;
    if (record.status === 'ROLLBACK_REQUESTED' && this.rollBack(primary, record, reason)) return;
    record.status = 'STOPPED';
    record.statusReason = reason;
    record.stoppedAt = this.now;
    record.finishedAt = this.now;
  }

  private tripCircuitBreaker() {
    const primary = this.primary();
    const breaker = this.service.deploymentConfiguration.deploymentCircuitBreaker;
    if (!primary || !breaker.enable || primary.rolloutState !== 'IN_PROGRESS') return;
    if (primary.failedTasks < circuitBreakerThreshold(this.service.desiredCount)) return;
    primary.rolloutState = 'FAILED';
    primary.rolloutStateReason = rolloutReasons.circuitBreakerFailed();
    primary.updatedAt = this.now;
    this.messages.push(serviceEvents.deploymentFailed(this.service.serviceName, primary.id));
    const record = this.serviceDeploymentOf(primary);
    if (record) {
      record.circuitBreakerStatus = 'TRIGGERED';
      record.updatedAt = this.now;
    }
    const alreadyRollingBack = record?.rollback !== undefined;
    if (breaker.rollback && !alreadyRollingBack && this.rollBack(primary, record, rolloutReasons.circuitBreakerFailed())) return;
    if (record) {
      record.status = alreadyRollingBack ? 'ROLLBACK_FAILED' : 'STOPPED';
      record.statusReason = rolloutReasons.circuitBreakerFailed();
      record.stoppedAt = this.now;
      record.finishedAt = this.now;
    }
  }

  /**
   * A new PRIMARY deployment of the last revision that completed; the failed
   * one stays ACTIVE while its tasks drain. False when there is nothing to return to.
   */
  private rollBack(primary: Deployment, record: ServiceDeploymentRecord | undefined, reason: string): boolean {
    const wharf = this.service.wharf;
    const last = wharf.lastCompleted;
    const target = last ? wharf.revisions.find((r) => r.id === last.revisionId) : undefined;
    if (!last || !target) return false;
    const id = deploymentId(this.ctx.ids.deploymentDigits());
    primary.status = 'ACTIVE';
    wharf.deployments[id] = {
      revisionId: target.id,
      serviceDeploymentId: wharf.deployments[primary.id]?.serviceDeploymentId ?? '',
      failedTaskIds: [],
      cpu: last.cpu,
      memory: last.memory,
    };
    const launch = {
      ...(target.launchType ? { launchType: target.launchType } : {}),
      ...(target.capacityProviderStrategy ? { capacityProviderStrategy: target.capacityProviderStrategy } : {}),
      ...(target.platformVersion ? { platformVersion: target.platformVersion } : {}),
      ...(target.networkConfiguration ? { networkConfiguration: target.networkConfiguration } : {}),
    };
    this.service.deployments.unshift({
      id,
      status: 'PRIMARY',
      taskDefinition: target.taskDefinition,
      desiredCount: this.service.desiredCount,
      pendingCount: 0,
      runningCount: 0,
      failedTasks: 0,
      createdAt: this.now,
      updatedAt: this.now,
      ...launch,
      ...(target.platformFamily ? { platformFamily: target.platformFamily } : {}),
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: rolloutReasons.rollingBack(last.deploymentId),
    });
    this.service.taskDefinition = target.taskDefinition;
    applyLaunch(this.service, launch);
    this.messages.push(serviceEvents.rollingBack(this.service.serviceName, last.deploymentId));
    wharf.launchFailures = 0;
    delete wharf.retryAfter;
    if (record) {
      record.status = 'ROLLBACK_IN_PROGRESS';
      record.rollback = { reason, startedAt: this.now, revisionId: target.id };
      record.deploymentIds.push(id);
    }
    return true;
  }

  /**
   * A service replaces tasks whose target is unhealthy in a target group, or
   * whose essential containers fail their health checks, after the grace
   * period. Tasks of the primary deployment are replaced as ECS does it:
   * replacements start first and the unhealthy tasks stop as the
   * replacements become healthy (`roll()` decides with the rollout
   * arithmetic), so a service whose every task turned unhealthy keeps
   * answering through the load balancer meanwhile. Tasks of other
   * deployments are on their way out and stop at once; so do all of them
   * when `replaceFirst` is off (task sets). `roll()` and `keepAt()` start
   * the replacements and stop the unhealthy tasks they replace.
   */
  private replaceUnhealthy(options: { replaceFirst: boolean; only?: (task: ServiceTaskView) => boolean }) {
    const graceMs = ((this.service.healthCheckGracePeriodSeconds ?? 0) * 1000) / this.ctx.timeScale;
    const primaryId = this.primary()?.id;
    for (const task of this.live()) {
      if (options.only && !options.only(task)) continue;
      // A task on a draining instance is replaced as an unhealthy one is (replacements first), without a grace period.
      if (task.onDrainingInstance && task.desiredStatus === 'RUNNING') {
        if (task.lastStatus === 'RUNNING' && options.replaceFirst && task.deploymentId === primaryId) this.replacing.push(task);
        else this.stopUnhealthy(task);
        continue;
      }
      const elb = task.loadBalancer?.state === 'unhealthy' ? task.loadBalancer : undefined;
      if ((!elb && task.healthStatus !== 'UNHEALTHY') || task.lastStatus !== 'RUNNING') continue;
      const since = this.now - (task.startedAt ?? this.now);
      if (since < graceMs) {
        this.wake(graceMs - since);
        continue;
      }
      if (options.replaceFirst && task.deploymentId === primaryId) this.replacing.push(task);
      else this.stopUnhealthy(task);
    }
  }

  private stopUnhealthy(task: ServiceTaskView) {
    if (task.onDrainingInstance) {
      this.stop(task, 'ServiceSchedulerInitiated', drainStopReason(this.service.serviceName));
      return;
    }
    const elb = task.loadBalancer?.state === 'unhealthy' ? task.loadBalancer : undefined;
    if (elb) {
      this.stop(task, 'ServiceSchedulerInitiated', elbHealthStopReason(elb.targetGroupArn));
      this.messages.push(serviceEvents.unhealthyInTargetGroup(this.service.serviceName, elb.port, elb.targetGroupArn, elb.reason));
    } else {
      this.stop(task, 'ServiceSchedulerInitiated', HEALTH_CHECK_STOP_REASON);
      this.messages.push(serviceEvents.failedHealthChecks(this.service.serviceName, task.taskId));
    }
  }

  /** One rolling-update step: start new tasks and stop old ones within the deployment bounds. */
  private roll() {
    const primary = this.primary();
    if (!primary) return;
    const name = this.service.serviceName;
    const reason = scalingReason(primary.id);
    const scalingStops: string[] = [];
    const live = this.live();
    const replacing = new Set(this.replacing.map((t) => t.taskId));
    const fresh = live.filter((t) => t.deploymentId === primary.id && !replacing.has(t.taskId));
    const old = live.filter((t) => t.deploymentId !== primary.id);
    const desired = this.service.desiredCount;

    // Surplus tasks of the primary (a lowered desired count) go first, the least ready first.
    const byReadiness = (a: ServiceTaskView, b: ServiceTaskView) => Number(this.healthy(a)) - Number(this.healthy(b)) || b.createdAt - a.createdAt;
    for (const task of [...fresh].sort(byReadiness).slice(0, Math.max(0, fresh.length - desired))) {
      this.stop(task, 'ServiceSchedulerInitiated', reason);
      scalingStops.push(task.taskId);
    }
    if (primary.rolloutState === 'FAILED') {
      // A failed deployment starts nothing more; what runs keeps running, but for unhealthy tasks, which nothing would replace.
      // A healthy task on a draining instance is no such task: with no replacement to come, stopping it would only take the
      // service below its count.
      for (const task of this.replacing) if (!(task.onDrainingInstance && this.healthy(task))) this.stopUnhealthy(task);
      if (scalingStops.length > 0) this.messages.push(serviceEvents.stoppedTasks(name, scalingStops));
      return;
    }
    const keptFresh = fresh.filter((t) => !this.stopped.has(t.taskId));
    const newHealthy = keptFresh.filter((t) => this.healthy(t)).length;
    const oldHealthy = old.filter((t) => this.healthy(t)).length;
    const { minimumHealthyPercent, maximumPercent } = this.service.deploymentConfiguration;
    const step = planRolloutStep({
      desiredCount: desired,
      minimumHealthyPercent,
      maximumPercent,
      newHealthy,
      newStarting: keptFresh.length - newHealthy,
      oldHealthy,
      oldStarting: old.length - oldHealthy,
      stopping: this.stoppingCount(),
      replacing: this.replacing.length,
      replacingHealthy: this.replacing.filter((t) => this.healthy(t)).length,
    });
    // The unhealthy tasks go first (before healthy ones of a draining instance), the longest running first.
    const replacingOrder = [...this.replacing].sort((a, b) => Number(this.healthy(a)) - Number(this.healthy(b)) || (a.startedAt ?? 0) - (b.startedAt ?? 0));
    for (const task of replacingOrder.slice(0, step.stopReplacing)) this.stopUnhealthy(task);

    // Old tasks that are not healthy go first, then the oldest.
    const oldOrder = [...old].sort((a, b) => Number(this.healthy(a)) - Number(this.healthy(b)) || a.createdAt - b.createdAt);
    for (const task of oldOrder.slice(0, step.stopOld)) {
      this.stop(task, 'ServiceSchedulerInitiated', reason);
      scalingStops.push(task.taskId);
    }
    if (scalingStops.length > 0) this.messages.push(serviceEvents.stoppedTasks(name, scalingStops));

    const wanted = step.start;
    let allowed = wanted;
    const wharf = this.service.wharf;
    if (allowed > 0 && wharf.retryAfter !== undefined && wharf.retryAfter > this.now) {
      this.wake(wharf.retryAfter - this.now);
      allowed = 0;
    }
    // No container instances for an EC2 (or Auto Scaling group) launch: nothing starts, the event says why, placement is retried.
    const unplaceable = unplaceableReason(primary, this.ctx.registeredInstances);
    if (allowed > 0 && unplaceable) {
      allowed = 0;
      this.warnOnce(serviceEvents.noContainerInstance(name, unplaceable));
      this.wake(PLACEMENT_RETRY_MS / this.ctx.timeScale);
    }
    const internals = wharf.deployments[primary.id];
    if (allowed > 0 && internals) {
      const byCpu = internals.cpu > 0 ? Math.floor(this.ctx.free.cpuUnits / internals.cpu) : Infinity;
      const byMemory = internals.memory > 0 ? Math.floor(this.ctx.free.memoryMiB / internals.memory) : Infinity;
      const fits = Math.min(byCpu, byMemory);
      if (fits < allowed) {
        allowed = Math.max(0, fits);
        this.warnOnce(serviceEvents.unableToPlace(name, NO_CAPACITY_REASON));
        this.wake(PLACEMENT_RETRY_MS / this.ctx.timeScale);
      }
    }
    if (allowed > 0) {
      const already: Record<string, number> = {};
      for (const task of keptFresh) if (task.capacityProviderName) already[task.capacityProviderName] = (already[task.capacityProviderName] ?? 0) + 1;
      const providers = primary.capacityProviderStrategy?.length ? spreadByStrategy(primary.capacityProviderStrategy, allowed, already) : [];
      for (let i = 0; i < allowed; i++) {
        const provider = providers[i];
        this.starts.push({ deploymentId: primary.id, taskId: this.ctx.ids.taskId(), ...(provider ? { capacityProvider: provider } : {}) });
      }
      this.messages.push(serviceEvents.startedTasks(name, this.starts.map((s) => s.taskId)));
    }
    if (step.blocked) this.warnOnce(serviceEvents.deploymentPreventsProgress(name, minimumHealthyPercent, maximumPercent));
    else if (allowed > 0 || this.stops.length > 0) {
      delete wharf.lastWarning;
      delete wharf.lastWarningAt;
    }
  }

  /**
   * ECS omits a repeated event until its cause is resolved or six hours have
   * passed; then it says it again.
   */
  private warnOnce(message: string) {
    const wharf = this.service.wharf;
    const repeatMs = WARNING_REPEAT_MS / this.ctx.timeScale;
    if (wharf.lastWarning === message && (wharf.lastWarningAt === undefined || this.now - wharf.lastWarningAt < repeatMs)) return;
    wharf.lastWarning = message;
    wharf.lastWarningAt = this.now;
    this.messages.push(message);
  }

  /** Running and pending counts per deployment and for the service, counting this round's starts as pending. */
  private updateCounts() {
    const live = this.live();
    let running = 0;
    let pending = 0;
    for (const deployment of this.service.deployments) {
      const mine = live.filter((t) => t.deploymentId === deployment.id);
      const r = mine.filter((t) => t.lastStatus === 'RUNNING').length;
      const p = mine.length - r + this.starts.filter((s) => s.deploymentId === deployment.id).length;
      const desiredCount = deployment.status === 'PRIMARY' ? this.service.desiredCount : mine.length;
      if (deployment.runningCount !== r || deployment.pendingCount !== p || deployment.desiredCount !== desiredCount) {
        deployment.runningCount = r;
        deployment.pendingCount = p;
        deployment.desiredCount = desiredCount;
        deployment.updatedAt = this.now;
      }
    }
    for (const task of live) {
      if (task.lastStatus === 'RUNNING') running += 1;
      else pending += 1;
    }
    this.service.runningCount = running;
    this.service.pendingCount = pending + this.starts.length;
  }

  /** A superseded deployment leaves `deployments[]` once none of its tasks is left. */
  private retireDrainedDeployments() {
    const remaining = this.tasks.filter((t) => t.lastStatus !== 'STOPPED');
    this.service.deployments = this.service.deployments.filter((deployment) => {
      if (deployment.status === 'PRIMARY' || remaining.some((t) => t.deploymentId === deployment.id)) return true;
      delete (this.service.wharf.deployments as Record<string, unknown>)[deployment.id];
      return false;
    });
  }

  private completeRollout() {
    const primary = this.primary();
    if (!primary || primary.rolloutState !== 'IN_PROGRESS' || this.service.deployments.length !== 1) return;
    const fresh = this.live().filter((t) => t.deploymentId === primary.id);
    if (fresh.length !== this.service.desiredCount || fresh.filter((t) => this.healthy(t)).length < this.service.desiredCount) return;
    primary.rolloutState = 'COMPLETED';
    primary.rolloutStateReason = rolloutReasons.completed(primary.id);
    primary.updatedAt = this.now;
    this.messages.push(serviceEvents.deploymentCompleted(this.service.serviceName, primary.id));
    const wharf = this.service.wharf;
    const internals = wharf.deployments[primary.id];
    if (internals) wharf.lastCompleted = { deploymentId: primary.id, revisionId: internals.revisionId, cpu: internals.cpu, memory: internals.memory };
    wharf.launchFailures = 0;
    delete wharf.retryAfter;
    const record = this.serviceDeploymentOf(primary);
    if (record) {
      record.status = record.rollback ? 'ROLLBACK_SUCCESSFUL' : 'SUCCESSFUL';
      record.finishedAt = this.now;
      record.updatedAt = this.now;
      if (record.circuitBreakerStatus === 'MONITORING') record.circuitBreakerStatus = 'MONITORING_COMPLETE';
    }
  }

  private noteSteadyState() {
    const primary = this.primary();
    const steady =
      primary !== undefined &&
      this.service.deployments.length === 1 &&
      primary.rolloutState === 'COMPLETED' &&
      this.service.runningCount === this.service.desiredCount &&
      this.service.pendingCount === 0 &&
      this.stoppingCount() === 0;
    if (steady && !this.service.wharf.steady) this.messages.push(serviceEvents.steadyState(this.service.serviceName));
    this.service.wharf.steady = steady;
    // A running task of the primary resets the launch back-off.
    if (primary && this.live().some((t) => t.deploymentId === primary.id && this.healthy(t))) {
      this.service.wharf.launchFailures = 0;
      delete this.service.wharf.retryAfter;
    }
  }

  /** Registers staying tasks in the service's target groups and drains leaving ones (see planTargets). */
  balance() {
    if (usesTaskSets(this.service)) return this.balanceTaskSets();
    const loadBalancers = this.service.loadBalancers;
    const retired = this.service.wharf.retiredLoadBalancers ?? [];
    if ((loadBalancers.length === 0 && retired.length === 0) || !this.ctx.targetGroups) return;
    const balanced = this.tasks.map((task) => ({
      taskId: task.taskId,
      ...(task.privateIp ? { ip: task.privateIp } : {}),
      lastStatus: task.lastStatus,
      stopping: task.desiredStatus === 'STOPPED' || this.stopped.has(task.taskId),
      ...(task.drainUntil !== undefined ? { drainUntil: task.drainUntil } : {}),
    }));
    if (!loadBalancers.some((lb) => lb.advancedConfiguration?.alternateTargetGroupArn)) {
      const plan = planTargets(this.service.serviceName, loadBalancers, balanced, this.ctx.targetGroups, this.now, retired);
      this.messages.push(...plan.messages);
      this.targets = plan.targets;
      this.drainUntil = plan.drainUntil;
      return;
    }
    // Blue/green pairs: each deployment's tasks go in its side's target groups; each side's plan starts from the other's targets.
    const wharf = this.service.wharf;
    const sideOf = (deploymentId: string | undefined): TargetGroupSide => (deploymentId ? wharf.deployments[deploymentId]?.side : undefined) ?? wharf.productionSide ?? 'main';
    const groups = new Map(this.ctx.targetGroups);
    const targets = new Map<string, TargetRegistration[]>();
    const drainUntil = new Map<string, number>();
    for (const side of ['main', 'alternate'] as const) {
      const mine = balanced.filter((_, index) => sideOf(this.tasks[index]!.deploymentId) === side);
      const plan = planTargets(this.service.serviceName, loadBalancersOfSide(loadBalancers, side), mine, groups, this.now, side === 'main' ? retired : []);
      this.messages.push(...plan.messages);
      for (const [arn, next] of plan.targets) {
        targets.set(arn, next);
        groups.set(arn, { ...groups.get(arn)!, targets: next });
      }
      for (const [taskId, until] of plan.drainUntil) drainUntil.set(taskId, until);
    }
    this.targets = targets;
    this.drainUntil = drainUntil;
  }

  /**
   * With task sets, each task set's tasks go in that task set's target groups
   * (for CODE_DEPLOY, the service's). Task sets sharing a group see each
   * other's registrations: each plan starts from the previous one's targets.
   */
  private balanceTaskSets() {
    if (!this.ctx.targetGroups) return;
    const groups = new Map(this.ctx.targetGroups);
    const targets = new Map<string, TargetRegistration[]>();
    const drainUntil = new Map<string, number>();
    for (const taskSet of this.service.taskSets ?? []) {
      if (taskSet.loadBalancers.length === 0) continue;
      const balanced = this.tasks
        .filter((task) => task.deploymentId === taskSet.id)
        .map((task) => ({
          taskId: task.taskId,
          ...(task.privateIp ? { ip: task.privateIp } : {}),
          lastStatus: task.lastStatus,
          stopping: task.desiredStatus === 'STOPPED' || this.stopped.has(task.taskId),
          ...(task.drainUntil !== undefined ? { drainUntil: task.drainUntil } : {}),
        }));
      const plan = planTargets(this.service.serviceName, taskSet.loadBalancers, balanced, groups, this.now);
      this.messages.push(...plan.messages);
      for (const [arn, next] of plan.targets) {
        targets.set(arn, next);
        groups.set(arn, { ...groups.get(arn)!, targets: next });
      }
      for (const [taskId, until] of plan.drainUntil) drainUntil.set(taskId, until);
    }
    this.targets = targets;
    this.drainUntil = drainUntil;
  }

  finish(current: Service): SchedulerPlan {
    if (this.messages.length > 0) {
      const added = this.messages.map((message) => ({ id: this.ctx.ids.eventId(), createdAt: this.now, message })).reverse();
      this.service.events = [...added, ...this.service.events].slice(0, MAX_SERVICE_EVENTS);
    }
    const changed = JSON.stringify(this.service) !== JSON.stringify(current);
    return {
      service: changed ? this.service : current,
      start: this.starts,
      stop: this.stops,
      targets: this.targets,
      drainUntil: this.drainUntil,
      listenerRules: this.listenerRules,
      ...(this.recheck !== Infinity ? { recheckAfterMs: Math.ceil(this.recheck) } : {}),
    };
  }
}
