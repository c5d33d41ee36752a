import { formatArn } from '../arn.js';
import { checkStrategy, checkStrategyAgainstCluster, type CapacityProviderStrategyItem } from '../ecs/capacity-provider-strategy.js';
import { taskArnOfRecord, taskRecordId } from '../ecs/record-keys.js';
import { checkTags, type Tag } from '../ecs/tags.js';
import { clientException, invalidParameter } from '../errors.js';
import { checkPlacement, type PlacementConstraintInput, type PlacementRequest, type PlacementStrategyInput } from '../placement/placement-inputs.js';
import { isValidFargateSize } from '../task-definition/index.js';
import { effectiveLaunch, placesOnRegisteredInstances, unplaceableReason } from './launch-capacity.js';
import type { ContainerPlan, Task } from './task.js';

/** The parts of a registered task definition RunTask reads. */
export interface RunnableDefinition {
  readonly taskDefinitionArn: string;
  readonly family: string;
  readonly revision: number;
  readonly status: string;
  readonly networkMode?: string;
  readonly cpu?: string;
  readonly memory?: string;
  readonly compatibilities?: string[];
  readonly requiresCompatibilities?: string[];
  readonly ephemeralStorage?: { sizeInGiB: number };
  readonly taskRoleArn?: string;
  readonly executionRoleArn?: string;
  readonly containerDefinitions: Record<string, any>[];
  readonly placementConstraints?: PlacementConstraintInput[];
}

export interface RunTaskInput {
  readonly count?: number;
  readonly launchType?: string;
  readonly capacityProviderStrategy?: CapacityProviderStrategyItem[];
  readonly networkConfiguration?: { awsvpcConfiguration?: { subnets: string[]; securityGroups?: string[]; assignPublicIp?: string } };
  readonly overrides?: {
    containerOverrides?: {
      name?: string;
      command?: string[];
      environment?: { name?: string; value?: string }[];
      environmentFiles?: { value: string; type: string }[];
      cpu?: number;
      memory?: number;
      memoryReservation?: number;
    }[];
    cpu?: string;
    memory?: string;
    taskRoleArn?: string;
    executionRoleArn?: string;
    ephemeralStorage?: { sizeInGiB: number };
  };
  readonly group?: string;
  readonly startedBy?: string;
  readonly referenceId?: string;
  readonly tags?: Tag[];
  readonly propagateTags?: 'TASK_DEFINITION' | 'SERVICE' | 'NONE';
  readonly enableExecuteCommand?: boolean;
  readonly platformVersion?: string;
  readonly placementStrategy?: PlacementStrategyInput[];
  readonly placementConstraints?: PlacementConstraintInput[];
}

export interface ClusterView {
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly capacityProviders: readonly string[];
  readonly defaultCapacityProviderStrategy: readonly CapacityProviderStrategyItem[];
}

/** Identifiers are made outside the domain and handed in, so plans are repeatable. */
export interface IdSource {
  taskId(): string;
  uuid(): string;
  eniId(): string;
}

export const FARGATE_PLATFORM_VERSION = '1.4.0';
const DEFAULT_STOP_TIMEOUT = 30;

/** What a launch request resolves to once ECS's checks pass. */
export interface CheckedLaunch {
  /** The capacity provider per task (undefined: a launch type). Empty when the launch cannot be placed. */
  readonly perTask: (string | undefined)[];
  readonly fargate: boolean;
  /** The launch after the cluster's default strategy (see effectiveLaunch). */
  readonly launch: { launchType?: string; capacityProviderStrategy?: CapacityProviderStrategyItem[] };
  /**
   * Set when Wharf has no capacity of this kind whatever the cluster holds
   * (Auto Scaling group providers): why. An EC2 launch is not marked: whether
   * the cluster has registered instances is known where they are read.
   */
  readonly unplaceable?: string;
  readonly cpu?: string;
  readonly memory?: string;
  /** The strategy and constraints the tasks are placed by (checked; Fargate's are empty). */
  readonly placement: PlacementRequest;
}

/**
 * ECS's checks of a launch (count, launch type vs strategy, network
 * configuration, Fargate sizes, overrides), without building tasks. A launch
 * on capacity Wharf does not have passes, marked `unplaceable`: RunTask
 * refuses it, a service keeps it and reports it in its events.
 */
export function checkLaunch(input: RunTaskInput, definition: RunnableDefinition, cluster: ClusterView): CheckedLaunch {
  const count = input.count ?? 1;
  if (count < 1 || count > 10) throw invalidParameter('The count must be between 1 and 10.');
  if (definition.status !== 'ACTIVE') throw clientException('TaskDefinition is inactive');
  if (input.launchType && input.capacityProviderStrategy && input.capacityProviderStrategy.length > 0) {
    throw invalidParameter('Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.');
  }
  if (input.startedBy !== undefined && input.startedBy.length > 128) throw invalidParameter('startedBy can be at most 128 characters.');
  if (input.group !== undefined && input.group.length > 255) throw invalidParameter('group can be at most 255 characters.');
  checkTags(input.tags ?? []);

  const providers = chooseCapacity(input, cluster, count, definition);
  const placement = checkPlacement(input, definition.placementConstraints, providers.fargate);
  const networkMode = definition.networkMode ?? 'bridge';
  const awsvpc = input.networkConfiguration?.awsvpcConfiguration;
  if (networkMode === 'awsvpc') {
    if (!awsvpc) throw invalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
    if (awsvpc.subnets.length === 0) throw invalidParameter('subnets can not be empty.');
    if (awsvpc.subnets.length > 16) throw invalidParameter('subnets can have at most 16 items.');
    if ((awsvpc.securityGroups ?? []).length > 5) throw invalidParameter('securityGroups can have at most 5 items.');
  } else if (awsvpc) {
    throw invalidParameter("Network Configuration is not valid for the given networkMode of this task definition.");
  }

  const overrides = input.overrides ?? {};
  const cpu = overrides.cpu ?? definition.cpu;
  const memory = overrides.memory ?? definition.memory;
  if (providers.fargate && (!cpu || !memory || !isValidFargateSize(cpu, memory))) throw clientException('No Fargate configuration exists for given values.');
  planContainers(definition, overrides, 'check', providers.fargate);
  return { ...providers, placement, ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) };
}

/**
 * Validates a RunTask request against ECS's rules and builds the tasks it asks
 * for, each PROVISIONING with desired status RUNNING. Throws AwsError values;
 * a launch Wharf has no capacity for is refused as ECS refuses it on a
 * cluster without container instances.
 */
export function planRunTask(
  input: RunTaskInput,
  definition: RunnableDefinition,
  definitionTags: readonly Tag[],
  cluster: ClusterView,
  where: { region: string; account: string; now: Date; ids: IdSource },
): Task[] {
  const providers = checkLaunch(input, definition, cluster);
  if (providers.unplaceable) throw invalidParameter(providers.unplaceable);
  const ec2 = !providers.fargate;
  const networkMode = definition.networkMode ?? 'bridge';
  const awsvpc = input.networkConfiguration?.awsvpcConfiguration;
  const overrides = input.overrides ?? {};
  const { cpu, memory } = providers;
  const containerPlans = planContainers(definition, overrides, where.region, providers.fargate);

  const tags = [...(input.propagateTags === 'TASK_DEFINITION' ? definitionTags : []), ...(input.tags ?? [])];
  return providers.perTask.map((provider, index) => {
    const taskId = where.ids.taskId();
    const taskArn = taskArnOfRecord(where, taskRecordId(cluster.clusterName, taskId));
    const subnetId = awsvpc ? awsvpc.subnets[index % awsvpc.subnets.length]! : '';
    const attachmentId = where.ids.uuid();
    const task: Task = {
      taskArn,
      clusterArn: cluster.clusterArn,
      taskDefinitionArn: definition.taskDefinitionArn,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      ...(provider ? { capacityProviderName: provider } : { launchType: providers.launch.launchType ?? 'FARGATE' }),
      ...(providers.fargate ? { platformVersion: FARGATE_PLATFORM_VERSION, platformFamily: 'Linux' } : {}),
      ...(provider && providers.fargate ? { launchType: 'FARGATE' } : {}),
      availabilityZone: `${where.region}a`,
      // Without task-level sizes (EC2 allows it) a task reserves what its containers do.
      cpu: cpu ?? (ec2 ? String(containerPlans.reduce((sum, plan) => sum + plan.cpu, 0)) : '0'),
      memory: memory ?? (ec2 ? String(containerPlans.reduce((sum, plan) => sum + (plan.memory ?? plan.memoryReservation ?? 0), 0)) : '0'),
      group: input.group ?? `family:${definition.family}`,
      ...(input.startedBy !== undefined ? { startedBy: input.startedBy } : {}),
      enableExecuteCommand: input.enableExecuteCommand ?? false,
      overrides: {
        containerOverrides: overrides.containerOverrides ?? [],
        ...(overrides.cpu ? { cpu: overrides.cpu } : {}),
        ...(overrides.memory ? { memory: overrides.memory } : {}),
        ...(overrides.taskRoleArn ? { taskRoleArn: overrides.taskRoleArn } : {}),
        ...(overrides.executionRoleArn ? { executionRoleArn: overrides.executionRoleArn } : {}),
        inferenceAcceleratorOverrides: [],
      },
      ephemeralStorage: overrides.ephemeralStorage ?? definition.ephemeralStorage ?? { sizeInGiB: 20 },
      tags,
      containers: containerPlans.map((plan) => ({
        containerArn: formatArn({ service: 'ecs', region: where.region, account: where.account, resource: `container/${cluster.clusterName}/${taskId}/${where.ids.uuid()}` }),
        taskArn,
        name: plan.name,
        image: plan.image,
        lastStatus: 'PENDING',
        networkBindings: [],
        networkInterfaces: [],
        healthStatus: 'UNKNOWN',
        cpu: String(plan.cpu),
        ...(plan.memory !== undefined ? { memory: String(plan.memory) } : {}),
        ...(plan.memoryReservation !== undefined ? { memoryReservation: String(plan.memoryReservation) } : {}),
      })),
      attachments:
        networkMode === 'awsvpc'
          ? [{ id: attachmentId, type: 'ElasticNetworkInterface', status: 'PRECREATED', details: [{ name: 'subnetId', value: subnetId }, { name: 'networkInterfaceId', value: where.ids.eniId() }] }]
          : [],
      healthStatus: 'UNKNOWN',
      version: 1,
      createdAt: where.now.getTime(),
      wharf: {
        taskId,
        clusterName: cluster.clusterName,
        family: definition.family,
        revision: definition.revision,
        ...(input.referenceId !== undefined ? { referenceId: input.referenceId } : {}),
        subnetId,
        securityGroups: awsvpc?.securityGroups ?? [],
        containerPlans,
        ...((overrides.taskRoleArn ?? definition.taskRoleArn) ? { taskRoleArn: overrides.taskRoleArn ?? definition.taskRoleArn } : {}),
        ...((overrides.executionRoleArn ?? definition.executionRoleArn) ? { executionRoleArn: overrides.executionRoleArn ?? definition.executionRoleArn } : {}),
        containerIds: {},
      },
    };
    return task;
  });
}

/**
 * Decides launch type or capacity provider per task (see launch-capacity.ts).
 * Fargate and Fargate Spot are the capacity Wharf has; EC2 and EXTERNAL have
 * no container instances yet.
 */
function chooseCapacity(input: RunTaskInput, cluster: ClusterView, count: number, definition: RunnableDefinition): Omit<CheckedLaunch, 'cpu' | 'memory' | 'placement'> {
  const compatibilities = definition.compatibilities ?? [];
  const launch = effectiveLaunch(input, cluster.defaultCapacityProviderStrategy);
  if (launch.capacityProviderStrategy) {
    checkStrategy(launch.capacityProviderStrategy);
    checkStrategyAgainstCluster(launch.capacityProviderStrategy, cluster.capacityProviders);
  }
  if (placesOnRegisteredInstances(launch)) {
    const launchType = launch.launchType ?? 'EC2';
    if (launchType === 'EXTERNAL') return { perTask: [], fargate: false, launch, unplaceable: unplaceableReason(launch) ?? '' };
    if (!compatibilities.includes('EC2')) throw invalidParameter('Task definition does not support launch_type EC2.');
    return { perTask: Array.from({ length: count }, () => undefined), fargate: false, launch };
  }
  const unplaceable = unplaceableReason(launch);
  if (unplaceable) return { perTask: [], fargate: false, launch, unplaceable };
  if (!compatibilities.includes('FARGATE')) throw invalidParameter('Task definition does not support launch_type FARGATE.');
  const perTask = launch.capacityProviderStrategy ? spreadByStrategy(launch.capacityProviderStrategy, count) : Array.from({ length: count }, () => undefined);
  return { perTask, fargate: true, launch };
}

/** `base` tasks go to the provider that has it, the rest in proportion to the weights. */
export function spreadByStrategy(strategy: readonly CapacityProviderStrategyItem[], count: number, already: Readonly<Record<string, number>> = {}): string[] {
  const placed: Record<string, number> = { ...already };
  const result: string[] = [];
  for (let i = 0; i < count; i++) {
    const underBase = strategy.find((item) => (item.base ?? 0) > (placed[item.capacityProvider] ?? 0));
    let chosen = underBase?.capacityProvider;
    if (!chosen) {
      // The provider furthest below its weighted share of what is placed beyond the bases.
      const weighted = strategy.filter((item) => (item.weight ?? 0) > 0);
      const totalWeight = weighted.reduce((sum, item) => sum + (item.weight ?? 0), 0);
      const beyondBase = weighted.reduce((sum, item) => sum + Math.max(0, (placed[item.capacityProvider] ?? 0) - (item.base ?? 0)), 0) + 1;
      let best = -Infinity;
      for (const item of weighted) {
        const deficit = (beyondBase * (item.weight ?? 0)) / totalWeight - Math.max(0, (placed[item.capacityProvider] ?? 0) - (item.base ?? 0));
        // On a tie the provider with fewer tasks so far goes first, so equal weights alternate.
        const tie = Math.abs(deficit - best) < 1e-9 && (placed[item.capacityProvider] ?? 0) < (placed[chosen!] ?? 0);
        if (deficit > best + 1e-9 || tie) {
          best = deficit;
          chosen = item.capacityProvider;
        }
      }
    }
    placed[chosen!] = (placed[chosen!] ?? 0) + 1;
    result.push(chosen!);
  }
  return result;
}

function planContainers(definition: RunnableDefinition, overrides: NonNullable<RunTaskInput['overrides']>, region: string, fargate: boolean): ContainerPlan[] {
  const names = new Set(definition.containerDefinitions.map((container) => container.name as string));
  for (const override of overrides.containerOverrides ?? []) {
    if (!override.name || !names.has(override.name)) {
      throw invalidParameter(`Override for container named ${override.name ?? ''} is not a container in the TaskDefinition.`);
    }
  }
  return definition.containerDefinitions.map((container) => {
    const override = (overrides.containerOverrides ?? []).find((candidate) => candidate.name === container.name) ?? {};
    const environment: Record<string, string> = {
      AWS_EXECUTION_ENV: fargate ? 'AWS_ECS_FARGATE' : 'AWS_ECS_EC2',
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
    };
    for (const variable of [...(container.environment ?? []), ...(override.environment ?? [])]) {
      if (variable.name) environment[variable.name] = variable.value ?? '';
    }
    const healthCheck = container.healthCheck as ContainerPlan['healthCheck'] | undefined;
    return {
      name: container.name,
      image: container.image,
      essential: container.essential !== false,
      ...(container.entryPoint ? { entryPoint: container.entryPoint } : {}),
      ...((override.command ?? container.command) ? { command: override.command ?? container.command } : {}),
      environment,
      ...(container.workingDirectory ? { workingDirectory: container.workingDirectory } : {}),
      ...(container.user ? { user: container.user } : {}),
      cpu: override.cpu ?? container.cpu ?? 0,
      ...((override.memory ?? container.memory) !== undefined ? { memory: override.memory ?? container.memory } : {}),
      ...((override.memoryReservation ?? container.memoryReservation) !== undefined ? { memoryReservation: override.memoryReservation ?? container.memoryReservation } : {}),
      ...(container.ulimits ? { ulimits: container.ulimits } : {}),
      ...(container.readonlyRootFilesystem ? { readonlyRootFilesystem: true } : {}),
      ...(container.linuxParameters?.initProcessEnabled ? { initProcessEnabled: true } : {}),
      ...(container.linuxParameters?.capabilities ? { capabilities: container.linuxParameters.capabilities } : {}),
      stopTimeout: Math.min(container.stopTimeout ?? DEFAULT_STOP_TIMEOUT, fargate ? 120 : Number.MAX_SAFE_INTEGER),
      ...(healthCheck ? { healthCheck } : {}),
      dependsOn: container.dependsOn ?? [],
      secrets: container.secrets ?? [],
      dockerLabels: container.dockerLabels ?? {},
      environmentFiles: [...(container.environmentFiles ?? []), ...(override.environmentFiles ?? [])],
      ...(container.logConfiguration?.logDriver
        ? {
            logConfiguration: {
              logDriver: container.logConfiguration.logDriver,
              ...(container.logConfiguration.options ? { options: { ...container.logConfiguration.options } } : {}),
              ...(container.logConfiguration.secretOptions?.length ? { secretOptions: container.logConfiguration.secretOptions.map((s: { name: string; valueFrom: string }) => ({ name: s.name, valueFrom: s.valueFrom })) } : {}),
            },
          }
        : {}),
      portMappings: (container.portMappings ?? []).map((mapping: { containerPort: number; protocol?: string }) => ({
        containerPort: mapping.containerPort,
        protocol: mapping.protocol === 'udp' ? 'udp' : 'tcp',
      })),
    } as ContainerPlan;
  });
}

/**
 * A task placed on a registered instance: it names the instance (ECS's
 * `containerInstanceArn`), and its instance's engine runs it.
 */
export function onContainerInstance(task: Task, instance: { readonly containerInstanceId: string; readonly arn: string; readonly availabilityZone?: string }): Task {
  return {
    ...task,
    containerInstanceArn: instance.arn,
    ...(instance.availabilityZone ? { availabilityZone: instance.availabilityZone } : {}),
    wharf: { ...task.wharf, containerInstanceId: instance.containerInstanceId },
  };
}
