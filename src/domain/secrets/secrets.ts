import { invalidParameter, invalidRequest, markedForDeletion, stageNotFound, versionNotFound } from './errors.js';
import type { SecretRecord, SecretTag, SecretVersion } from './records.js';

export const CURRENT = 'AWSCURRENT';
export const PREVIOUS = 'AWSPREVIOUS';
/** Versions without any staging label beyond this many are dropped, oldest first (AWS keeps about 100). */
const MAX_DEPRECATED_VERSIONS = 100;

/** A secret whose scheduled deletion has come is gone: reads miss it and its name is free again. */
export function isPurged(secret: SecretRecord, now: Date): boolean {
  return secret.deletionDate !== undefined && secret.deletionDate <= now.getTime();
}

/** Writes and value reads are refused while a deletion is scheduled; Describe and Restore still work. */
export function requireNotDeleted(secret: SecretRecord): void {
  if (secret.deletionDate !== undefined) throw markedForDeletion();
}

/** A version made by a value: `stages` (default AWSCURRENT) move to it; a moved AWSCURRENT leaves AWSPREVIOUS behind. */
export function addVersion(secret: SecretRecord, version: Omit<SecretVersion, 'stages'>, stages: readonly string[] = [CURRENT], now: Date): SecretRecord {
  const wanted = [...new Set(stages)];
  const previousCurrent = wanted.includes(CURRENT) ? secret.versions.find((v) => v.stages.includes(CURRENT)) : undefined;
  let versions = secret.versions.map((v) => ({ ...v, stages: v.stages.filter((stage) => !wanted.includes(stage)) }));
  if (previousCurrent) {
    versions = versions.map((v) => ({ ...v, stages: v.stages.filter((stage) => stage !== PREVIOUS) }));
    versions = versions.map((v) => (v.versionId === previousCurrent.versionId ? { ...v, stages: [...v.stages, PREVIOUS] } : v));
  }
  versions.push({ ...version, stages: wanted });
  return { ...secret, versions: pruneDeprecated(versions), lastChangedDate: now.getTime() };
}

function pruneDeprecated(versions: SecretVersion[]): SecretVersion[] {
  const deprecated = versions.filter((v) => v.stages.length === 0);
  if (deprecated.length <= MAX_DEPRECATED_VERSIONS) return versions;
  const drop = new Set(deprecated.sort((a, b) => a.createdDate - b.createdDate).slice(0, deprecated.length - MAX_DEPRECATED_VERSIONS).map((v) => v.versionId));
  return versions.filter((v) => !drop.has(v.versionId));
}

/** The version GetSecretValue reads: by id, by stage, both (they must agree) or AWSCURRENT. */
export function selectVersion(secret: SecretRecord, selector: { VersionId?: string; VersionStage?: string }): SecretVersion {
  if (selector.VersionId !== undefined) {
    const version = secret.versions.find((v) => v.versionId === selector.VersionId);
    if (!version) throw versionNotFound(selector.VersionId);
    if (selector.VersionStage !== undefined && !version.stages.includes(selector.VersionStage)) {
      throw invalidRequest('You provided a VersionStage that is not associated to the provided VersionId.');
    }
    return version;
  }
  const stage = selector.VersionStage ?? CURRENT;
  const version = secret.versions.find((v) => v.stages.includes(stage));
  if (!version) throw stageNotFound(stage);
  return version;
}

/**
 * UpdateSecretVersionStage: attach `stage` to `moveTo`, detach it from
 * `removeFrom`. A label may sit on one version only, so moving it from
 * another version must name that version (AWS refuses otherwise).
 */
export function moveStage(secret: SecretRecord, stage: string, moveTo: string | undefined, removeFrom: string | undefined, now: Date): SecretRecord {
  const holder = secret.versions.find((v) => v.stages.includes(stage));
  if (removeFrom !== undefined) {
    if (!secret.versions.some((v) => v.versionId === removeFrom)) throw versionNotFound(removeFrom);
    if (holder?.versionId !== removeFrom) {
      // unverified wording
      throw invalidParameter(`The staging label ${stage} is not attached to the version ${removeFrom}, specified by RemoveFromVersionId.`);
    }
  }
  if (moveTo !== undefined) {
    if (!secret.versions.some((v) => v.versionId === moveTo)) throw versionNotFound(moveTo);
    if (holder && holder.versionId !== moveTo && removeFrom === undefined) {
      // unverified wording
      throw invalidParameter(`The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`);
    }
  } else if (stage === CURRENT && removeFrom !== undefined) {
    // unverified wording
    throw invalidParameter('You can only move the staging label AWSCURRENT to another version; it cannot be removed from every version.');
  }
  const movedCurrent = stage === CURRENT && moveTo !== undefined && holder !== undefined && holder.versionId !== moveTo;
  let versions = secret.versions.map((v) => {
    let stages = v.stages.filter((s) => s !== stage);
    if (movedCurrent) stages = stages.filter((s) => s !== PREVIOUS);
    if (v.versionId === moveTo) stages = [...stages, stage];
    return { ...v, stages };
  });
  // As with a new value, the version AWSCURRENT leaves becomes AWSPREVIOUS.
  if (movedCurrent) versions = versions.map((v) => (v.versionId === holder.versionId ? { ...v, stages: [...v.stages, PREVIOUS] } : v));
  return { ...secret, versions: pruneDeprecated(versions), lastChangedDate: now.getTime() };
}

export function versionIdsToStages(secret: SecretRecord, includeDeprecated = false): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  for (const v of secret.versions) if (includeDeprecated || v.stages.length > 0) map[v.versionId] = [...v.stages];
  return map;
}

/** DescribeSecret's answer: everything but the value. */
export function describeSecret(secret: SecretRecord) {
  return {
    ARN: secret.arn,
    Name: secret.name,
    ...(secret.description !== undefined ? { Description: secret.description } : {}),
    ...(secret.kmsKeyId !== undefined ? { KmsKeyId: secret.kmsKeyId } : {}),
    RotationEnabled: false,
    LastChangedDate: secret.lastChangedDate,
    ...(secret.lastAccessedDate !== undefined ? { LastAccessedDate: secret.lastAccessedDate } : {}),
    ...(secret.deletionDate !== undefined ? { DeletedDate: secret.deletionDate } : {}),
    ...(secret.tags.length > 0 ? { Tags: secret.tags } : {}),
    VersionIdsToStages: versionIdsToStages(secret),
    CreatedDate: secret.createdDate,
  };
}

/** ListSecrets' entry: the same, with the version map under its other name. */
export function listEntry(secret: SecretRecord) {
  const { VersionIdsToStages, ...rest } = describeSecret(secret);
  return { ...rest, SecretVersionsToStages: VersionIdsToStages };
}

/** LastAccessedDate is a day, not an instant (AWS rounds it to midnight UTC). */
export function accessDay(now: Date): number {
  return Math.floor(now.getTime() / 86_400_000) * 86_400_000;
}

export function mergeTags(tags: readonly SecretTag[], added: readonly SecretTag[]): SecretTag[] {
  const byKey = new Map(tags.map((tag) => [tag.Key, tag.Value]));
  for (const tag of added) byKey.set(tag.Key, tag.Value);
  return [...byKey].map(([Key, Value]) => ({ Key, Value }));
}

export function removeTags(tags: readonly SecretTag[], keys: readonly string[]): SecretTag[] {
  return tags.filter((tag) => !keys.includes(tag.Key));
}

export interface ListFilter {
  readonly Key: string;
  readonly Values?: string[];
}

/**
 * ListSecrets filters: every filter must match; within one, any value.
 * Values match as prefixes, case-sensitively; a leading `!` negates.
 * `all` looks at the name, description, tag keys and tag values.
 */
export function matchesFilters(secret: SecretRecord, filters: readonly ListFilter[]): boolean {
  return filters.every((filter) => {
    const values = filter.Values ?? [];
    const positive = values.filter((v) => !v.startsWith('!'));
    const negative = values.filter((v) => v.startsWith('!')).map((v) => v.slice(1));
    // The model makes a tag's Key and Value optional, so a stored tag may lack either: it matches nothing then.
    const fields = filterFields(secret, filter.Key).filter((field): field is string => typeof field === 'string');
    const hit = (prefix: string) => fields.some((field) => field.startsWith(prefix));
    if (negative.some(hit)) return false;
    return positive.length === 0 || positive.some(hit);
  });
}

function filterFields(secret: SecretRecord, key: string): (string | undefined)[] {
  switch (key) {
    case 'name':
      return [secret.name];
    case 'description':
      return secret.description !== undefined ? [secret.description] : [];
    case 'tag-key':
      return secret.tags.map((tag) => tag.Key);
    case 'tag-value':
      return secret.tags.map((tag) => tag.Value);
    case 'all':
      return [secret.name, ...(secret.description !== undefined ? [secret.description] : []), ...secret.tags.flatMap((tag) => [tag.Key, tag.Value])];
    default:
      // primary-region and owning-service: no Wharf secret is replicated or owned by a service.
      return [];
  }
}

/** DeleteSecret's window: 7-30 days (default 30), or none with ForceDeleteWithoutRecovery. */
export function deletionDate(input: { RecoveryWindowInDays?: number; ForceDeleteWithoutRecovery?: boolean }, now: Date): number | 'now' {
  if (input.ForceDeleteWithoutRecovery && input.RecoveryWindowInDays !== undefined) {
    throw invalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
  }
  if (input.ForceDeleteWithoutRecovery) return 'now';
  const days = input.RecoveryWindowInDays ?? 30;
  if (!Number.isInteger(days) || days < 7 || days > 30) throw invalidParameter('The recovery window must be between 7 and 30 days.'); // unverified wording
  return now.getTime() + days * 86_400_000;
}
