import { formatArn } from '../arn.js';
import { AwsError } from '../errors.js';
import type { Tag } from '../ecs/tags.js';
import { invalidParameter, invalidParameterAt } from './errors.js';
import { REPOSITORY_NAME, type ImageTagMutability, type ImageTagMutabilityExclusionFilter, type RepositoryRecord } from './records.js';

/** ECR's tags are `{Key, Value}` on the wire; records keep Wharf's `{key, value}`. */
export interface EcrTag {
  readonly Key?: string;
  readonly Value?: string;
}

/** The pattern ECR names when it refuses a repository name (the service model's). */
export const REPOSITORY_NAME_PATTERN_TEXT = '[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*';

/** The model's pattern is not anchored, so `My-Repo` passes it; ECR matches whole names. */
export function checkRepositoryName(name: string): void {
  if (!REPOSITORY_NAME.test(name)) {
    throw invalidParameterAt('repositoryName', `must satisfy regular expression '${REPOSITORY_NAME_PATTERN_TEXT}'`);
  }
}

export function repositoryArn(region: string, account: string, name: string): string {
  return formatArn({ service: 'ecr', region, account, resource: `repository/${name}` });
}

/** `arn:<partition>:ecr:<region>:<account>:repository/<name>` -> its parts, else undefined. */
export function parseRepositoryArn(arn: string): { partition: string; region: string; account: string; name: string } | undefined {
  const match = /^arn:(aws|aws-cn|aws-us-gov):ecr:([a-z0-9-]+):(\d{12}):repository\/(.+)$/.exec(arn);
  if (!match) return undefined;
  return { partition: match[1]!, region: match[2]!, account: match[3]!, name: match[4]! };
}

/**
 * The ARN of the AWS managed key `aws/ecr` of an account and region, which
 * ECR fills in for KMS encryption without a key. Key ids are UUIDs; this one
 * is derived from the account and region so it stays the same.
 */
export function awsManagedEcrKey(region: string, account: string): string {
  return formatArn({ service: 'kms', region, account, resource: `key/${stableUuid(`aws/ecr|${account}|${region}`)}` });
}

function stableUuid(text: string): string {
  const words = [0x811c9dc5, 0x01000193, 0x5bd1e995, 0x1b873593].map((seed, n) => {
    let h = seed;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i) ^ n, 0x01000193) >>> 0;
    return h.toString(16).padStart(8, '0');
  });
  const hex = words.join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The host AWS names a registry by: `<account>.dkr.ecr.<region>.amazonaws.com` (`.com.cn` in China). */
export function awsRegistryHost(account: string, region: string): string {
  return `${account}.dkr.ecr.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

export function repositoryUri(registryHost: string, name: string): string {
  return `${registryHost}/${name}`;
}

const MAX_TAGS = 50;

/** (unverified) wording for the tag rules ECR shares with other services. */
export function checkEcrTags(tags: readonly EcrTag[]): void {
  for (const tag of tags) {
    const key = tag.Key ?? '';
    if (key.length < 1 || key.length > 128) throw new AwsError('InvalidTagParameterException', 'Tag keys must be between 1 and 128 characters long.');
    if ((tag.Value ?? '').length > 256) throw new AwsError('InvalidTagParameterException', 'Tag values must be between 0 and 256 characters long.');
    if (key.toLowerCase().startsWith('aws:')) throw new AwsError('InvalidTagParameterException', "Tag keys starting with 'aws:' are reserved for AWS use.");
  }
}

export function toRecordTags(tags: readonly EcrTag[]): Tag[] {
  return tags.map((tag) => ({ key: tag.Key ?? '', value: tag.Value ?? '' }));
}

export function toEcrTags(tags: readonly Tag[]): EcrTag[] {
  return tags.map((tag) => ({ Key: tag.key ?? '', Value: tag.value ?? '' }));
}

/** Adds or replaces tags by key; more than 50 is TooManyTagsException. */
export function mergeEcrTags(existing: readonly Tag[], added: readonly EcrTag[]): Tag[] {
  const merged = new Map<string, Tag>();
  for (const tag of existing) merged.set(tag.key ?? '', tag);
  for (const tag of added) merged.set(tag.Key ?? '', { key: tag.Key ?? '', value: tag.Value ?? '' });
  if (merged.size > MAX_TAGS) throw new AwsError('TooManyTagsException', `The number of tags exceeds the limit of ${MAX_TAGS} tags per resource.`);
  return [...merged.values()];
}

export interface MutabilitySetting {
  readonly imageTagMutability: ImageTagMutability;
  readonly imageTagMutabilityExclusionFilters?: ImageTagMutabilityExclusionFilter[];
}

/** Exclusion filters go with (and only with) the *_WITH_EXCLUSION settings; (unverified) wording. */
export function checkMutability(setting: { imageTagMutability?: ImageTagMutability; imageTagMutabilityExclusionFilters?: readonly ImageTagMutabilityExclusionFilter[] }): MutabilitySetting {
  const mutability = setting.imageTagMutability ?? 'MUTABLE';
  const filters = setting.imageTagMutabilityExclusionFilters;
  const withExclusion = mutability.endsWith('_WITH_EXCLUSION');
  if (withExclusion && (!filters || filters.length === 0)) {
    throw invalidParameter(`imageTagMutabilityExclusionFilters must be specified when imageTagMutability is ${mutability}.`);
  }
  if (!withExclusion && filters && filters.length > 0) {
    throw invalidParameter(`imageTagMutabilityExclusionFilters can only be specified when imageTagMutability is IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION.`);
  }
  return { imageTagMutability: mutability, ...(withExclusion ? { imageTagMutabilityExclusionFilters: [...filters!] } : {}) };
}

export interface NewRepositoryInput {
  readonly repositoryName: string;
  readonly imageTagMutability?: ImageTagMutability;
  readonly imageTagMutabilityExclusionFilters?: ImageTagMutabilityExclusionFilter[];
  readonly imageScanningConfiguration?: { scanOnPush?: boolean };
  readonly encryptionConfiguration?: { encryptionType: 'AES256' | 'KMS' | 'KMS_DSSE'; kmsKey?: string };
  readonly tags?: EcrTag[];
}

/** CreateRepository's record: defaults MUTABLE, scanOnPush false, AES256; names and tags checked. */
export function newRepository(input: NewRepositoryInput, context: { region: string; account: string; now: Date; registryHost: string }): RepositoryRecord {
  checkRepositoryName(input.repositoryName);
  checkEcrTags(input.tags ?? []);
  const mutability = checkMutability(input);
  const encryption = input.encryptionConfiguration ?? { encryptionType: 'AES256' as const };
  if (encryption.encryptionType === 'AES256' && encryption.kmsKey) {
    // (unverified) wording.
    throw invalidParameter('A KMS key cannot be specified when the encryption type is AES256.');
  }
  const tags = mergeEcrTags([], input.tags ?? []);
  return {
    repositoryName: input.repositoryName,
    repositoryArn: repositoryArn(context.region, context.account, input.repositoryName),
    registryId: context.account,
    repositoryUri: repositoryUri(context.registryHost, input.repositoryName),
    createdAt: context.now.getTime(),
    ...mutability,
    imageScanningConfiguration: { scanOnPush: input.imageScanningConfiguration?.scanOnPush ?? false },
    encryptionConfiguration: {
      encryptionType: encryption.encryptionType,
      ...(encryption.kmsKey ? { kmsKey: encryption.kmsKey } : encryption.encryptionType !== 'AES256' ? { kmsKey: awsManagedEcrKey(context.region, context.account) } : {}),
    },
    tags,
  };
}

/**
 * ECR's Repository shape. The URI is built from the registry host Wharf
 * serves now (the port may differ from the one at creation).
 */
export function describeRepository(record: RepositoryRecord, registryHost: string) {
  return {
    repositoryArn: record.repositoryArn,
    registryId: record.registryId,
    repositoryName: record.repositoryName,
    repositoryUri: repositoryUri(registryHost, record.repositoryName),
    createdAt: record.createdAt,
    imageTagMutability: record.imageTagMutability,
    ...(record.imageTagMutabilityExclusionFilters ? { imageTagMutabilityExclusionFilters: record.imageTagMutabilityExclusionFilters } : {}),
    imageScanningConfiguration: record.imageScanningConfiguration,
    encryptionConfiguration: record.encryptionConfiguration,
  };
}

