import { invalidParameter } from '../errors.js';

export interface CapacityProviderStrategyItem {
  readonly capacityProvider: string;
  readonly weight?: number;
  readonly base?: number;
}

export const FARGATE_PROVIDERS = ['FARGATE', 'FARGATE_SPOT'] as const;

/**
 * ECS's rules for a capacity provider strategy: at most 6 items, each provider
 * once, base (0-100000) on at most one item, weights 0-1000 with at least one
 * above zero.
 */
export function checkStrategy(strategy: readonly CapacityProviderStrategyItem[]): void {
  if (strategy.length === 0) return;
  if (strategy.length > 6) throw invalidParameter('The capacity provider strategy cannot contain more than 6 capacity providers.');
  const seen = new Set<string>();
  for (const item of strategy) {
    if (seen.has(item.capacityProvider)) throw invalidParameter(`The capacity provider strategy contains a duplicate capacity provider '${item.capacityProvider}'.`);
    seen.add(item.capacityProvider);
    if (item.base !== undefined && (item.base < 0 || item.base > 100000)) throw invalidParameter('The base value for a capacity provider must be between 0 and 100000.');
    if (item.weight !== undefined && (item.weight < 0 || item.weight > 1000)) throw invalidParameter('The weight value for a capacity provider must be between 0 and 1000.');
  }
  if (strategy.filter((item) => (item.base ?? 0) > 0).length > 1) {
    throw invalidParameter('You can only specify a base value for one capacity provider in a capacity provider strategy.');
  }
  if (!strategy.some((item) => (item.weight ?? 0) > 0)) {
    throw invalidParameter('At least one capacity provider in a capacity provider strategy must have a weight greater than zero.');
  }
}

/** Fargate and Fargate Spot cannot be mixed with Auto Scaling group providers in one strategy. */
export function checkStrategyAgainstCluster(strategy: readonly CapacityProviderStrategyItem[], clusterProviders: readonly string[]): void {
  for (const item of strategy) {
    if (!clusterProviders.includes(item.capacityProvider)) {
      throw invalidParameter(
        'The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.',
      );
    }
  }
  const fargate = strategy.filter((item) => (FARGATE_PROVIDERS as readonly string[]).includes(item.capacityProvider)).length;
  if (fargate > 0 && fargate < strategy.length) {
    throw invalidParameter('The specified capacity provider strategy cannot contain a mix of capacity providers using Auto Scaling groups and Fargate providers. Specify one or the other and try again.');
  }
}
