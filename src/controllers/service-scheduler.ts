import { randomBytes, randomUUID } from 'node:crypto';
import type { Cluster } from '../domain/ecs/cluster.js';
import { inCluster, KIND, taskDefinitionIdOfArn, taskRecordId } from '../domain/ecs/record-keys.js';
import { ELBV2_KIND, type ListenerRecord, type RuleRecord, type TargetGroupRecord, type TargetHealthRecord } from '../domain/elbv2/records.js';
import { isDefaultRuleId, parentId, parseElbArn } from '../domain/elbv2/arns.js';
import { sameActions, withForwardWeights } from '../domain/elbv2/forward-weights.js';
import { ALARM_KIND, type AlarmRecord } from '../domain/cloudwatch/alarm-record.js';
import type { RuleForward } from '../domain/service/traffic-shift.js';
import { loadBalancerHealth, targetGroupIdOf, type ServiceLoadBalancer } from '../domain/service/load-balancing.js';
import { PLACEMENT_RETRY_MS, scheduleService, type SchedulerIds, type ServiceTaskView, type TaskStart } from '../domain/service/scheduler.js';
import { placementLaunch, serviceGroup, serviceRecordId, type Service } from '../domain/service/service.js';
import { allLoadBalancers, loadBalancersOfTask, usesTaskSets } from '../domain/service/task-sets.js';
import { digitsFrom } from '../domain/service/service-events.js';
import type { Tag } from '../domain/ecs/tags.js';
import { CONTAINER_INSTANCE_KIND, demandOf, taskKey } from '../domain/placement/container-instance.js';
import { isPlaced } from '../domain/placement/place-tasks.js';
import { checkPlacement, type PlacementConstraintInput, type PlacementRequest, type PlacementStrategyInput } from '../domain/placement/placement-inputs.js';
import { freeCapacityOf, placedOn, planPlacement } from '../domain/placement/reserve.js';
import { placesOnRegisteredInstances } from '../domain/task/launch-capacity.js';
import { requestStop, withDrainUntil } from '../domain/task/lifecycle.js';
import { planRunTask, type RunnableDefinition } from '../domain/task/run-task.js';
import type { Task } from '../domain/task/task.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { ContainerInstances } from '../ports/container-instances.js';
import { StaleWriteError, type Scope, type Store, type WriteOp } from '../ports/store.js';
import { againAfter, done, WorkQueue, type ReconcileResult } from './work-queue.js';

export interface ServiceSchedulerOptions {
  /** Divides every ECS wait (see the time-scale setting). */
  readonly timeScale: number;
  /** Where new tasks are placed: the container instances and their reservations. */
  readonly instances: ContainerInstances;
  readonly resyncMs?: number;
}

const ids: SchedulerIds = {
  taskId: () => randomBytes(16).toString('hex'),
  eventId: () => randomUUID(),
  deploymentDigits: () => digitsFrom(randomBytes(19)),
};

function serviceKey(scope: Scope, id: string): string {
  return `${scope.account}|${scope.region}|${id}`;
}

function parseKey(key: string): { scope: Scope; id: string } {
  const [account, region, id] = key.split('|') as [string, string, string];
  return { scope: { account, region }, id };
}

/** The target groups of one service as read: records with their versions, and the health checker's findings. */
interface Balancing {
  readonly groups: Map<string, { id: string; version: number; doc: TargetGroupRecord }>;
  readonly health: Map<string, TargetHealthRecord>;
}

/** The task's ENI address: what it is registered under in an `ip` target group. */
function privateIpOf(task: Task): string | undefined {
  return task.containers.flatMap((container) => container.networkInterfaces)[0]?.privateIpv4Address ?? task.wharf.sandbox?.ipv4Address;
}

function viewOf(task: Task, service: Service, balancing: Balancing | undefined, now: number, draining: ReadonlySet<string>): ServiceTaskView {
  const privateIp = privateIpOf(task);
  // A task set's tasks are judged by its own target groups.
  const loadBalancers = loadBalancersOfTask(service, task.startedBy);
  const groups = balancing ? new Map([...balancing.groups].map(([arn, record]) => [arn, record.doc])) : undefined;
  return {
    ...(privateIp ? { privateIp } : {}),
    ...(task.wharf.drainUntil !== undefined ? { drainUntil: task.wharf.drainUntil } : {}),
    ...(balancing && groups && (loadBalancers.length > 0 || !usesTaskSets(service)) ? { loadBalancer: loadBalancerHealth(loadBalancers, privateIp, groups, balancing.health, now) } : {}),
    taskId: task.wharf.taskId,
    deploymentId: task.startedBy,
    lastStatus: task.lastStatus,
    desiredStatus: task.desiredStatus,
    healthStatus: task.healthStatus,
    hasHealthCheck: task.wharf.containerPlans.some((plan) => plan.essential && plan.healthCheck !== undefined),
    createdAt: task.createdAt,
    ...(task.startedAt !== undefined ? { startedAt: task.startedAt } : {}),
    ...(task.wharf.stopRequestedAt !== undefined ? { stopRequestedAt: task.wharf.stopRequestedAt } : {}),
    ...(task.stopCode ? { stopCode: task.stopCode } : {}),
    ...(task.stoppedReason ? { stoppedReason: task.stoppedReason } : {}),
    ...(task.capacityProviderName ? { capacityProviderName: task.capacityProviderName } : {}),
    ...(task.wharf.containerInstanceId !== undefined && draining.has(task.wharf.containerInstanceId) ? { onDrainingInstance: true } : {}),
  };
}

/**
 * The service scheduler: keeps each service's desired count and moves its
 * deployments along. Level-triggered like the task supervisor: every
 * reconcile reads the service and its tasks afresh, asks the pure
 * `scheduleService` what to do, and commits new tasks, stops and the next
 * service in one optimistic write. A crash between reconciles loses nothing
 * and a repeated reconcile duplicates nothing: the write either happened
 * (and the next snapshot shows it) or did not.
 */
export class ServiceScheduler {
  private readonly queue: WorkQueue;
  private unsubscribers: (() => void)[] = [];

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: ServiceSchedulerOptions,
  ) {
    this.queue = new WorkQueue('service-scheduler', (key) => this.reconcile(key), logger, {
      concurrency: 4,
      resyncMs: options.resyncMs ?? 30_000,
      listKeys: async () =>
        (await this.store.listAll<Service>(KIND.service)).filter((record) => record.doc.status !== 'INACTIVE').map((record) => serviceKey(record.scope, record.id)),
    });
  }

  start(): void {
    this.unsubscribers.push(this.store.watch(KIND.service, (change) => this.queue.add(serviceKey(change.scope, change.id))));
    // A registered instance that drains, comes or goes changes where a cluster's services can run.
    this.unsubscribers.push(this.store.watch(CONTAINER_INSTANCE_KIND, (change) => void this.wakeCluster(change.scope, change.id.slice(0, change.id.indexOf('/')))));
    this.unsubscribers.push(this.store.watch(KIND.task, (change) => void this.wakeOwner(change.scope, change.id)));
    // Health-check results decide deployments and replacements; a changed target group (attributes, deletion) may too.
    this.unsubscribers.push(this.store.watch(ELBV2_KIND.targetHealth, (change) => void this.wakeBalanced(change.scope, change.id)));
    this.unsubscribers.push(this.store.watch(ELBV2_KIND.targetGroup, (change) => void this.wakeBalanced(change.scope, change.id)));
    // An alarm a deployment watches (deploymentConfiguration.alarms) may roll it back.
    this.unsubscribers.push(this.store.watch(ALARM_KIND, (change) => void this.wakeWatching(change.scope, change.id)));
    this.queue.start();
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    await this.queue.stop();
  }

  /** A task changed: its service (if any) reconciles. */
  private async wakeOwner(scope: Scope, taskRecord: string): Promise<void> {
    try {
      const task = await this.store.get<Task>(KIND.task, scope, taskRecord);
      if (!task?.doc.group.startsWith('service:')) return;
      this.queue.add(serviceKey(scope, serviceRecordId(task.doc.wharf.clusterName, task.doc.group.slice('service:'.length))));
    } catch (error) {
      this.logger.warn({ err: error }, 'could not read a changed task');
    }
  }

  /** A target group (or its health) changed: the services registered in it reconcile. */
  private async wakeBalanced(scope: Scope, targetGroupId: string): Promise<void> {
    try {
      for (const record of await this.store.list<Service>(KIND.service, scope)) {
        if (record.doc.status === 'INACTIVE') continue;
        if (balancedBy(record.doc).some((lb) => targetGroupIdOf(lb.targetGroupArn, scope) === targetGroupId)) this.queue.add(serviceKey(scope, record.id));
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not find the services of a changed target group');
    }
  }

  /** A registered instance of the cluster changed: its services reconcile. */
  private async wakeCluster(scope: Scope, clusterName: string): Promise<void> {
    if (clusterName === '') return;
    try {
      for (const id of (await this.store.list<Service>(KIND.service, scope, { prefix: inCluster(clusterName) })).map((record) => record.id)) this.queue.add(serviceKey(scope, id));
    } catch (error) {
      this.logger.warn({ err: error }, 'could not find the services of a cluster whose instances changed');
    }
  }

  /** An alarm changed: the services whose deployments watch it reconcile. */
  private async wakeWatching(scope: Scope, alarmName: string): Promise<void> {
    try {
      for (const record of await this.store.list<Service>(KIND.service, scope)) {
        if (record.doc.status !== 'INACTIVE' && watchedAlarms(record.doc).includes(alarmName)) this.queue.add(serviceKey(scope, record.id));
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not find the services watching a changed alarm');
    }
  }

  private async readAlarmStates(scope: Scope, service: Service): Promise<Map<string, AlarmRecord['StateValue']>> {
    const states = new Map<string, AlarmRecord['StateValue']>();
    for (const name of watchedAlarms(service)) {
      const alarm = await this.store.get<AlarmRecord>(ALARM_KIND, scope, name);
      if (alarm) states.set(name, alarm.doc.StateValue);
    }
    return states;
  }

  /** The writes that make each listener rule forward as the plan says (unchanged rules are left alone). */
  private async ruleWrites(scope: Scope, forwards: readonly RuleForward[]): Promise<WriteOp[]> {
    const ops: WriteOp[] = [];
    for (const forward of forwards) {
      const arn = parseElbArn(forward.ruleArn);
      if (!arn || arn.type !== 'listener-rule' || arn.account !== scope.account || arn.region !== scope.region) continue;
      if (isDefaultRuleId(arn.id)) {
        const listener = await this.store.get<ListenerRecord>(ELBV2_KIND.listener, scope, parentId(arn.id));
        if (!listener) continue;
        const next = withForwardWeights(listener.doc.defaultActions, forward.targetGroups);
        if (!sameActions(next, listener.doc.defaultActions)) ops.push({ op: 'put', kind: ELBV2_KIND.listener, scope, id: listener.id, doc: { ...listener.doc, defaultActions: next }, expect: listener.version });
      } else {
        const rule = await this.store.get<RuleRecord>(ELBV2_KIND.rule, scope, arn.id);
        if (!rule) continue;
        const next = withForwardWeights(rule.doc.actions, forward.targetGroups);
        if (!sameActions(next, rule.doc.actions)) ops.push({ op: 'put', kind: ELBV2_KIND.rule, scope, id: rule.id, doc: { ...rule.doc, actions: next }, expect: rule.version });
      }
    }
    return ops;
  }

  /** The service's target groups (those that still exist) and their health records. */
  private async readBalancing(scope: Scope, service: Service): Promise<Balancing | undefined> {
    const loadBalancers = balancedBy(service);
    if (loadBalancers.length === 0) return undefined;
    const balancing: Balancing = { groups: new Map(), health: new Map() };
    for (const arn of new Set(loadBalancers.map((lb) => lb.targetGroupArn))) {
      const id = targetGroupIdOf(arn, scope);
      if (!id) continue;
      const group = await this.store.get<TargetGroupRecord>(ELBV2_KIND.targetGroup, scope, id);
      if (!group || group.doc.targetGroupArn !== arn) continue;
      balancing.groups.set(arn, { id, version: group.version, doc: group.doc });
      const health = await this.store.get<TargetHealthRecord>(ELBV2_KIND.targetHealth, scope, id);
      if (health) balancing.health.set(arn, health.doc);
    }
    return balancing;
  }

  /**
   * The service's placement strategy and constraints. CreateService and
   * UpdateService check them; a record from before that check (a Fargate
   * service that was let keep some) places without them, as Fargate does.
   */
  private placementRules(service: Service): PlacementRequest {
    try {
      return checkPlacement({ placementStrategy: service.placementStrategy as PlacementStrategyInput[], placementConstraints: service.placementConstraints as PlacementConstraintInput[] }, [], false);
    } catch {
      this.logger.warn({ service: service.serviceArn }, 'ignoring placement settings ECS would refuse');
      return { strategy: [], constraints: [] };
    }
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const { scope, id } = parseKey(key);
    const record = await this.store.get<Service>(KIND.service, scope, id);
    if (!record || record.doc.status === 'INACTIVE') return done;
    const service = record.doc;
    const group = serviceGroup(service.serviceName);
    const tasks = (await this.store.list<Task>(KIND.task, scope, { prefix: inCluster(service.wharf.clusterName) })).filter((task) => task.doc.group === group);
    const balancing = await this.readBalancing(scope, service);
    // Room is read from the instance records by the same rule RunTask places by; the reservations go in this reconcile's write.
    // The service's launch decides its capacity: Fargate on the local engine, EC2 on the cluster's registered instances.
    const capacity = placesOnRegisteredInstances(placementLaunch(service)) ? 'registered' : 'fargate';
    const instances = await this.options.instances.forPlacement(scope, service.wharf.clusterName, capacity);
    const where = { account: scope.account, region: scope.region, clusterName: service.wharf.clusterName, clusterArn: service.clusterArn, random: Math.random };
    const now = this.clock.now();
    // Tasks on DRAINING instances are replaced elsewhere, replacements first (as unhealthy ones are).
    const draining = new Set(instances.instances.filter((item) => item.instance.status === 'DRAINING').map((item) => item.instance.containerInstanceId));
    const plan = scheduleService(service, tasks.map((task) => viewOf(task.doc, service, balancing, now.getTime(), draining)), {
      now: now.getTime(),
      timeScale: this.options.timeScale,
      ids,
      free: freeCapacityOf(instances.instances.map((item) => item.instance), where),
      registeredInstances: capacity === 'registered' ? instances.instances.filter((item) => item.instance.status === 'ACTIVE').length : 0,
      ...(balancing ? { targetGroups: new Map([...balancing.groups].map(([arn, record]) => [arn, record.doc])) } : {}),
      alarmStates: await this.readAlarmStates(scope, service),
      hookId: () => randomUUID(),
    });

    const ops: WriteOp[] = [];
    const started: { id: string; task: Task }[] = [];
    for (const start of plan.start) {
      const task = await this.buildTask(scope, plan.service, start, now);
      started.push({ id: taskRecordId(service.wharf.clusterName, task.wharf.taskId), task });
    }
    const placement = planPlacement(
      started.map(({ id, task }) => ({ key: taskKey(scope, id), demand: demandOf(task) })),
      instances.instances.map((item) => item.instance),
      this.placementRules(service),
      where,
    );
    const unplaced = placement.outcomes.find((outcome) => !isPlaced(outcome));
    if (unplaced) {
      // The plan only starts what the free capacity holds, so this means a constraint or a fragmented cluster refused a task: plan again later.
      this.logger.warn({ service: service.serviceArn, failure: unplaced }, 'a planned task could not be placed');
      return againAfter(PLACEMENT_RETRY_MS / this.options.timeScale);
    }
    for (const [index, { id, task }] of started.entries()) {
      const outcome = placement.outcomes[index]!;
      const doc = isPlaced(outcome) ? placedOn(task, outcome.instanceId, instances.instances.map((item) => item.instance), where) : task;
      ops.push({ op: 'put', kind: KIND.task, scope, id, doc, expect: 'absent' });
    }
    ops.push(...instances.reserve(placement.reservations));
    const stopped = new Set<string>();
    for (const stop of plan.stop) {
      const taskRecord = tasks.find((task) => task.doc.wharf.taskId === stop.taskId)!;
      let doc = requestStop(taskRecord.doc, stop.stopCode, stop.reason, now);
      const drainUntil = plan.drainUntil.get(stop.taskId);
      if (drainUntil !== undefined) doc = withDrainUntil(doc, drainUntil);
      ops.push({ op: 'put', kind: KIND.task, scope, id: taskRecord.id, doc, expect: taskRecord.version });
      stopped.add(stop.taskId);
    }
    // Tasks stopped by someone else (StopTask, an exited container) drain too: the supervisor waits for this deadline.
    for (const [taskId, drainUntil] of plan.drainUntil) {
      if (stopped.has(taskId)) continue;
      const taskRecord = tasks.find((task) => task.doc.wharf.taskId === taskId);
      if (taskRecord) ops.push({ op: 'put', kind: KIND.task, scope, id: taskRecord.id, doc: withDrainUntil(taskRecord.doc, drainUntil), expect: taskRecord.version });
    }
    for (const [arn, targets] of plan.targets) {
      const group = balancing?.groups.get(arn);
      if (group) ops.push({ op: 'put', kind: ELBV2_KIND.targetGroup, scope, id: group.id, doc: { ...group.doc, targets }, expect: group.version });
    }
    // The listener rules move with the deployment's stage, in the same write: the load balancer's data plane follows the records.
    ops.push(...(await this.ruleWrites(scope, plan.listenerRules)));
    if (plan.service !== service) ops.push({ op: 'put', kind: KIND.service, scope, id, doc: plan.service, expect: record.version });
    if (ops.length > 0) {
      try {
        await this.store.write(ops);
      } catch (error) {
        // Someone changed the service or a task since the snapshot: decide again from the new one.
        if (error instanceof StaleWriteError) return againAfter(0);
        throw error;
      }
      if (plan.start.length + plan.stop.length > 0) this.logger.info({ service: service.serviceArn, started: plan.start.length, stopped: plan.stop.length }, 'service scheduled');
    }
    return againAfter(plan.recheckAfterMs ?? this.options.resyncMs ?? 30_000);
  }

  /** A task of a deployment, built by the same rules as RunTask. */
  private async buildTask(scope: Scope, service: Service, start: TaskStart, now: Date): Promise<Task> {
    // A deployment, or a task set (EXTERNAL, CODE_DEPLOY): both carry the task definition and launch settings.
    const deployment = service.deployments.find((d) => d.id === start.deploymentId) ?? service.taskSets?.find((ts) => ts.id === start.deploymentId);
    if (!deployment) throw new Error(`service ${service.serviceArn}: no deployment or task set ${start.deploymentId}`);
    const definitionId = taskDefinitionIdOfArn(deployment.taskDefinition);
    const definition = definitionId ? await this.store.get<{ taskDefinition: RunnableDefinition; tags: Tag[] }>(KIND.taskDefinition, scope, definitionId) : undefined;
    const cluster = await this.store.get<Cluster>(KIND.cluster, scope, service.wharf.clusterName);
    if (!definition || !cluster) throw new Error(`service ${service.serviceArn}: task definition ${deployment.taskDefinition} or its cluster is gone`);
    const [task] = planRunTask(
      {
        count: 1,
        ...(start.capacityProvider ? { capacityProviderStrategy: [{ capacityProvider: start.capacityProvider, weight: 1 }] } : { launchType: deployment.launchType ?? 'FARGATE' }),
        ...(deployment.networkConfiguration?.awsvpcConfiguration ? { networkConfiguration: { awsvpcConfiguration: deployment.networkConfiguration.awsvpcConfiguration } } : {}),
        group: serviceGroup(service.serviceName),
        startedBy: deployment.id,
        enableExecuteCommand: service.enableExecuteCommand,
        tags: service.propagateTags === 'SERVICE' ? service.tags : [],
        propagateTags: service.propagateTags,
      },
      // A service keeps running a revision that was deregistered after it was deployed, as ECS does.
      { ...definition.doc.taskDefinition, status: 'ACTIVE' },
      definition.doc.tags,
      cluster.doc,
      { region: scope.region, account: scope.account, now, ids: { taskId: () => start.taskId, uuid: () => randomUUID(), eniId: () => `eni-${randomBytes(9).toString('hex').slice(0, 17)}` } },
    );
    return task!;
  }
}

/** The alarms the service's deployments watch: its own configuration's and those of a deployment in progress. */
function watchedAlarms(service: Service): string[] {
  const names = new Set<string>(service.deploymentConfiguration.alarms?.enable ? service.deploymentConfiguration.alarms.alarmNames : []);
  for (const record of service.wharf.serviceDeployments) {
    const alarms = record.deploymentConfiguration.alarms;
    if (alarms?.enable && (record.status === 'IN_PROGRESS' || record.status === 'PENDING')) for (const name of alarms.alarmNames) names.add(name);
  }
  return [...names];
}

/** The target groups a service's tasks may be registered in: its load balancers and those UpdateService took away. */
function balancedBy(service: Service): ServiceLoadBalancer[] {
  return allLoadBalancers(service);
}
