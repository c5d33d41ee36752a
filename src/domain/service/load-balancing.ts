import { parseArn } from '../arn.js';
import { invalidParameter } from '../errors.js';
import { targetKey, type TargetGroupRecord, type TargetHealthRecord, type TargetRegistration } from '../elbv2/records.js';
import { isTargetHealthy, targetHealthOf } from '../elbv2/target-health.js';
import { drainEndsAt, withDeregistered, withRegistered } from '../elbv2/targets.js';
import type { TaskStatus } from '../task/task-status.js';
import { serviceEvents } from './service-events.js';
import type { AdvancedConfiguration } from './deployment-strategy.js';

/**
 * A service behind Elastic Load Balancing: which of its CreateService
 * `loadBalancers` ECS accepts, when the scheduler registers a task's
 * `<ip>:<containerPort>` in each target group and deregisters it before the
 * task stops, and what the target health means for a deployment. Pure: the
 * scheduler hands in the target groups and health records it read.
 */

export interface ServiceLoadBalancer {
  readonly targetGroupArn: string;
  readonly containerName: string;
  readonly containerPort: number;
  /** For BLUE_GREEN, LINEAR and CANARY: the second target group and the listener rules ECS rewrites. */
  readonly advancedConfiguration?: AdvancedConfiguration;
}

export interface LoadBalancerInput {
  readonly targetGroupArn?: string;
  readonly loadBalancerName?: string;
  readonly containerName?: string;
  readonly containerPort?: number;
  readonly advancedConfiguration?: AdvancedConfiguration;
}

/** ECS attaches at most five target groups to a service. */
export const MAX_SERVICE_LOAD_BALANCERS = 5;

export const ELB_HEALTH_STOP_PREFIX = 'Task failed ELB health checks in';
export const elbHealthStopReason = (targetGroupArn: string) => `${ELB_HEALTH_STOP_PREFIX} (target-group ${targetGroupArn})`;

/** The store id of a target group (`<name>/<16 hex>`) in the caller's account and region; undefined for any other ARN. */
export function targetGroupIdOf(arn: string, scope: { readonly account: string; readonly region: string }): string | undefined {
  const parts = parseArn(arn);
  if (!parts || parts.service !== 'elasticloadbalancing' || parts.account !== scope.account || parts.region !== scope.region) return undefined;
  return parts.resource.startsWith('targetgroup/') ? parts.resource.slice('targetgroup/'.length) : undefined;
}

/** What the request alone decides: Fargate has no Classic Load Balancers, and each entry names a container and port. */
export function checkLoadBalancerInputs(inputs: readonly LoadBalancerInput[] | undefined): void {
  if (!inputs) return;
  // unverified wording
  if (inputs.length > MAX_SERVICE_LOAD_BALANCERS) throw invalidParameter(`A service can have at most ${MAX_SERVICE_LOAD_BALANCERS} load balancers (target groups).`);
  for (const input of inputs) {
    if (!input.targetGroupArn) {
      // unverified wording
      if (input.loadBalancerName) throw invalidParameter('Classic Load Balancers are not supported with Fargate: use an Application Load Balancer target group (targetGroupArn).');
      throw invalidParameter('A load balancer must specify a targetGroupArn.'); // unverified wording
    }
    if (input.loadBalancerName) throw invalidParameter('A load balancer cannot specify both a loadBalancerName and a targetGroupArn.'); // unverified wording
    if (!input.containerName || input.containerPort === undefined) {
      throw invalidParameter('A load balancer must specify a containerName and a containerPort.'); // unverified wording
    }
  }
  const seen = new Set<string>();
  for (const input of inputs) {
    const key = `${input.targetGroupArn}|${input.containerName}|${input.containerPort}`;
    if (seen.has(key)) throw invalidParameter(`The load balancer configuration for target group ${input.targetGroupArn} is given more than once.`); // unverified wording
    seen.add(key);
  }
}

export interface LoadBalancerCheckContext {
  /** The target groups found in the caller's account and region, by ARN. */
  readonly targetGroups: ReadonlyMap<string, TargetGroupRecord>;
  readonly networkMode: string | undefined;
  readonly containerDefinitions: readonly { readonly name?: unknown; readonly portMappings?: readonly { readonly containerPort?: unknown }[] }[];
  /** The listener rule ARNs (stored and default rules) found in the caller's account and region, for advancedConfiguration. */
  readonly listenerRules?: ReadonlySet<string>;
}

/** ECS's checks of `loadBalancers` against the target groups and the task definition; returns them as stored. */
export function checkLoadBalancers(inputs: readonly LoadBalancerInput[] | undefined, ctx: LoadBalancerCheckContext): ServiceLoadBalancer[] {
  checkLoadBalancerInputs(inputs);
  const checkGroup = (arn: string) => {
    const group = ctx.targetGroups.get(arn);
    if (!group) throw invalidParameter(`Unable to find target group ${arn}.`); // unverified wording
    if (group.loadBalancerArns.length === 0) throw invalidParameter(`The target group with targetGroupArn ${arn} does not have an associated load balancer.`);
    if ((ctx.networkMode ?? 'awsvpc') === 'awsvpc' && group.targetType !== 'ip') {
      throw invalidParameter(`The provided target group ${arn} has target type ${group.targetType}, which is incompatible with the awsvpc network mode specified in the task definition.`);
    }
  };
  return (inputs ?? []).map((input) => {
    const arn = input.targetGroupArn!;
    checkGroup(arn);
    const container = ctx.containerDefinitions.find((definition) => definition.name === input.containerName);
    if (!container) throw invalidParameter(`The container ${input.containerName} does not exist in the task definition.`);
    if (!(container.portMappings ?? []).some((mapping) => Number(mapping.containerPort) === input.containerPort)) {
      throw invalidParameter(`The container ${input.containerName} did not have a container port ${input.containerPort} defined.`);
    }
    const advanced = input.advancedConfiguration;
    if (advanced?.alternateTargetGroupArn) checkGroup(advanced.alternateTargetGroupArn);
    for (const rule of [advanced?.productionListenerRule, advanced?.testListenerRule]) {
      if (rule !== undefined && ctx.listenerRules && !ctx.listenerRules.has(rule)) throw invalidParameter(`Unable to find listener rule ${rule}.`); // unverified wording
    }
    return { targetGroupArn: arn, containerName: input.containerName!, containerPort: input.containerPort!, ...(advanced ? { advancedConfiguration: advanced } : {}) };
  });
}

/** What the load balancers say about one task, for the deployment and for replacing it. */
export type LoadBalancerHealth =
  | { readonly state: 'healthy' }
  /** Not registered yet, or the health checker has not decided (ELB's `initial`). */
  | { readonly state: 'initial' }
  | { readonly state: 'unhealthy'; readonly targetGroupArn: string; readonly port: number; readonly reason: string };

/**
 * Healthy only when the task's target is healthy in every target group (as
 * DescribeTargetHealth would say: targetHealthOf); an unhealthy one names the
 * first group that says so. Not registered yet, or not judged yet: initial.
 */
export function loadBalancerHealth(
  loadBalancers: readonly ServiceLoadBalancer[],
  ip: string | undefined,
  groups: ReadonlyMap<string, TargetGroupRecord>,
  health: ReadonlyMap<string, TargetHealthRecord>,
  now: number,
): LoadBalancerHealth {
  if (!ip) return { state: 'initial' };
  let allHealthy = true;
  for (const lb of loadBalancers) {
    const group = groups.get(lb.targetGroupArn);
    if (!group) {
      allHealthy = false;
      continue;
    }
    const key = targetKey({ id: ip, port: lb.containerPort });
    const registration = group.targets.find((target) => targetKey(target) === key && target.deregisteredAt === undefined);
    const view = targetHealthOf(group, registration, health.get(lb.targetGroupArn)?.targets, now);
    if (view.state === 'unhealthy') {
      return { state: 'unhealthy', targetGroupArn: lb.targetGroupArn, port: lb.containerPort, reason: view.description ?? view.reason ?? 'Health checks failed' };
    }
    if (!isTargetHealthy(view)) allHealthy = false;
  }
  return allHealthy ? { state: 'healthy' } : { state: 'initial' };
}

/** What target registration needs of one of the service's tasks. */
export interface BalancedTask {
  readonly taskId: string;
  /** The task's private IPv4 address (its ENI's), once it has one. */
  readonly ip?: string;
  readonly lastStatus: TaskStatus;
  /** Desired STOPPED, or stopped by this reconcile's plan. */
  readonly stopping: boolean;
  readonly drainUntil?: number;
}

export interface TargetPlan {
  /** The new `targets` of each target group that changed, by ARN. */
  readonly targets: ReadonlyMap<string, TargetRegistration[]>;
  /** Service events, oldest first. */
  readonly messages: readonly string[];
  /** Drain deadlines (epoch ms) to put on tasks being stopped: their containers stop then. */
  readonly drainUntil: ReadonlyMap<string, number>;
}

const STOPPING_OR_LATER: readonly TaskStatus[] = ['STOPPING', 'DEPROVISIONING', 'STOPPED'];

/**
 * Registers each RUNNING task that is staying in every target group, and
 * deregisters each task on its way out, which then drains for the target
 * group's deregistration delay before its containers are stopped. Targets of
 * other services or registered by hand are never touched.
 */
export function planTargets(
  serviceName: string,
  loadBalancers: readonly ServiceLoadBalancer[],
  tasks: readonly BalancedTask[],
  groups: ReadonlyMap<string, TargetGroupRecord>,
  now: number,
  /** Load balancers UpdateService took away: leaving tasks are deregistered there, nobody is registered. */
  retired: readonly ServiceLoadBalancer[] = [],
): TargetPlan {
  const targets = new Map<string, TargetRegistration[]>();
  const registeredMessages: string[] = [];
  const deregisteredMessages: string[] = [];
  const drainUntil = new Map<string, number>();
  const drainingTasks = new Set<string>();

  const all = [...loadBalancers, ...retired];
  for (const arn of new Set(all.map((lb) => lb.targetGroupArn))) {
    const group = groups.get(arn);
    if (!group) continue;
    const ports = [...new Set(all.filter((lb) => lb.targetGroupArn === arn).map((lb) => lb.containerPort))];
    const inUse = new Set(loadBalancers.filter((lb) => lb.targetGroupArn === arn).map((lb) => lb.containerPort));
    const active = new Set(group.targets.filter((target) => target.deregisteredAt === undefined).map(targetKey));
    // A stopped task's address may already belong to a new task: that one's target stays.
    const staying = new Set(tasks.filter((task) => !task.stopping && task.lastStatus !== 'STOPPED' && task.ip).map((task) => task.ip!));
    const add: { id: string; port: number }[] = [];
    const remove: { id: string; port: number }[] = [];
    for (const task of tasks) {
      if (!task.ip) continue;
      for (const port of ports) {
        const target = { id: task.ip, port };
        const registered = active.has(targetKey(target));
        if (!task.stopping && task.lastStatus === 'RUNNING' && !registered && inUse.has(port)) add.push(target);
        else if (task.stopping && registered && !staying.has(task.ip) && !remove.some((other) => targetKey(other) === targetKey(target))) {
          remove.push(target);
          if (task.lastStatus !== 'STOPPED') drainingTasks.add(task.taskId);
        }
      }
    }
    if (add.length === 0 && remove.length === 0) continue;
    let next: TargetGroupRecord = group;
    if (add.length > 0) next = { ...next, targets: withRegistered(next, add, now) };
    if (remove.length > 0) next = { ...next, targets: withDeregistered(next, remove, now) };
    targets.set(arn, next.targets);
    if (add.length > 0) registeredMessages.push(serviceEvents.registeredTargets(serviceName, add.length, arn));
    if (remove.length > 0) deregisteredMessages.push(serviceEvents.deregisteredTargets(serviceName, remove.length, arn));
  }

  // Each task on its way out gets a deadline once: the end of its longest drain, or now when nothing drains.
  for (const task of tasks) {
    if (!task.stopping || task.drainUntil !== undefined || STOPPING_OR_LATER.includes(task.lastStatus)) continue;
    let until = now;
    if (task.ip) {
      for (const lb of all) {
        const group = groups.get(lb.targetGroupArn);
        if (!group) continue;
        const key = targetKey({ id: task.ip, port: lb.containerPort });
        const current = (targets.get(lb.targetGroupArn) ?? group.targets).find((target) => targetKey(target) === key);
        const ends = current ? drainEndsAt(group, current) : undefined;
        if (ends !== undefined) until = Math.max(until, ends);
      }
    }
    drainUntil.set(task.taskId, until);
  }

  const messages = [
    ...registeredMessages,
    ...(drainingTasks.size > 0 ? [serviceEvents.drainingTasks(serviceName, drainingTasks.size)] : []),
    ...deregisteredMessages,
  ];
  return { targets, messages, drainUntil };
}
