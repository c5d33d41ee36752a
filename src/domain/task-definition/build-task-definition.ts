/**
 * RegisterTaskDefinition's semantics in one pure function: check the request
 * the way ECS does, then return the `taskDefinition` exactly as
 * DescribeTaskDefinition would show it. The ARN, revision and clock come from
 * the caller, which owns the store.
 *
 * Check order follows the cheapest-to-explain first (names, container list),
 * then the task size, then Fargate when it is required, then per-container
 * rules; ECS's own order is not documented, so callers should not rely on which
 * of two simultaneous problems is reported.
 */
import {
  checkAwsvpcRestrictions,
  checkDependencies,
  checkEnvironmentAndSecrets,
  checkEnvironmentFiles,
  checkHealthChecks,
  checkLogConfiguration,
  checkPortMappings,
} from './container-rules.js';
import { fargateIncompatibility } from './fargate-rules.js';
import { clone, normalizeContainer, normalizeVolume } from './normalize.js';
import { requiresAttributes } from './requires-attributes.js';
import { resolveDefinition, type ResolvedDefinition } from './resolve.js';
import {
  checkContainerList,
  checkContainerNamesAndImages,
  checkContainerResources,
  checkEc2TaskCpu,
  checkEphemeralStorage,
  checkEssential,
  checkFamily,
  checkTags,
} from './task-rules.js';
import type { Compatibility, RegisterTaskDefinitionInput, RegistrationContext, TaskDefinition } from './types.js';

/** Request members that are not part of the stored definition, or that ECS itself fills. */
const NOT_COPIED = new Set([
  'tags', 'taskDefinitionArn', 'revision', 'status', 'requiresAttributes', 'compatibilities',
  'registeredAt', 'registeredBy', 'deregisteredAt', 'deleteRequestedAt',
]);

export function buildTaskDefinition(input: RegisterTaskDefinitionInput, ctx: RegistrationContext): TaskDefinition {
  const resolved = validate(input, ctx.registryHost);

  // Built in ECS's member order; members the caller left out stay out, as in ECS's answer.
  const out: TaskDefinition = {
    taskDefinitionArn: ctx.arn,
    containerDefinitions: input.containerDefinitions.map((c) => normalizeContainer(c, resolved.networkMode)),
    family: input.family,
    ...optional('taskRoleArn', input.taskRoleArn),
    ...optional('executionRoleArn', input.executionRoleArn),
    ...optional('networkMode', input.networkMode),
    revision: ctx.revision,
    volumes: (input.volumes ?? []).map(normalizeVolume),
    status: 'ACTIVE',
    requiresAttributes: requiresAttributes(input, resolved.networkMode, ctx.registryHost),
    placementConstraints: clone(input.placementConstraints ?? []),
    compatibilities: compatibilitiesOf(resolved),
    ...optional('requiresCompatibilities', clone(input.requiresCompatibilities)),
    ...optional('cpu', resolved.cpu === undefined ? undefined : String(resolved.cpu)),
    ...optional('memory', resolved.memory === undefined ? undefined : String(resolved.memory)),
    ...optional('inferenceAccelerators', clone(input.inferenceAccelerators)),
    ...optional('pidMode', input.pidMode),
    ...optional('ipcMode', input.ipcMode),
    ...optional('proxyConfiguration', clone(input.proxyConfiguration)),
    ...optional('ephemeralStorage', clone(input.ephemeralStorage)),
    ...optional('runtimePlatform', clone(input.runtimePlatform)),
    ...optional('enableFaultInjection', input.enableFaultInjection),
    registeredAt: new Date(ctx.registeredAt.getTime()),
    ...optional('registeredBy', ctx.registeredBy),
  };
  for (const [key, value] of Object.entries(input)) {
    if (!(key in out) && !NOT_COPIED.has(key) && value !== undefined) out[key] = clone(value);
  }
  return out;
}

/** Throws the first rule the request breaks; returns the derived facts otherwise. */
function validate(input: RegisterTaskDefinitionInput, registryHost: string | undefined): ResolvedDefinition {
  checkFamily(input);
  checkContainerList(input);
  checkContainerNamesAndImages(input);
  checkEssential(input);

  const resolved = resolveDefinition(input, registryHost);
  if (resolved.requiresFargate) {
    const problem = fargateIncompatibility(resolved);
    if (problem) throw problem;
  }
  checkEc2TaskCpu(resolved);
  checkContainerResources(resolved);

  checkPortMappings(resolved);
  checkAwsvpcRestrictions(resolved);
  checkHealthChecks(resolved);
  checkDependencies(resolved);
  checkEnvironmentAndSecrets(resolved);
  checkLogConfiguration(resolved);
  checkEnvironmentFiles(resolved);

  checkEphemeralStorage(input);
  checkTags(input);
  return resolved;
}

/**
 * Every definition can run on EC2; FARGATE is added when Fargate could run it
 * as written, whether or not the caller asked. Launch types the caller
 * explicitly required are listed too (their own admission rules are not
 * modelled here).
 *
 * Since late 2025 real ECS also lists MANAGED_INSTANCES for awsvpc definitions
 * (seen in 2026 outputs); Wharf follows the older, documented pair until the
 * project decides to model ECS Managed Instances.
 */
function compatibilitiesOf(resolved: ResolvedDefinition): Compatibility[] {
  const list: Compatibility[] = ['EC2'];
  if (!fargateIncompatibility(resolved)) list.push('FARGATE');
  for (const required of resolved.input.requiresCompatibilities ?? []) if (!list.includes(required)) list.push(required);
  return list;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
