import { invalidParameter } from '../errors.js';

export interface Tag {
  readonly key?: string;
  readonly value?: string;
}

const MAX_TAGS = 50;

/** ECS's tag rules: at most 50 per resource, keys 1-128, values up to 256, `aws:` reserved. */
export function checkTags(tags: readonly Tag[]): void {
  for (const tag of tags) {
    if (!tag.key) throw invalidParameter('Tag keys must be between 1 and 128 characters.');
    if (tag.key.length > 128) throw invalidParameter('Tag keys must be between 1 and 128 characters.');
    if ((tag.value ?? '').length > 256) throw invalidParameter('Tag values must be between 0 and 256 characters.');
    // (unverified) wording; ECS refuses user tags in the aws: namespace.
    if (tag.key.toLowerCase().startsWith('aws:')) throw invalidParameter("Tag keys starting with 'aws:' are reserved for AWS use.");
  }
}

/** Adds or replaces tags by key, keeping the earlier order. */
export function mergeTags(existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  const merged = new Map<string, Tag>();
  for (const tag of existing) merged.set(tag.key ?? '', tag);
  for (const tag of added) merged.set(tag.key ?? '', { key: tag.key, value: tag.value ?? '' });
  if (merged.size > MAX_TAGS) throw invalidParameter(`The number of tags exceeds the limit of ${MAX_TAGS}.`);
  return [...merged.values()];
}

export function removeTags(existing: readonly Tag[], keys: readonly string[]): Tag[] {
  const drop = new Set(keys);
  return existing.filter((tag) => !drop.has(tag.key ?? ''));
}
