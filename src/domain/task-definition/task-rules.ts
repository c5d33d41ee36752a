/**
 * Rules about the task as a whole: its name, the container list, how the
 * containers' resources add up against the task size, storage and tags. Each
 * check throws the first violation as ECS would answer it.
 */
import { errors } from './messages.js';
import type { ResolvedDefinition } from './resolve.js';
import type { RegisterTaskDefinitionInput } from './types.js';

/** Family and container names: letters, digits, hyphens and underscores, up to 255. */
const NAME_PATTERN = /^[A-Za-z0-9_-]{1,255}$/;
const MAX_CONTAINERS = 10;
const MAX_TAGS = 50;
/** Task CPU bounds ECS documents for definitions that only run on EC2 (0.125 to 10 vCPU). */
const EC2_TASK_CPU = { min: 128, max: 10240 } as const;
const EPHEMERAL_STORAGE_GIB = { min: 21, max: 200 } as const;

export function checkFamily(input: RegisterTaskDefinitionInput): void {
  if (typeof input.family !== 'string' || !NAME_PATTERN.test(input.family)) throw errors.familyInvalid();
}

export function checkContainerList(input: RegisterTaskDefinitionInput): void {
  const containers = input.containerDefinitions ?? [];
  if (containers.length === 0) throw errors.containerListEmpty();
  if (containers.length > MAX_CONTAINERS) throw errors.tooManyContainers();
}

/**
 * The characters ECS takes in an image (letters, digits, hyphens,
 * underscores, colons, periods, slashes, number signs, and `@` for a digest)
 * and its 255-character limit. Whether the name is a well-formed reference is
 * the engine's question, answered at pull time as CannotPullContainerError.
 */
const IMAGE_CHARACTERS = /^[A-Za-z0-9_\-:./#@]{1,255}$/;

export function checkContainerNamesAndImages(input: RegisterTaskDefinitionInput): void {
  const seen = new Set<string>();
  for (const container of input.containerDefinitions) {
    const name = container.name;
    if (name === undefined || name === '') throw errors.containerNameEmpty();
    if (!NAME_PATTERN.test(name)) throw errors.containerNameInvalid();
    if (seen.has(name)) throw errors.containerNamesNotUnique();
    seen.add(name);
    if (container.image === undefined || container.image.trim() === '') throw errors.containerImageEmpty();
    if (!IMAGE_CHARACTERS.test(container.image)) throw errors.containerImageInvalid();
  }
}

/** `essential` defaults to true, so only an explicit false on every container fails. */
export function checkEssential(input: RegisterTaskDefinitionInput): void {
  if (!input.containerDefinitions.some((c) => c.essential !== false)) throw errors.noEssentialContainer();
}

/** Only definitions that name EC2-style compatibilities and not FARGATE are held to the EC2 CPU range. */
export function checkEc2TaskCpu(resolved: ResolvedDefinition): void {
  const required = resolved.input.requiresCompatibilities ?? [];
  if (resolved.cpu === undefined || required.length === 0 || resolved.requiresFargate) return;
  if (resolved.cpu < EC2_TASK_CPU.min || resolved.cpu > EC2_TASK_CPU.max) throw errors.invalidTaskCpu();
}

/**
 * Containers draw from the task's size when it has one; without one each
 * container must say how much memory it needs so the scheduler can place it.
 * What a container reserves is its memoryReservation, else its hard limit.
 */
export function checkContainerResources(resolved: ResolvedDefinition): void {
  const { cpu: taskCpu, memory: taskMemory } = resolved;
  const containers = resolved.input.containerDefinitions;
  let reserved = 0;
  let anyReservation = false;
  let cpuSum = 0;

  for (const c of containers) {
    const name = c.name!;
    if (taskMemory === undefined && c.memory === undefined && c.memoryReservation === undefined) {
      throw errors.containerMemoryMissing(name);
    }
    if (c.memory !== undefined && c.memoryReservation !== undefined && c.memory < c.memoryReservation) {
      throw errors.containerMemoryBelowReservation(name);
    }
    if (taskMemory !== undefined && c.memory !== undefined && c.memory > taskMemory) throw errors.containerMemoryTooHigh();
    if (taskMemory !== undefined && c.memoryReservation !== undefined && c.memoryReservation > taskMemory) {
      throw errors.containerReservationTooHigh();
    }
    if (c.memoryReservation !== undefined) anyReservation = true;
    reserved += c.memoryReservation ?? c.memory ?? 0;
    cpuSum += c.cpu ?? 0;
  }

  if (taskMemory !== undefined && reserved > taskMemory) {
    throw anyReservation ? errors.containerReservationSumTooHigh() : errors.containerMemorySumTooHigh();
  }
  if (taskCpu !== undefined && cpuSum > taskCpu) throw errors.containerCpuSumTooHigh();
}

export function checkEphemeralStorage(input: RegisterTaskDefinitionInput): void {
  const size = input.ephemeralStorage?.sizeInGiB;
  if (size === undefined) return;
  if (size < EPHEMERAL_STORAGE_GIB.min) throw errors.ephemeralStorageTooSmall();
  if (size > EPHEMERAL_STORAGE_GIB.max) throw errors.ephemeralStorageTooLarge();
}

export function checkTags(input: RegisterTaskDefinitionInput): void {
  const tags = input.tags ?? [];
  if (tags.length > MAX_TAGS) throw errors.tooManyTags();
  for (const tag of tags) {
    if (tag.key === undefined || tag.key.length === 0 || tag.key.length > 128) throw errors.tagKeyMissing();
  }
}
