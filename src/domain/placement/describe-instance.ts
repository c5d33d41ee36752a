/**
 * Registered container instances as the ECS API shows them: the rules of
 * ListContainerInstances, DescribeContainerInstances,
 * UpdateContainerInstancesState and DeregisterContainerInstance over the
 * records of domain/placement/container-instance.ts. Pure: the handlers read
 * the records (and the tasks they hold) and write what these return.
 */
import { taskCountBucket } from '../ecs/record-indexes.js';
import type { Tag } from '../ecs/tags.js';
import { invalidParameter } from '../errors.js';
import type { Task } from '../task/task.js';
import { evaluate, type Expression } from './query-language.js';
import { reservedOf, type ContainerInstance, type ContainerInstanceStatus, type InstanceAttribute } from './container-instance.js';

/**
 * What Wharf reports as `versionInfo.agentVersion`: there is no ECS agent on
 * a registered host (Wharf drives its engine itself), so it names Wharf's
 * own agent rather than pretend to be a release of amazon-ecs-agent.
 */
export const WHARF_AGENT_VERSION = '0.1.0-wharf';

/**
 * Attributes every registered instance has because Wharf's supervisor does
 * these things on any engine (what the ECS agent reports as its
 * capabilities); the record's own attributes come first and win.
 */
export const WHARF_CAPABILITY_ATTRIBUTES: readonly InstanceAttribute[] = [
  { name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' },
  { name: 'com.amazonaws.ecs.capability.logging-driver.json-file' },
  { name: 'com.amazonaws.ecs.capability.ecr-auth' },
  { name: 'com.amazonaws.ecs.capability.task-iam-role' },
  { name: 'ecs.capability.execution-role-awslogs' },
  { name: 'ecs.capability.execution-role-ecr-pull' },
  { name: 'ecs.capability.secrets.asm.environment-variables' },
  { name: 'ecs.capability.secrets.ssm.environment-variables' },
  { name: 'ecs.capability.container-health-check' },
  { name: 'ecs.capability.container-ordering' },
  { name: 'ecs.capability.task-eni' },
];

/** ECS's `Resource` (the wire shape: every member present, the unused ones 0). */
export interface ResourceFigure {
  readonly name: string;
  readonly type: 'INTEGER' | 'STRINGSET';
  readonly doubleValue: number;
  readonly longValue: number;
  readonly integerValue: number;
  readonly stringSetValue?: string[];
}

export interface TaskCounts {
  readonly running: number;
  readonly pending: number;
}

export interface DescribeOptions {
  readonly arn: string;
  readonly counts: TaskCounts;
  readonly withTags: boolean;
  readonly withHealth: boolean;
  /** Overrides the status shown (DeregisterContainerInstance answers INACTIVE as the record goes). */
  readonly status?: ContainerInstanceStatus;
}

/** ECS's ContainerInstance output shape. */
export interface ContainerInstanceView {
  readonly containerInstanceArn: string;
  readonly ec2InstanceId?: string;
  readonly version: number;
  readonly versionInfo: { readonly agentVersion: string; readonly agentHash?: string; readonly dockerVersion?: string };
  readonly remainingResources: ResourceFigure[];
  readonly registeredResources: ResourceFigure[];
  readonly status: ContainerInstanceStatus;
  readonly agentConnected: boolean;
  readonly runningTasksCount: number;
  readonly pendingTasksCount: number;
  readonly attributes: InstanceAttribute[];
  readonly registeredAt: Date;
  readonly attachments: never[];
  readonly tags: Tag[];
  readonly healthStatus?: HealthStatusView;
}

export interface HealthStatusView {
  readonly overallStatus: 'OK' | 'IMPAIRED' | 'INSUFFICIENT_DATA' | 'INITIALIZING';
  readonly details: { readonly type: 'CONTAINER_RUNTIME'; readonly status: HealthStatusView['overallStatus']; readonly lastUpdated?: Date }[];
}

function integer(name: string, value: number): ResourceFigure {
  return { name, type: 'INTEGER', doubleValue: 0, longValue: 0, integerValue: value };
}

function stringSet(name: string, values: readonly string[]): ResourceFigure {
  return { name, type: 'STRINGSET', doubleValue: 0, longValue: 0, integerValue: 0, stringSetValue: [...values] };
}

/**
 * The host ports the instance holds for itself, as ECS lists the agent's and
 * Docker's (22, 2375, 2376, 51678, 51679): for Wharf, the engine's own port.
 * Tasks reserve none: they are awsvpc, their ports are on their own address.
 */
function reservedPorts(instance: ContainerInstance): string[] {
  const match = instance.host ? /:(\d+)\/?$/.exec(instance.host.url) : null;
  return match ? [match[1]!] : [];
}

/**
 * CPU, MEMORY, PORTS and PORTS_UDP as ECS lists them. An absent figure
 * (no limit in Wharf: the host's CPU or memory is shared uncapped) is
 * reported as 0 in both lists: ECS's figures are always finite integers, and
 * Wharf does not know the engine's real total from the record. `wharf hosts
 * add` writes both figures, so only a record written without them shows 0
 * (placement still treats it as unlimited).
 */
export function resourcesOf(instance: ContainerInstance): { registered: ResourceFigure[]; remaining: ResourceFigure[] } {
  const reserved = reservedOf(instance);
  const ports = reservedPorts(instance);
  const cpu = instance.registeredResources.cpu;
  const memory = instance.registeredResources.memory;
  return {
    registered: [integer('CPU', cpu ?? 0), integer('MEMORY', memory ?? 0), stringSet('PORTS', ports), stringSet('PORTS_UDP', [])],
    remaining: [
      integer('CPU', cpu === undefined ? 0 : Math.max(0, cpu - reserved.cpu)),
      integer('MEMORY', memory === undefined ? 0 : Math.max(0, memory - reserved.memory)),
      stringSet('PORTS', ports),
      stringSet('PORTS_UDP', []),
    ],
  };
}

/** The record's attributes, then Wharf's capabilities it does not name itself. */
export function attributesOf(instance: ContainerInstance): InstanceAttribute[] {
  const named = new Set(instance.attributes.map((attribute) => attribute.name));
  return [...instance.attributes.map((attribute) => ({ ...attribute })), ...WHARF_CAPABILITY_ATTRIBUTES.filter((attribute) => !named.has(attribute.name))];
}

/** runningTasksCount and pendingTasksCount from the tasks an instance holds (as read; missing ones count nothing). */
export function taskCountsOf(tasks: readonly Pick<Task, 'lastStatus' | 'desiredStatus'>[]): TaskCounts {
  let running = 0;
  let pending = 0;
  for (const task of tasks) {
    const bucket = taskCountBucket(task);
    if (bucket === 'running') running++;
    else if (bucket === 'pending') pending++;
  }
  return { running, pending };
}

/**
 * The CONTAINER_INSTANCE_HEALTH view. Wharf checks the engine itself (the
 * record's agentConnected is whether the engine answered its last check), so
 * that check is the CONTAINER_RUNTIME one: answered -> OK, not -> IMPAIRED,
 * never checked yet -> INITIALIZING.
 */
export function healthOf(instance: ContainerInstance): HealthStatusView {
  const status: HealthStatusView['overallStatus'] = instance.agentConnected === undefined ? 'INITIALIZING' : instance.agentConnected ? 'OK' : 'IMPAIRED';
  return {
    overallStatus: status,
    details: [{ type: 'CONTAINER_RUNTIME', status, ...(instance.lastSeenAt !== undefined ? { lastUpdated: new Date(instance.lastSeenAt) } : {}) }],
  };
}

export function describeInstance(instance: ContainerInstance, options: DescribeOptions): ContainerInstanceView {
  const resources = resourcesOf(instance);
  return {
    containerInstanceArn: options.arn,
    ...(instance.ec2InstanceId !== undefined ? { ec2InstanceId: instance.ec2InstanceId } : {}),
    version: instance.version ?? 1,
    versionInfo: { agentVersion: WHARF_AGENT_VERSION, ...(instance.engineVersion !== undefined ? { dockerVersion: `DockerVersion: ${instance.engineVersion}` } : {}) },
    remainingResources: resources.remaining,
    registeredResources: resources.registered,
    status: options.status ?? instance.status,
    agentConnected: instance.agentConnected ?? false,
    runningTasksCount: options.counts.running,
    pendingTasksCount: options.counts.pending,
    attributes: attributesOf(instance),
    registeredAt: new Date(instance.registeredAt),
    attachments: [],
    tags: options.withTags ? [...(instance.tags ?? [])] : [],
    ...(options.withHealth ? { healthStatus: healthOf(instance) } : {}),
  };
}

/**
 * Whether ListContainerInstances lists the instance: the status asked for,
 * or (none asked) every status but INACTIVE; and the filter expression, over
 * the attributes DescribeContainerInstances shows and the groups of the tasks
 * it holds.
 */
export function listsInstance(instance: ContainerInstance, status: ContainerInstanceStatus | undefined, filter: Expression | undefined): boolean {
  if (instance.implicit) return false;
  if (status === undefined ? instance.status === 'INACTIVE' : instance.status !== status) return false;
  if (!filter) return true;
  return evaluate(filter, {
    attributes: new Map(attributesOf(instance).map((attribute) => [attribute.name, attribute.value])),
    taskGroups: Object.values(instance.reservations).map((reservation) => reservation.group),
  });
}

/** The statuses UpdateContainerInstancesState sets. */
export const SETTABLE_STATUSES: readonly ContainerInstanceStatus[] = ['ACTIVE', 'DRAINING'];

/** (unverified) ECS's wording; the model lets all five request statuses through. */
export function checkSettableStatus(status: string): ContainerInstanceStatus {
  if (!(SETTABLE_STATUSES as readonly string[]).includes(status)) throw invalidParameter('Container instance status should be one of [ACTIVE, DRAINING]');
  return status as ContainerInstanceStatus;
}

export type StatusChange = { readonly kind: 'changed'; readonly instance: ContainerInstance } | { readonly kind: 'unchanged' } | { readonly kind: 'refused'; readonly reason: string };

/**
 * The next record for a status change: the status and ECS's version plus
 * one. Setting the status it has changes nothing (no new version). Only an
 * ACTIVE or DRAINING instance moves (ECS refuses DRAINING before ACTIVE).
 */
export function withStatus(instance: ContainerInstance, status: ContainerInstanceStatus): StatusChange {
  if (instance.status === status) return { kind: 'unchanged' };
  if (!SETTABLE_STATUSES.includes(instance.status)) return { kind: 'refused', reason: `The container instance is ${instance.status}` };
  return { kind: 'changed', instance: { ...instance, status, version: (instance.version ?? 1) + 1 } };
}

/**
 * ECS's InvalidParameterException for DeregisterContainerInstance without
 * force (scripts that match ECS's answer test for these words; moto uses them).
 */
export const RUNNING_TASKS_ON_INSTANCE = 'Found running tasks on the instance.';

/**
 * Whether DeregisterContainerInstance must refuse: tasks that are not
 * STOPPED (counted from the tasks the reservations name, as read) and no
 * force. With force, ECS leaves those tasks running, orphaned.
 */
export function deregistrationBlocked(tasks: readonly Pick<Task, 'lastStatus'>[], force: boolean): boolean {
  return !force && tasks.some((task) => task.lastStatus !== 'STOPPED');
}
