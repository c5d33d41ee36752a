/**
 * The facts every rule needs, derived once from the request: the network mode
 * containers will really get, the task size in plain numbers, and whether the
 * caller asked for Fargate (which turns Fargate's restrictions into errors).
 */
import { parseTaskCpu, parseTaskMemory } from './normalize.js';
import type { NetworkMode, RegisterTaskDefinitionInput } from './types.js';

export interface ResolvedDefinition {
  input: RegisterTaskDefinitionInput;
  /** Linux tasks without a network mode get Docker's bridge network. */
  networkMode: NetworkMode;
  /** CPU units, when the task sets a task-level size. */
  cpu?: number;
  /** MiB, when the task sets a task-level size. */
  memory?: number;
  requiresFargate: boolean;
  /** Wharf's registry host, so its repositoryUri form counts as an ECR image. */
  registryHost?: string;
}

export function resolveDefinition(input: RegisterTaskDefinitionInput, registryHost?: string): ResolvedDefinition {
  const resolved: ResolvedDefinition = {
    input,
    networkMode: input.networkMode ?? 'bridge',
    requiresFargate: (input.requiresCompatibilities ?? []).includes('FARGATE'),
    ...(registryHost ? { registryHost } : {}),
  };
  if (input.cpu !== undefined) resolved.cpu = parseTaskCpu(input.cpu);
  if (input.memory !== undefined) resolved.memory = parseTaskMemory(input.memory);
  return resolved;
}
