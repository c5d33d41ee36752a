import { tooManyTags, validation } from './errors.js';

/** Scalable targets' tags: at most 50, keys not starting with `aws:`. */
export const MAX_TAGS = 50;

export function checkTagMap(tags: Record<string, string>, arn: string): void {
  if (Object.keys(tags).length > MAX_TAGS) throw tooManyTags(arn);
  for (const key of Object.keys(tags)) {
    if (key.toLowerCase().startsWith('aws:')) throw validation(`Tag keys starting with aws: are reserved for use by AWS: ${key}`); // unverified wording
  }
}
