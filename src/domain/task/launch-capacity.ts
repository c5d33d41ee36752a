import { FARGATE_PROVIDERS, type CapacityProviderStrategyItem } from '../ecs/capacity-provider-strategy.js';

/**
 * Which capacity a launch asks for, and whether Wharf has it: the one rule
 * RunTask, CreateService/UpdateService and the service scheduler share.
 *
 * ECS resolves the launch as: an explicit capacity provider strategy, else an
 * explicit launch type, else the cluster's default strategy, else the EC2
 * launch type. Wharf's capacity is Fargate (FARGATE, FARGATE_SPOT) on the
 * local engine, and the EC2 launch type on the cluster's registered container
 * instances (the Docker hosts `wharf hosts add` registers). Auto Scaling
 * group capacity providers have no instances in Wharf, and an EC2 launch on a
 * cluster without registered instances has nowhere to go: RunTask refuses
 * it, a service waits and says why.
 */
export interface LaunchChoice {
  readonly launchType?: string;
  readonly capacityProviderStrategy?: readonly CapacityProviderStrategyItem[];
}

export function effectiveLaunch(input: LaunchChoice, clusterDefault: readonly CapacityProviderStrategyItem[]): { launchType?: string; capacityProviderStrategy?: CapacityProviderStrategyItem[] } {
  if (input.capacityProviderStrategy && input.capacityProviderStrategy.length > 0) return { capacityProviderStrategy: [...input.capacityProviderStrategy] };
  if (input.launchType) return { launchType: input.launchType };
  if (clusterDefault.length > 0) return { capacityProviderStrategy: [...clusterDefault] };
  return { launchType: 'EC2' };
}

/** Whether a resolved launch runs on Fargate (a FARGATE launch type, or a strategy of Fargate providers only). */
export function isFargateLaunch(launch: LaunchChoice): boolean {
  if (launch.capacityProviderStrategy && launch.capacityProviderStrategy.length > 0) {
    return launch.capacityProviderStrategy.every((item) => (FARGATE_PROVIDERS as readonly string[]).includes(item.capacityProvider));
  }
  return launch.launchType === 'FARGATE';
}

/** ECS's reasons when no container instance can take a task. */
export const NO_CONTAINER_INSTANCES = {
  inCluster: 'No Container Instances were found in your cluster.',
  inCapacityProvider: 'No Container Instances were found in your capacity provider.',
} as const;

/**
 * Why a resolved launch cannot be placed in Wharf, or undefined when it can:
 * Fargate always can; a launch type (EC2) can when the cluster has registered
 * instances (`registeredInstances` of them); a strategy of Auto Scaling group
 * providers never can (Wharf has no such groups).
 */
export function unplaceableReason(launch: LaunchChoice, registeredInstances = 0): string | undefined {
  if (isFargateLaunch(launch)) return undefined;
  if (launch.capacityProviderStrategy && launch.capacityProviderStrategy.length > 0) return NO_CONTAINER_INSTANCES.inCapacityProvider;
  return registeredInstances > 0 ? undefined : NO_CONTAINER_INSTANCES.inCluster;
}

/**
 * Whether a resolved launch places on registered instances: a launch type
 * other than FARGATE. (A strategy of Auto Scaling group providers is never
 * placed at all, see unplaceableReason.)
 */
export function placesOnRegisteredInstances(launch: LaunchChoice): boolean {
  return !isFargateLaunch(launch) && !(launch.capacityProviderStrategy && launch.capacityProviderStrategy.length > 0);
}
