import type { Tag } from '../ecs/tags.js';
import { checkTags } from '../ecs/tags.js';
import { AwsError, invalidParameter } from '../errors.js';
import { isFargateLaunch } from '../task/launch-capacity.js';
import type { ServiceLoadBalancer } from './load-balancing.js';
import { applyLaunch, type DeploymentControllerType, type LaunchSettings, type Service, type TargetGroupSide, type TaskSet } from './service.js';
import { deploymentId } from './service-events.js';

/**
 * Task sets: the EXTERNAL deployment controller's unit (CreateTaskSet,
 * UpdateTaskSet, UpdateServicePrimaryTaskSet, DeleteTaskSet) and what a
 * CODE_DEPLOY service starts with. These are pure changes to the service
 * record; the scheduler keeps each task set at its computed desired count.
 */

/** What a task set runs, resolved and checked by the API (service-changes' ResolvedRevision has this shape). */
export interface TaskSetRevision {
  readonly taskDefinitionArn: string;
  readonly cpu: number;
  readonly memory: number;
  readonly launch: LaunchSettings;
}

/** ECS: the service's desired count times the task set's scale, always rounded up. */
export function computedDesiredCount(serviceDesiredCount: number, scalePercent: number): number {
  // Rounded to 1e-9 first so 3 x 33.3333...% does not become 2.0000000001 -> 3.
  return Math.ceil(Math.round(((serviceDesiredCount * scalePercent) / 100) * 1e9) / 1e9);
}

/** Whether a service's tasks are grouped in task sets rather than deployments. */
export function usesTaskSets(service: Pick<Service, 'deploymentController'>): boolean {
  return service.deploymentController.type !== 'ECS';
}

export function checkScale(scale: { value?: number; unit?: string } | undefined): { value: number; unit: 'PERCENT' } {
  const value = scale?.value ?? 100;
  if (scale?.unit !== undefined && scale.unit !== 'PERCENT') throw invalidParameter('The scale unit must be PERCENT.'); // unverified wording
  if (!(value >= 0 && value <= 100)) throw invalidParameter('The scale value must be between 0 and 100.'); // unverified wording
  return { value, unit: 'PERCENT' };
}

export interface TaskSetInput {
  readonly externalId?: string;
  readonly scale?: { value?: number; unit?: string };
  readonly tags?: Tag[];
  readonly loadBalancers?: unknown[];
  readonly serviceRegistries?: unknown[];
  readonly startedBy?: string;
}

export const taskSetNotFound = () => new AwsError('TaskSetNotFoundException', 'The specified task set does not exist.'); // unverified wording

/** ECS refuses the task set APIs on services that do not use the EXTERNAL deployment controller. */
export function checkExternal(service: Service): void {
  if (service.status !== 'ACTIVE') throw new AwsError('ServiceNotActiveException', 'Service was not ACTIVE.');
  if (service.deploymentController.type !== 'EXTERNAL') {
    // unverified wording
    throw invalidParameter(`Task sets can only be managed on services using the EXTERNAL deployment controller; this service uses the ${service.deploymentController.type} deployment controller.`);
  }
}

export function taskSetArnOf(service: Pick<Service, 'serviceArn'>, id: string): string {
  return `${service.serviceArn.replace(':service/', ':task-set/')}/${id}`;
}

/** `ecs-svc/<digits>` or its ARN -> the task set of the service, if any. */
export function findTaskSet(service: Service, reference: string): TaskSet | undefined {
  return (service.taskSets ?? []).find((ts) => ts.id === reference || ts.taskSetArn === reference || reference.endsWith(`/${ts.id}`));
}

/** A new task set on `service` (mutated), ACTIVE, or PRIMARY when `primary`. */
export function addTaskSet(
  service: Service,
  input: TaskSetInput,
  revision: TaskSetRevision,
  ctx: { now: number; deploymentDigits: string },
  primary = false,
): TaskSet {
  checkTags(input.tags ?? []);
  const id = deploymentId(ctx.deploymentDigits);
  const scale = checkScale(input.scale);
  const taskSet: TaskSet = {
    id,
    taskSetArn: taskSetArnOf(service, id),
    serviceArn: service.serviceArn,
    clusterArn: service.clusterArn,
    ...(input.startedBy ? { startedBy: input.startedBy } : {}),
    ...(input.externalId !== undefined ? { externalId: input.externalId } : {}),
    status: primary ? 'PRIMARY' : 'ACTIVE',
    taskDefinition: revision.taskDefinitionArn,
    computedDesiredCount: computedDesiredCount(service.desiredCount, scale.value),
    pendingCount: 0,
    runningCount: 0,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    ...revision.launch,
    ...(isFargateLaunch(revision.launch) ? { platformFamily: 'Linux' } : {}),
    loadBalancers: (input.loadBalancers ?? []) as TaskSet['loadBalancers'],
    serviceRegistries: input.serviceRegistries ?? [],
    scale,
    stabilityStatus: 'STABILIZING',
    stabilityStatusAt: ctx.now,
    tags: input.tags ?? [],
  };
  service.taskSets = [...(service.taskSets ?? []), taskSet];
  service.wharf.deployments[id] = { revisionId: '', serviceDeploymentId: '', failedTaskIds: [], cpu: revision.cpu, memory: revision.memory };
  service.wharf.steady = false;
  if (primary) followPrimary(service, taskSet);
  return taskSet;
}

/** DescribeServices shows the PRIMARY task set's fields on the service. */
function followPrimary(service: Service, taskSet: TaskSet): void {
  service.taskDefinition = taskSet.taskDefinition;
  applyLaunch(service, taskSet);
}

export function scaleTaskSet(current: Service, reference: string, scale: { value?: number; unit?: string }, now: number): Service {
  checkExternal(current);
  const service = structuredClone(current) as Service;
  const taskSet = findTaskSet(service, reference);
  if (!taskSet) throw taskSetNotFound();
  taskSet.scale = checkScale(scale);
  taskSet.updatedAt = now;
  service.wharf.steady = false;
  return service;
}

export function makePrimary(current: Service, reference: string, now: number): Service {
  checkExternal(current);
  const service = structuredClone(current) as Service;
  const taskSet = findTaskSet(service, reference);
  if (!taskSet) throw taskSetNotFound();
  if (taskSet.status === 'DRAINING') throw invalidParameter('The task set is being deleted and cannot become the primary task set.'); // unverified wording
  if (taskSet.status === 'PRIMARY') return current;
  for (const other of service.taskSets ?? []) {
    if (other.status === 'PRIMARY') {
      other.status = 'ACTIVE';
      other.updatedAt = now;
    }
  }
  taskSet.status = 'PRIMARY';
  taskSet.updatedAt = now;
  followPrimary(service, taskSet);
  return service;
}

/** DeleteTaskSet: DRAINING (its tasks stop) until its tasks are gone; refused while scaled above 0 unless forced. */
export function deleteTaskSet(current: Service, reference: string, force: boolean, now: number): Service {
  checkExternal(current);
  const found = findTaskSet(current, reference);
  if (!found) throw taskSetNotFound();
  if (found.status === 'DRAINING') return current;
  if (!force && computedDesiredCount(current.desiredCount, found.scale.value) > 0) {
    throw invalidParameter('The task set cannot be deleted while it is scaled above 0. Scale it to 0 first, or use force.'); // unverified wording
  }
  const service = structuredClone(current) as Service;
  const taskSet = findTaskSet(service, reference)!;
  taskSet.status = 'DRAINING';
  taskSet.computedDesiredCount = 0;
  taskSet.stabilityStatus = 'STABILIZING';
  taskSet.stabilityStatusAt = now;
  taskSet.updatedAt = now;
  service.wharf.steady = false;
  return service;
}

/**
 * What UpdateService may change on a service whose deployments another
 * controller makes: the desired count, deployment configuration and grace
 * period (and the settings that do not touch tasks). ECS's words for
 * CODE_DEPLOY; the EXTERNAL ones follow them (unverified wording).
 */
export function checkUpdateOfTaskSetService(
  type: DeploymentControllerType,
  input: { taskDefinition?: string; networkConfiguration?: unknown; platformVersion?: string; launchType?: string; capacityProviderStrategy?: unknown[]; forceNewDeployment?: boolean; loadBalancers?: unknown[] },
): void {
  if (type === 'ECS') return;
  const how = type === 'CODE_DEPLOY' ? 'Use AWS CodeDeploy to trigger a new deployment.' : 'Create a new task set instead.';
  if (input.taskDefinition !== undefined) throw invalidParameter(`Unable to update task definition on services with a ${type} deployment controller. ${how}`);
  if (
    input.networkConfiguration !== undefined ||
    input.platformVersion !== undefined ||
    input.launchType !== undefined ||
    input.capacityProviderStrategy !== undefined ||
    input.forceNewDeployment === true
  ) {
    throw invalidParameter(`Unable to update network parameters on services with a ${type} deployment controller. ${how}`);
  }
  if (input.loadBalancers !== undefined) throw invalidParameter(`Unable to update load balancers on services with a ${type} deployment controller. ${how}`); // unverified wording
}

/**
 * The target groups a task of `deploymentId` (its startedBy) belongs in: its
 * task set's for a service with task sets, else the service's.
 */
export function loadBalancersOfTask(service: Service, deploymentId: string | undefined): ServiceLoadBalancer[] {
  if (!usesTaskSets(service)) return loadBalancersOfSide(service.loadBalancers, (deploymentId ? service.wharf.deployments[deploymentId]?.side : undefined) ?? service.wharf.productionSide ?? 'main');
  return (service.taskSets ?? []).find((ts) => ts.id === deploymentId)?.loadBalancers ?? [];
}

/** Every target group the service's tasks may be registered in: its own, retired ones and its task sets'. */
export function allLoadBalancers(service: Service): ServiceLoadBalancer[] {
  return [
    ...service.loadBalancers,
    ...loadBalancersOfSide(service.loadBalancers.filter((lb) => lb.advancedConfiguration?.alternateTargetGroupArn), 'alternate'),
    ...(service.wharf.retiredLoadBalancers ?? []),
    ...(service.taskSets ?? []).flatMap((ts) => ts.loadBalancers),
  ];
}

/** The load balancers as one side of a blue/green pair sees them: `alternate` swaps in each alternateTargetGroupArn. */
export function loadBalancersOfSide(loadBalancers: readonly ServiceLoadBalancer[], side: TargetGroupSide): ServiceLoadBalancer[] {
  if (side === 'main') return [...loadBalancers];
  return loadBalancers.map((lb) => (lb.advancedConfiguration?.alternateTargetGroupArn ? { ...lb, targetGroupArn: lb.advancedConfiguration.alternateTargetGroupArn } : lb));
}
