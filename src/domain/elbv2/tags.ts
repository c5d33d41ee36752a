import { duplicateTagKeys, tooManyTags, validationError } from './errors.js';

export interface TagInput {
  readonly Key: string;
  readonly Value?: string;
}

const MAX_TAGS = 50;

/** Tags after adding `added` (a key given twice is refused; an existing key is overwritten). */
export function withTags(current: Readonly<Record<string, string>>, added: readonly TagInput[]): Record<string, string> {
  const seen = new Set<string>();
  for (const tag of added) {
    if (seen.has(tag.Key)) throw duplicateTagKeys(tag.Key);
    seen.add(tag.Key);
    if (tag.Key.toLowerCase().startsWith('aws:')) throw validationError(`Tag key '${tag.Key}' cannot start with 'aws:'`); // unverified wording
  }
  const next = { ...current };
  for (const tag of added) next[tag.Key] = tag.Value ?? '';
  if (Object.keys(next).length > MAX_TAGS) throw tooManyTags();
  return next;
}

export function withoutTags(current: Readonly<Record<string, string>>, keys: readonly string[]): Record<string, string> {
  const next = { ...current };
  for (const key of keys) delete next[key];
  return next;
}

export function tagList(tags: Readonly<Record<string, string>>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}
