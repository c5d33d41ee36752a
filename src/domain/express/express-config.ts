import { invalidParameter } from '../errors.js';

/**
 * An Express service's configuration (ExpressGatewayServiceConfiguration):
 * what CreateExpressGatewayService was given, with ECS's defaults filled in,
 * and how UpdateExpressGatewayService changes it. Pure: the API resolves
 * names and writes the records.
 */

export type ScalingMetric = 'AVERAGE_CPU' | 'AVERAGE_MEMORY' | 'REQUEST_COUNT_PER_TARGET';

export interface ExpressContainer {
  readonly image: string;
  readonly containerPort?: number;
  readonly awsLogsConfiguration?: { readonly logGroup: string; readonly logStreamPrefix: string };
  readonly repositoryCredentials?: { readonly credentialsParameter?: string };
  readonly command?: readonly string[];
  readonly environment?: readonly { readonly name?: string; readonly value?: string }[];
  readonly secrets?: readonly { readonly name: string; readonly valueFrom: string }[];
}

export interface ExpressScalingTarget {
  readonly minTaskCount?: number;
  readonly maxTaskCount?: number;
  readonly autoScalingMetric?: ScalingMetric;
  readonly autoScalingTargetValue?: number;
}

export interface ExpressNetwork {
  readonly subnets?: readonly string[];
  readonly securityGroups?: readonly string[];
}

export interface CreateExpressInput {
  readonly executionRoleArn: string;
  readonly infrastructureRoleArn: string;
  readonly serviceName?: string;
  readonly cluster?: string;
  readonly healthCheckPath?: string;
  readonly primaryContainer: ExpressContainer;
  readonly taskRoleArn?: string;
  readonly networkConfiguration?: ExpressNetwork;
  readonly cpu?: string;
  readonly memory?: string;
  readonly scalingTarget?: ExpressScalingTarget;
  readonly tags?: readonly { key?: string; value?: string }[];
}

export type UpdateExpressInput = Partial<Omit<CreateExpressInput, 'infrastructureRoleArn' | 'serviceName' | 'cluster' | 'tags'>> & { readonly serviceArn: string };

/** Every member filled in: what the records are built from and Describe shows. */
export interface ExpressConfiguration {
  readonly executionRoleArn: string;
  readonly taskRoleArn?: string;
  readonly cpu: string;
  readonly memory: string;
  readonly healthCheckPath: string;
  readonly networkConfiguration: { readonly subnets: string[]; readonly securityGroups: string[] };
  readonly primaryContainer: ExpressContainer & { readonly containerPort: number; readonly awsLogsConfiguration: { readonly logGroup: string; readonly logStreamPrefix: string } };
  readonly scalingTarget: Required<ExpressScalingTarget>;
}

// ECS's documented defaults for an Express service. unverified: the scaling bounds and target value.
export const EXPRESS_DEFAULTS = {
  cpu: '1024',
  memory: '2048',
  containerPort: 80,
  healthCheckPath: '/ping',
  logStreamPrefix: 'ecs',
  scaling: { minTaskCount: 1, maxTaskCount: 20, autoScalingMetric: 'AVERAGE_CPU' as ScalingMetric, autoScalingTargetValue: 60 },
  /** Wharf's one VPC has these subnets (the ELBv2 API's default zones). */
  subnets: ['subnet-wharf-a', 'subnet-wharf-b'],
};

const SERVICE_NAME = /^[a-zA-Z0-9_-]{1,255}$/;
const METRICS: readonly ScalingMetric[] = ['AVERAGE_CPU', 'AVERAGE_MEMORY', 'REQUEST_COUNT_PER_TARGET'];

/** The name ECS generates when none is given: the image's repository name, made a valid service name. */
export function defaultServiceName(image: string, suffix: string): string {
  const repository = image.split('@')[0]!.replace(/:[^/:]*$/, '').split('/').pop() ?? 'service';
  const base = repository.replace(/[^a-zA-Z0-9_-]/g, '-').slice(0, 40) || 'service';
  return `${base}-${suffix}`;
}

export function defaultLogGroup(clusterName: string, serviceName: string): string {
  return `/aws/ecs/${clusterName}/${serviceName}`;
}

export function checkServiceName(name: string): void {
  if (!SERVICE_NAME.test(name)) throw invalidParameter('Service name must be 1-255 characters: letters (upper and lower case), numbers, hyphens and underscores.');
}

function checkScaling(scaling: Required<ExpressScalingTarget>): void {
  // unverified wording for the three messages below
  if (!METRICS.includes(scaling.autoScalingMetric)) throw invalidParameter(`autoScalingMetric must be one of ${METRICS.join(', ')}.`);
  if (scaling.minTaskCount < 1 || scaling.maxTaskCount < scaling.minTaskCount) throw invalidParameter('scalingTarget: minTaskCount must be at least 1 and no more than maxTaskCount.');
  if (scaling.autoScalingTargetValue <= 0) throw invalidParameter('scalingTarget: autoScalingTargetValue must be greater than 0.');
}

function checkContainer(container: ExpressConfiguration['primaryContainer']): void {
  if (!container.image) throw invalidParameter('primaryContainer.image must be specified.'); // unverified wording
  if (!Number.isInteger(container.containerPort) || container.containerPort < 1 || container.containerPort > 65535) {
    throw invalidParameter('primaryContainer.containerPort must be between 1 and 65535.'); // unverified wording
  }
}

function checkHealthCheckPath(path: string): void {
  if (!path.startsWith('/')) throw invalidParameter('healthCheckPath must begin with a "/".'); // unverified wording
}

function fullContainer(container: ExpressContainer, logGroup: string): ExpressConfiguration['primaryContainer'] {
  return {
    ...container,
    containerPort: container.containerPort ?? EXPRESS_DEFAULTS.containerPort,
    awsLogsConfiguration: container.awsLogsConfiguration ?? { logGroup, logStreamPrefix: EXPRESS_DEFAULTS.logStreamPrefix },
  };
}

export function newConfiguration(input: CreateExpressInput, names: { clusterName: string; serviceName: string }): ExpressConfiguration {
  checkServiceName(names.serviceName);
  const config: ExpressConfiguration = {
    executionRoleArn: input.executionRoleArn,
    ...(input.taskRoleArn ? { taskRoleArn: input.taskRoleArn } : {}),
    cpu: input.cpu ?? EXPRESS_DEFAULTS.cpu,
    memory: input.memory ?? EXPRESS_DEFAULTS.memory,
    healthCheckPath: input.healthCheckPath ?? EXPRESS_DEFAULTS.healthCheckPath,
    networkConfiguration: {
      subnets: [...(input.networkConfiguration?.subnets?.length ? input.networkConfiguration.subnets : EXPRESS_DEFAULTS.subnets)],
      securityGroups: [...(input.networkConfiguration?.securityGroups ?? [])],
    },
    primaryContainer: fullContainer(input.primaryContainer, defaultLogGroup(names.clusterName, names.serviceName)),
    scalingTarget: { ...EXPRESS_DEFAULTS.scaling, ...defined(input.scalingTarget ?? {}) },
  };
  checkConfiguration(config);
  return config;
}

/** Update replaces the members it names; a primaryContainer without a log configuration keeps the current one. */
export function updatedConfiguration(current: ExpressConfiguration, input: UpdateExpressInput): ExpressConfiguration {
  const config: ExpressConfiguration = {
    ...current,
    ...(input.executionRoleArn ? { executionRoleArn: input.executionRoleArn } : {}),
    ...(input.taskRoleArn ? { taskRoleArn: input.taskRoleArn } : {}),
    ...(input.cpu ? { cpu: input.cpu } : {}),
    ...(input.memory ? { memory: input.memory } : {}),
    ...(input.healthCheckPath ? { healthCheckPath: input.healthCheckPath } : {}),
    ...(input.networkConfiguration
      ? {
          networkConfiguration: {
            subnets: [...(input.networkConfiguration.subnets?.length ? input.networkConfiguration.subnets : current.networkConfiguration.subnets)],
            securityGroups: [...(input.networkConfiguration.securityGroups ?? current.networkConfiguration.securityGroups)],
          },
        }
      : {}),
    ...(input.primaryContainer ? { primaryContainer: fullContainer(input.primaryContainer, current.primaryContainer.awsLogsConfiguration.logGroup) } : {}),
    scalingTarget: { ...current.scalingTarget, ...defined(input.scalingTarget ?? {}) },
  };
  checkConfiguration(config);
  return config;
}

/** Whether the change needs new tasks (a new task definition and deployment), not only new scaling or health-check settings. */
export function needsNewRevision(before: ExpressConfiguration, after: ExpressConfiguration): boolean {
  const taskShape = (c: ExpressConfiguration) => JSON.stringify([c.executionRoleArn, c.taskRoleArn, c.cpu, c.memory, c.primaryContainer, c.networkConfiguration]);
  return taskShape(before) !== taskShape(after);
}

function checkConfiguration(config: ExpressConfiguration): void {
  checkContainer(config.primaryContainer);
  checkHealthCheckPath(config.healthCheckPath);
  checkScaling(config.scalingTarget);
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
