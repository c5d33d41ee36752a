import type { CapacityProviderStrategyItem } from '../ecs/capacity-provider-strategy.js';
import type { Tag } from '../ecs/tags.js';
import type { ServiceLoadBalancer } from './load-balancing.js';
import { isFargateLaunch } from '../task/launch-capacity.js';
import type { StrategySettings } from './deployment-strategy.js';
import type { ShiftState } from './traffic-shift.js';

/**
 * A service as stored: the ECS Service shape (the serializer sends only
 * modelled members) plus the scheduler's bookkeeping under `wharf`.
 */
export interface NetworkConfiguration {
  readonly awsvpcConfiguration?: { readonly subnets: string[]; readonly securityGroups?: string[]; readonly assignPublicIp?: string };
}

export interface LaunchSettings {
  readonly launchType?: string;
  readonly capacityProviderStrategy?: CapacityProviderStrategyItem[];
  readonly platformVersion?: string;
  readonly networkConfiguration?: NetworkConfiguration;
}

export interface DeploymentConfiguration extends StrategySettings {
  readonly maximumPercent: number;
  readonly minimumHealthyPercent: number;
  readonly deploymentCircuitBreaker: { readonly enable: boolean; readonly rollback: boolean };
  readonly alarms?: { readonly alarmNames: string[]; readonly enable: boolean; readonly rollback: boolean };
}

export type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

/** One entry of `deployments[]`: a task definition and launch settings the scheduler runs tasks of. */
export interface Deployment {
  readonly id: string;
  status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
  readonly taskDefinition: string;
  desiredCount: number;
  pendingCount: number;
  runningCount: number;
  failedTasks: number;
  readonly createdAt: number;
  updatedAt: number;
  readonly launchType?: string;
  readonly capacityProviderStrategy?: CapacityProviderStrategyItem[];
  readonly platformVersion?: string;
  readonly platformFamily?: string;
  readonly networkConfiguration?: NetworkConfiguration;
  rolloutState: RolloutState;
  rolloutStateReason: string;
}

export interface ServiceEvent {
  readonly id: string;
  readonly createdAt: number;
  readonly message: string;
}

/** What a deployment runs, kept so DescribeServiceRevisions and a rollback can find it again. */
export interface ServiceRevision {
  readonly id: string;
  readonly taskDefinition: string;
  readonly launchType?: string;
  readonly capacityProviderStrategy?: CapacityProviderStrategyItem[];
  readonly platformVersion?: string;
  readonly platformFamily?: string;
  readonly networkConfiguration?: NetworkConfiguration;
  readonly containerImages: { containerName: string; image: string }[];
  readonly createdAt: number;
}

export type ServiceDeploymentStatus =
  | 'PENDING'
  | 'SUCCESSFUL'
  | 'STOPPED'
  | 'STOP_REQUESTED'
  | 'IN_PROGRESS'
  | 'ROLLBACK_REQUESTED'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_SUCCESSFUL'
  | 'ROLLBACK_FAILED';

/** A service deployment (ListServiceDeployments): one change of the service, from source revisions to a target. */
export interface ServiceDeploymentRecord {
  readonly id: string;
  status: ServiceDeploymentStatus;
  statusReason?: string;
  readonly targetRevisionId: string;
  readonly sourceRevisionIds: string[];
  readonly createdAt: number;
  readonly startedAt: number;
  updatedAt: number;
  finishedAt?: number;
  stoppedAt?: number;
  readonly deploymentConfiguration: DeploymentConfiguration;
  rollback?: { reason: string; startedAt: number; revisionId: string };
  failureCount: number;
  circuitBreakerStatus: 'TRIGGERED' | 'MONITORING' | 'MONITORING_COMPLETE' | 'DISABLED';
  /** The `deployments[]` entries this service deployment made (the target, then a rollback). */
  readonly deploymentIds: string[];
  /** BLUE_GREEN, LINEAR and CANARY: the lifecycle stage, traffic shares and hook runs (traffic-shift.ts). */
  shift?: ShiftState;
  /** The alarms of `deploymentConfiguration.alarms` that went to ALARM during this deployment. */
  triggeredAlarmNames?: string[];
}

/** Per-deployment bookkeeping the API does not show. */
export interface DeploymentInternals {
  readonly revisionId: string;
  readonly serviceDeploymentId: string;
  /** Tasks already counted in `failedTasks`, so each failure counts once across reconciles. */
  failedTaskIds: string[];
  /** Task size, for placement. */
  readonly cpu: number;
  readonly memory: number;
  /**
   * With advanced load balancer configurations: which target group of each
   * load balancer this deployment's tasks go in (`main` = targetGroupArn,
   * `alternate` = alternateTargetGroupArn).
   */
  side?: TargetGroupSide;
}

export type TargetGroupSide = 'main' | 'alternate';

export interface ServiceInternals {
  readonly clusterName: string;
  deployments: Record<string, DeploymentInternals>;
  revisions: ServiceRevision[];
  serviceDeployments: ServiceDeploymentRecord[];
  /** The last deployment that COMPLETED: what a circuit-breaker rollback returns to. */
  lastCompleted?: { readonly deploymentId: string; readonly revisionId: string; readonly cpu: number; readonly memory: number };
  /** Whether the steady-state event has been written for the current steady spell. */
  steady: boolean;
  /** Consecutive tasks that stopped before they were healthy, for the launch back-off. */
  launchFailures: number;
  /** No new task starts before this time (epoch ms). */
  retryAfter?: number;
  /** The last "unable to place" / "prevents progress" message, so it is not repeated every reconcile. */
  lastWarning?: string;
  /** When `lastWarning` was last written as an event (epoch ms). */
  lastWarningAt?: number;
  /**
   * Load balancers UpdateService took away: the service's tasks still
   * registered there are deregistered (and drain) as they leave, and no task
   * is registered there again.
   */
  retiredLoadBalancers?: ServiceLoadBalancer[];
  /** Which target group of each load balancer takes production traffic (after blue/green deployments swap them); `main` when absent. */
  productionSide?: TargetGroupSide;
}

/**
 * A task set (deployment controllers EXTERNAL and CODE_DEPLOY): a task
 * definition and launch settings the scheduler keeps at
 * computedDesiredCount = ceil(service desiredCount x scale%) tasks, started by
 * the task set's id. The scheduler treats it like a deployment whose desired
 * count is computed (see task-sets.ts).
 */
export interface TaskSet {
  readonly id: string;
  readonly taskSetArn: string;
  readonly serviceArn: string;
  readonly clusterArn: string;
  readonly startedBy?: string;
  readonly externalId?: string;
  status: 'PRIMARY' | 'ACTIVE' | 'DRAINING';
  readonly taskDefinition: string;
  computedDesiredCount: number;
  pendingCount: number;
  runningCount: number;
  readonly createdAt: number;
  updatedAt: number;
  readonly launchType?: string;
  readonly capacityProviderStrategy?: CapacityProviderStrategyItem[];
  readonly platformVersion?: string;
  readonly platformFamily?: string;
  readonly networkConfiguration?: NetworkConfiguration;
  readonly loadBalancers: ServiceLoadBalancer[];
  readonly serviceRegistries: unknown[];
  scale: { value: number; unit: 'PERCENT' };
  stabilityStatus: 'STEADY_STATE' | 'STABILIZING';
  stabilityStatusAt: number;
  tags: Tag[];
}

export type DeploymentControllerType = 'ECS' | 'CODE_DEPLOY' | 'EXTERNAL';

export interface Service {
  readonly serviceArn: string;
  readonly serviceName: string;
  readonly clusterArn: string;
  /** Target groups the scheduler registers the service's tasks in (checked by the API, see load-balancing.ts). */
  loadBalancers: ServiceLoadBalancer[];
  serviceRegistries: unknown[];
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  desiredCount: number;
  runningCount: number;
  pendingCount: number;
  launchType?: string;
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  platformVersion?: string;
  platformFamily?: string;
  /** Absent for an EXTERNAL service until it has a PRIMARY task set. */
  taskDefinition?: string;
  deploymentConfiguration: DeploymentConfiguration;
  deployments: Deployment[];
  /** Only for the EXTERNAL and CODE_DEPLOY deployment controllers. */
  taskSets?: TaskSet[];
  events: ServiceEvent[];
  readonly createdAt: number;
  readonly createdBy: string;
  placementConstraints: unknown[];
  placementStrategy: unknown[];
  networkConfiguration?: NetworkConfiguration;
  healthCheckGracePeriodSeconds?: number;
  readonly schedulingStrategy: 'REPLICA';
  readonly deploymentController: { type: DeploymentControllerType };
  enableECSManagedTags: boolean;
  propagateTags: 'TASK_DEFINITION' | 'SERVICE' | 'NONE';
  enableExecuteCommand: boolean;
  tags: Tag[];
  currentServiceDeployment?: string;
  availabilityZoneRebalancing?: string;
  readonly wharf: ServiceInternals;
}

/** ECS keeps the newest 100 events. */
export const MAX_SERVICE_EVENTS = 100;
/** Revisions kept per service for the deployment APIs. */
export const MAX_SERVICE_HISTORY = 50;
/**
 * Service deployments kept per service. AWS keeps 90 days of them; Wharf the
 * newest 200, so ListServiceDeployments pages through every one a client made
 * in any realistic session (at 50, the 101st deployment hid the first 51).
 */
export const MAX_SERVICE_DEPLOYMENTS = 200;

/** Service deployments and revisions are named under their service. */
export function serviceDeploymentArn(service: Pick<Service, 'serviceArn'>, id: string): string {
  return `${service.serviceArn.replace(':service/', ':service-deployment/')}/${id}`;
}

export function serviceRevisionArn(service: Pick<Service, 'serviceArn'>, id: string): string {
  return `${service.serviceArn.replace(':service/', ':service-revision/')}/${id}`;
}

/** The record id of a service: `<cluster>/<name>`, so a prefix lists one cluster's. */
export function serviceRecordId(clusterName: string, serviceName: string): string {
  return `${clusterName}/${serviceName}`;
}

/** The group ECS gives a service's tasks. */
export function serviceGroup(serviceName: string): string {
  return `service:${serviceName}`;
}

/**
 * The launch a service's tasks are placed by: its PRIMARY task set's (a
 * service of EXTERNAL or CODE_DEPLOY deployments has no launch of its own),
 * else its own (which follows its PRIMARY deployment).
 */
export function placementLaunch(service: Service): { launchType?: string; capacityProviderStrategy?: CapacityProviderStrategyItem[] } {
  const taskSet = service.taskSets?.find((set) => set.status === 'PRIMARY') ?? service.taskSets?.[0];
  const from = taskSet ?? service;
  return { ...(from.launchType ? { launchType: from.launchType } : {}), ...(from.capacityProviderStrategy ? { capacityProviderStrategy: from.capacityProviderStrategy } : {}) };
}

/** The service's own launch fields follow its PRIMARY deployment. */
export function applyLaunch(service: Service, launch: LaunchSettings): void {
  delete service.launchType;
  delete service.capacityProviderStrategy;
  delete service.networkConfiguration;
  if (launch.launchType) service.launchType = launch.launchType;
  if (launch.capacityProviderStrategy?.length) service.capacityProviderStrategy = launch.capacityProviderStrategy;
  if (launch.networkConfiguration) service.networkConfiguration = launch.networkConfiguration;
  delete service.platformVersion;
  delete service.platformFamily;
  // Platform versions are Fargate's: an EC2 service shows none.
  if (isFargateLaunch(launch)) {
    service.platformVersion = launch.platformVersion ?? 'LATEST';
    service.platformFamily = 'Linux';
  }
}
