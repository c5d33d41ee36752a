import { formatArn } from '../arn.js';
import { checkTags, type Tag } from '../ecs/tags.js';
import { AwsError, invalidParameter } from '../errors.js';
import {
  applyLaunch,
  MAX_SERVICE_DEPLOYMENTS,
  MAX_SERVICE_HISTORY,
  serviceDeploymentArn,
  type Deployment,
  type DeploymentConfiguration,
  type DeploymentControllerType,
  type LaunchSettings,
  type Service,
  type ServiceDeploymentRecord,
  type ServiceRevision,
} from './service.js';
import { checkLoadBalancerInputs, type LoadBalancerInput, type ServiceLoadBalancer } from './load-balancing.js';
import { deploymentId, rolloutReasons } from './service-events.js';
import { isFargateLaunch } from '../task/launch-capacity.js';
import { addTaskSet, checkUpdateOfTaskSetService } from './task-sets.js';
import { checkAdvancedConfiguration, checkStrategySettings, shiftsTraffic, type DeploymentStrategy, type StrategySettings } from './deployment-strategy.js';
import { initialShiftState } from './traffic-shift.js';
import { answerHook } from './lifecycle-hooks.js';

/**
 * CreateService, UpdateService and DeleteService as pure changes to the
 * service record: the API records the intent (a new PRIMARY deployment, a
 * desired count, DRAINING) and the scheduler carries it out.
 */

export interface DeploymentConfigurationInput {
  readonly maximumPercent?: number;
  readonly minimumHealthyPercent?: number;
  readonly deploymentCircuitBreaker?: { enable: boolean; rollback: boolean };
  readonly alarms?: { alarmNames: string[]; enable: boolean; rollback: boolean };
  readonly strategy?: string;
  readonly bakeTimeInMinutes?: number;
  readonly linearConfiguration?: StrategySettings['linearConfiguration'];
  readonly canaryConfiguration?: StrategySettings['canaryConfiguration'];
  readonly lifecycleHooks?: StrategySettings['lifecycleHooks'];
}


export interface CreateServiceInput extends LaunchSettings {
  readonly serviceName: string;
  readonly taskDefinition?: string;
  readonly desiredCount?: number;
  readonly deploymentConfiguration?: DeploymentConfigurationInput;
  readonly deploymentController?: { type: string };
  readonly schedulingStrategy?: string;
  readonly healthCheckGracePeriodSeconds?: number;
  readonly loadBalancers?: LoadBalancerInput[];
  readonly serviceRegistries?: unknown[];
  readonly placementConstraints?: unknown[];
  readonly placementStrategy?: unknown[];
  readonly enableECSManagedTags?: boolean;
  readonly propagateTags?: 'TASK_DEFINITION' | 'SERVICE' | 'NONE';
  readonly enableExecuteCommand?: boolean;
  readonly tags?: Tag[];
  readonly role?: string;
  readonly availabilityZoneRebalancing?: string;
  readonly serviceConnectConfiguration?: { enabled?: boolean };
  readonly volumeConfigurations?: unknown[];
  readonly vpcLatticeConfigurations?: unknown[];
}

export interface UpdateServiceInput extends LaunchSettings {
  readonly taskDefinition?: string;
  readonly desiredCount?: number;
  readonly deploymentConfiguration?: DeploymentConfigurationInput;
  readonly deploymentController?: { type: string };
  readonly forceNewDeployment?: boolean;
  readonly healthCheckGracePeriodSeconds?: number;
  readonly enableExecuteCommand?: boolean;
  readonly enableECSManagedTags?: boolean;
  readonly propagateTags?: 'TASK_DEFINITION' | 'SERVICE' | 'NONE';
  readonly loadBalancers?: CreateServiceInput['loadBalancers'];
  readonly placementConstraints?: unknown[];
  readonly placementStrategy?: unknown[];
  readonly availabilityZoneRebalancing?: string;
  readonly serviceConnectConfiguration?: { enabled?: boolean };
  readonly volumeConfigurations?: unknown[];
  readonly vpcLatticeConfigurations?: unknown[];
}

/** What a deployment is made from, once the API has resolved and checked it. */
export interface ResolvedRevision {
  readonly taskDefinitionArn: string;
  readonly containerImages: { containerName: string; image: string }[];
  readonly cpu: number;
  readonly memory: number;
  /** The launch settings after the cluster's default strategy is applied. */
  readonly launch: LaunchSettings;
}

export interface ChangeContext {
  readonly region: string;
  readonly account: string;
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly now: number;
  readonly principalArn: string;
  readonly ids: { deploymentDigits(): string; revisionDigits(): string; serviceDeploymentId(): string };
}

const SERVICE_NAME = /^[a-zA-Z0-9_-]{1,255}$/;

/** Checks the inputs the model cannot: names, counts, unsupported features. */
export function checkCreateService(input: CreateServiceInput): void {
  if (!SERVICE_NAME.test(input.serviceName)) {
    throw invalidParameter('Service name must be 1-255 characters: letters (upper and lower case), numbers, hyphens and underscores.');
  }
  if (input.schedulingStrategy === 'DAEMON') throw invalidParameter('The daemon scheduling strategy does not support the FARGATE launch type.');
  const controller = input.deploymentController?.type ?? 'ECS';
  // EXTERNAL services get their task definition from their task sets.
  if (!input.taskDefinition && controller !== 'EXTERNAL') throw invalidParameter(`TaskDefinition must be specified for a service using the ${controller} deployment controller.`);
  if (input.desiredCount === undefined) throw invalidParameter('The desiredCount parameter is required for services using the REPLICA scheduling strategy.');
  checkTags(input.tags ?? []);
  checkCommon(input);
}

export function checkUpdateService(input: UpdateServiceInput): void {
  checkCommon(input);
}

function checkCommon(input: UpdateServiceInput | CreateServiceInput): void {
  if (input.desiredCount !== undefined && input.desiredCount < 0) throw invalidParameter('Desired count must be greater than or equal to 0.');
  if (input.healthCheckGracePeriodSeconds !== undefined && (input.healthCheckGracePeriodSeconds < 0 || input.healthCheckGracePeriodSeconds > 2147483647)) {
    throw invalidParameter('healthCheckGracePeriodSeconds must be between 0 and 2147483647.');
  }
  const controller = input.deploymentController?.type ?? 'ECS';
  if (!['ECS', 'CODE_DEPLOY', 'EXTERNAL'].includes(controller)) throw invalidParameter(`Unknown deployment controller type ${controller}.`);
  if (controller !== 'ECS' && input.deploymentConfiguration?.deploymentCircuitBreaker?.enable) {
    // unverified wording
    throw invalidParameter('The deployment circuit breaker can only be used for services using the rolling update (ECS) deployment controller type.');
  }
  const strategy = input.deploymentConfiguration?.strategy;
  if (controller !== 'ECS' && strategy !== undefined && strategy !== 'ROLLING') {
    // unverified wording
    throw invalidParameter(`The ${strategy} deployment strategy can only be used for services using the ECS deployment controller.`);
  }
  checkStrategySettings(input.deploymentConfiguration as StrategySettings | undefined);
  if (input.launchType && input.capacityProviderStrategy && input.capacityProviderStrategy.length > 0) {
    throw invalidParameter('Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.');
  }
  if (input.serviceConnectConfiguration?.enabled) throw new AwsError('UnsupportedFeatureException', 'Service Connect is not supported by Wharf.');
  if ((input.volumeConfigurations ?? []).length > 0) throw new AwsError('UnsupportedFeatureException', 'Amazon EBS volume configurations are not supported by Wharf.');
  if ((input.vpcLatticeConfigurations ?? []).length > 0) throw new AwsError('UnsupportedFeatureException', 'VPC Lattice configurations are not supported by Wharf.');
  // The target groups and the task definition are the API's to check (checkLoadBalancers).
  checkLoadBalancerInputs(input.loadBalancers);
  checkDeploymentConfiguration(input.deploymentConfiguration);
}

function checkDeploymentConfiguration(config: DeploymentConfigurationInput | undefined): void {
  if (!config) return;
  if (config.maximumPercent !== undefined && (config.maximumPercent < 100 || config.maximumPercent > 200 * 100)) {
    throw invalidParameter('The maximumPercent value must be at least 100 for services using the rolling update (ECS) deployment controller.');
  }
  if (config.minimumHealthyPercent !== undefined && (config.minimumHealthyPercent < 0 || config.minimumHealthyPercent > 100)) {
    throw invalidParameter('The minimumHealthyPercent value must be between 0 and 100 for services using the rolling update (ECS) deployment controller.');
  }
  if (config.alarms?.enable && (config.alarms.alarmNames ?? []).length === 0) throw invalidParameter('alarmNames must contain at least one alarm when alarms are enabled.'); // unverified wording
}

function mergeDeploymentConfiguration(base: DeploymentConfiguration | undefined, change: DeploymentConfigurationInput | undefined): DeploymentConfiguration {
  const merged = {
    maximumPercent: change?.maximumPercent ?? base?.maximumPercent ?? 200,
    minimumHealthyPercent: change?.minimumHealthyPercent ?? base?.minimumHealthyPercent ?? 100,
    deploymentCircuitBreaker: change?.deploymentCircuitBreaker ?? base?.deploymentCircuitBreaker ?? { enable: false, rollback: false },
    ...(change?.alarms ?? base?.alarms ? { alarms: change?.alarms ?? base!.alarms! } : {}),
    ...strategyMembers(base, change),
  };
  if (merged.maximumPercent < merged.minimumHealthyPercent) {
    throw invalidParameter('The maximumPercent value must be greater than or equal to the minimumHealthyPercent value.');
  }
  return merged;
}

/** The strategy members: a change of strategy drops the old strategy's own settings. */
function strategyMembers(base: DeploymentConfiguration | undefined, change: DeploymentConfigurationInput | undefined): StrategySettings {
  const strategy = (change?.strategy ?? base?.strategy) as DeploymentStrategy | undefined;
  const same = change?.strategy === undefined || change.strategy === base?.strategy;
  const pick = <K extends keyof StrategySettings>(key: K): StrategySettings[K] => (change?.[key] as StrategySettings[K]) ?? (same ? base?.[key] : undefined);
  const out: Record<string, unknown> = {};
  if (strategy !== undefined) out.strategy = strategy;
  for (const key of ['bakeTimeInMinutes', 'linearConfiguration', 'canaryConfiguration', 'lifecycleHooks'] as const) {
    const value = pick(key);
    if (value !== undefined) out[key] = value;
  }
  if (shiftsTraffic(out as StrategySettings) && out.bakeTimeInMinutes === undefined) out.bakeTimeInMinutes = 0; // unverified default
  return out as StrategySettings;
}

/** A new PRIMARY deployment, its revision and its service deployment record, added to `service`. */
function addDeployment(service: Service, revision: ResolvedRevision, ctx: ChangeContext): void {
  const wharf = service.wharf;
  const id = deploymentId(ctx.ids.deploymentDigits());
  const revisionRecord: ServiceRevision = {
    id: ctx.ids.revisionDigits(),
    taskDefinition: revision.taskDefinitionArn,
    ...revision.launch,
    ...(isFargateLaunch(revision.launch) ? { platformFamily: 'Linux' } : {}),
    containerImages: revision.containerImages,
    createdAt: ctx.now,
  };
  const sourceRevisionIds = service.deployments.map((d) => wharf.deployments[d.id]?.revisionId).filter((r): r is string => r !== undefined);
  for (const record of wharf.serviceDeployments) {
    if (record.status === 'IN_PROGRESS' || record.status === 'PENDING' || record.status === 'ROLLBACK_IN_PROGRESS') {
      record.status = 'STOPPED';
      record.statusReason = 'A newer service deployment replaced this one.';
      record.stoppedAt = ctx.now;
      record.updatedAt = ctx.now;
    }
  }
  const serviceDeployment: ServiceDeploymentRecord = {
    id: ctx.ids.serviceDeploymentId(),
    status: 'IN_PROGRESS',
    targetRevisionId: revisionRecord.id,
    sourceRevisionIds,
    createdAt: ctx.now,
    startedAt: ctx.now,
    updatedAt: ctx.now,
    deploymentConfiguration: service.deploymentConfiguration,
    failureCount: 0,
    circuitBreakerStatus: service.deploymentConfiguration.deploymentCircuitBreaker.enable ? 'MONITORING' : 'DISABLED',
    deploymentIds: [id],
  };
  // A traffic-shifting strategy needs a blue to shift from: the first deployment of a service just starts.
  const shifting = shiftsTraffic(service.deploymentConfiguration) && service.deployments.length > 0;
  if (shifting) serviceDeployment.shift = initialShiftState(ctx.now);
  const productionSide = wharf.productionSide ?? 'main';
  const side = shifting ? (productionSide === 'main' ? 'alternate' : 'main') : productionSide;
  for (const deployment of service.deployments) deployment.status = 'ACTIVE';
  const deployment: Deployment = {
    id,
    status: 'PRIMARY',
    taskDefinition: revision.taskDefinitionArn,
    desiredCount: service.desiredCount,
    pendingCount: 0,
    runningCount: 0,
    failedTasks: 0,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    ...revision.launch,
    ...(revisionRecord.platformFamily ? { platformFamily: revisionRecord.platformFamily } : {}),
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: rolloutReasons.inProgress(id),
  };
  service.deployments.unshift(deployment);
  wharf.deployments[id] = { revisionId: revisionRecord.id, serviceDeploymentId: serviceDeployment.id, failedTaskIds: [], cpu: revision.cpu, memory: revision.memory, side };
  wharf.revisions = [revisionRecord, ...wharf.revisions].slice(0, MAX_SERVICE_HISTORY);
  wharf.serviceDeployments = [serviceDeployment, ...wharf.serviceDeployments].slice(0, MAX_SERVICE_DEPLOYMENTS);
  wharf.steady = false;
  wharf.launchFailures = 0;
  delete wharf.retryAfter;
  delete wharf.lastWarning;
  delete wharf.lastWarningAt;
  service.currentServiceDeployment = serviceDeploymentArn(service, serviceDeployment.id);
  service.taskDefinition = revision.taskDefinitionArn;
  applyLaunch(service, revision.launch);
}

/** `loadBalancers` must have been through checkLoadBalancers. */
/** `revision` is undefined only for an EXTERNAL service without a task definition. */
export function newService(input: CreateServiceInput, revision: ResolvedRevision | undefined, ctx: ChangeContext): Service {
  const service: Service = {
    serviceArn: formatArn({ service: 'ecs', region: ctx.region, account: ctx.account, resource: `service/${ctx.clusterName}/${input.serviceName}` }),
    serviceName: input.serviceName,
    clusterArn: ctx.clusterArn,
    loadBalancers: (input.loadBalancers ?? []) as ServiceLoadBalancer[],
    serviceRegistries: input.serviceRegistries ?? [],
    status: 'ACTIVE',
    desiredCount: input.desiredCount ?? 0,
    runningCount: 0,
    pendingCount: 0,
    ...(revision && input.deploymentController?.type !== 'EXTERNAL' ? { taskDefinition: revision.taskDefinitionArn } : {}),
    deploymentConfiguration: mergeDeploymentConfiguration(undefined, input.deploymentConfiguration),
    deployments: [],
    events: [],
    createdAt: ctx.now,
    createdBy: ctx.principalArn,
    placementConstraints: input.placementConstraints ?? [],
    placementStrategy: input.placementStrategy ?? [],
    ...(input.healthCheckGracePeriodSeconds !== undefined ? { healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds } : {}),
    schedulingStrategy: 'REPLICA',
    deploymentController: { type: (input.deploymentController?.type ?? 'ECS') as DeploymentControllerType },
    enableECSManagedTags: input.enableECSManagedTags ?? false,
    propagateTags: input.propagateTags ?? 'NONE',
    enableExecuteCommand: input.enableExecuteCommand ?? false,
    tags: input.tags ?? [],
    availabilityZoneRebalancing: input.availabilityZoneRebalancing ?? 'ENABLED',
    wharf: { clusterName: ctx.clusterName, deployments: {}, revisions: [], serviceDeployments: [], steady: false, launchFailures: 0 },
  };
  checkAdvancedConfiguration(service.deploymentConfiguration.strategy, service.loadBalancers);
  if (service.deploymentController.type === 'ECS') addDeployment(service, revision!, ctx);
  else if (service.deploymentController.type === 'CODE_DEPLOY') {
    // The service starts with one PRIMARY task set; CodeDeploy would add the replacement ones.
    addTaskSet(service, { loadBalancers: service.loadBalancers, serviceRegistries: service.serviceRegistries }, revision!, { now: ctx.now, deploymentDigits: ctx.ids.deploymentDigits() }, true);
    service.taskSets = service.taskSets ?? [];
  } else service.taskSets = [];
  return service;
}

/** Which UpdateService inputs need a new deployment, as ECS decides it. */
export function needsNewDeployment(service: Service, input: UpdateServiceInput, taskDefinitionArn: string | undefined): boolean {
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  return (
    input.forceNewDeployment === true ||
    (taskDefinitionArn !== undefined && taskDefinitionArn !== service.taskDefinition) ||
    (input.networkConfiguration !== undefined && !same(input.networkConfiguration, service.networkConfiguration)) ||
    (input.capacityProviderStrategy !== undefined && !same(input.capacityProviderStrategy, service.capacityProviderStrategy ?? [])) ||
    (input.platformVersion !== undefined && input.platformVersion !== service.platformVersion) ||
    // ECS starts a new deployment when the load balancers change (tasks are registered afresh).
    (input.loadBalancers !== undefined && !same(input.loadBalancers, service.loadBalancers))
  );
}

/** The launch settings an update asks for, on top of the service's current ones. */
export function launchAfterUpdate(service: Service, input: UpdateServiceInput): LaunchSettings {
  const strategy = input.capacityProviderStrategy ?? service.capacityProviderStrategy;
  const usesStrategy = input.capacityProviderStrategy !== undefined ? input.capacityProviderStrategy.length > 0 : strategy !== undefined && strategy.length > 0;
  return {
    ...(usesStrategy ? { capacityProviderStrategy: strategy! } : { launchType: service.launchType ?? 'FARGATE' }),
    platformVersion: input.platformVersion ?? service.platformVersion ?? 'LATEST',
    ...((input.networkConfiguration ?? service.networkConfiguration) ? { networkConfiguration: input.networkConfiguration ?? service.networkConfiguration! } : {}),
  };
}

export function updateService(current: Service, input: UpdateServiceInput, revision: ResolvedRevision | undefined, ctx: ChangeContext): Service {
  if (current.status !== 'ACTIVE') throw new AwsError('ServiceNotActiveException', 'Service was not ACTIVE.');
  checkUpdateOfTaskSetService(current.deploymentController.type, input);
  const service = structuredClone(current) as Service;
  service.deploymentConfiguration = mergeDeploymentConfiguration(service.deploymentConfiguration, input.deploymentConfiguration);
  if (input.desiredCount !== undefined && input.desiredCount !== service.desiredCount) {
    service.desiredCount = input.desiredCount;
    service.wharf.steady = false;
  }
  if (input.healthCheckGracePeriodSeconds !== undefined) service.healthCheckGracePeriodSeconds = input.healthCheckGracePeriodSeconds;
  // Checked by checkLoadBalancers, like CreateService's.
  if (input.loadBalancers !== undefined) {
    const next = input.loadBalancers as ServiceLoadBalancer[];
    service.wharf.retiredLoadBalancers = retiredLoadBalancers(service.loadBalancers, service.wharf.retiredLoadBalancers ?? [], next);
    service.loadBalancers = next;
  }
  if (input.enableExecuteCommand !== undefined) service.enableExecuteCommand = input.enableExecuteCommand;
  if (input.enableECSManagedTags !== undefined) service.enableECSManagedTags = input.enableECSManagedTags;
  if (input.propagateTags !== undefined) service.propagateTags = input.propagateTags;
  if (input.placementConstraints !== undefined) service.placementConstraints = input.placementConstraints;
  if (input.placementStrategy !== undefined) service.placementStrategy = input.placementStrategy;
  if (input.availabilityZoneRebalancing !== undefined) service.availabilityZoneRebalancing = input.availabilityZoneRebalancing;
  checkAdvancedConfiguration(service.deploymentConfiguration.strategy, service.loadBalancers);
  if (revision) addDeployment(service, revision, ctx);
  return service;
}

/** DeleteService: refused while the service wants tasks, unless forced; then DRAINING until its tasks are gone. */
export function deleteService(current: Service, force: boolean): Service {
  if (current.status === 'INACTIVE') throw new AwsError('ServiceNotFoundException', 'Service not found.');
  if (current.status === 'DRAINING') return current;
  if (current.desiredCount > 0 && !force) throw invalidParameter('The service cannot be stopped while it is scaled above 0.');
  const service = structuredClone(current) as Service;
  service.status = 'DRAINING';
  service.desiredCount = 0;
  service.wharf.steady = false;
  return service;
}

/** StopServiceDeployment records the request; the scheduler rolls back (ROLLBACK) or freezes the rollout (ABORT). */
export function requestStopOfDeployment(current: Service, serviceDeploymentId: string, stopType: 'ABORT' | 'ROLLBACK', now: number): Service {
  const existing = current.wharf.serviceDeployments.find((sd) => sd.id === serviceDeploymentId)!;
  if (existing.status !== 'IN_PROGRESS' && existing.status !== 'PENDING') {
    throw new AwsError('ConflictException', `The service deployment is ${existing.status}: only a service deployment in progress can be stopped.`);
  }
  if (stopType === 'ROLLBACK' && !current.wharf.lastCompleted) {
    throw invalidParameter('The service has no completed service deployment to roll back to. Stop it with stopType ABORT, or update the service instead.');
  }
  const service = structuredClone(current) as Service;
  const record = service.wharf.serviceDeployments.find((sd) => sd.id === serviceDeploymentId)!;
  record.status = stopType === 'ROLLBACK' ? 'ROLLBACK_REQUESTED' : 'STOP_REQUESTED';
  record.updatedAt = now;
  return service;
}

/** ContinueServiceDeployment: the hook's answer is recorded; a ROLLBACK asks the scheduler to roll the deployment back. */
export function continueServiceDeployment(current: Service, serviceDeploymentId: string, hookId: string, action: 'CONTINUE' | 'ROLLBACK' | undefined, now: number): Service {
  const existing = current.wharf.serviceDeployments.find((sd) => sd.id === serviceDeploymentId)!;
  if (!existing.shift || existing.status !== 'IN_PROGRESS') {
    // unverified wording
    throw new AwsError('ClientException', `The service deployment is ${existing.status}${existing.shift ? '' : ' and has no lifecycle hooks'}: only a service deployment in progress with a hook awaiting action can be continued.`);
  }
  const service = structuredClone(current) as Service;
  const record = service.wharf.serviceDeployments.find((sd) => sd.id === serviceDeploymentId)!;
  const run = answerHook(record.shift!.hooks, hookId, action);
  if (run.action === 'ROLLBACK') record.status = 'ROLLBACK_REQUESTED';
  record.updatedAt = now;
  return service;
}

/** What was (or had been) retired and is not in use again: the old entries the new ones drop. */
function retiredLoadBalancers(current: readonly ServiceLoadBalancer[], retired: readonly ServiceLoadBalancer[], next: readonly ServiceLoadBalancer[]): ServiceLoadBalancer[] {
  const key = (lb: ServiceLoadBalancer) => `${lb.targetGroupArn}|${lb.containerPort}`;
  const kept = new Set(next.map(key));
  const out = new Map<string, ServiceLoadBalancer>();
  for (const lb of [...retired, ...current]) if (!kept.has(key(lb))) out.set(key(lb), lb);
  return [...out.values()];
}
