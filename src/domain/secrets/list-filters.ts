import { invalidParameter } from './errors.js';
import type { SecretRecord } from './records.js';

export interface ListFilter {
  readonly Key?: string;
  readonly Values?: string[];
}

/**
 * The words Secrets Manager's search sees in a text: runs of letters or
 * digits, broken at punctuation and spaces, at a lower-to-upper case change
 * and between letters and digits ("credsDatabase#892" is creds, Database, 892).
 */
export function searchWords(text: string): string[] {
  return text
    .split(/[^A-Za-z0-9]+/)
    .flatMap((run) => run.split(/(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])/))
    .filter((word) => word.length > 0);
}

/** Every word of `value` starts a word of `field` (case-insensitive), as the description and `all` searches match. */
function wordsMatch(value: string, field: string): boolean {
  const wanted = searchWords(value).map((word) => word.toLowerCase());
  if (wanted.length === 0) return false;
  const present = searchWords(field).map((word) => word.toLowerCase());
  return wanted.every((word) => present.some((candidate) => candidate.startsWith(word)));
}

type Matcher = (secret: SecretRecord, value: string) => boolean;

/** Strings only: the model makes a tag's Key and Value optional, so a stored tag may lack either (and then matches nothing). */
const present = (fields: readonly (string | undefined)[]): string[] => fields.filter((field): field is string => typeof field === 'string');

const prefixOf = (fields: (secret: SecretRecord) => readonly (string | undefined)[]): Matcher => (secret, value) => present(fields(secret)).some((field) => field.startsWith(value));

const MATCHERS: Readonly<Record<string, Matcher>> = {
  // The name matches from its start, case-sensitively ("Data" finds DatabaseSecret, not MyData).
  name: prefixOf((secret) => [secret.name]),
  description: (secret, value) => secret.description !== undefined && wordsMatch(value, secret.description),
  'tag-key': prefixOf((secret) => secret.tags.map((tag) => tag.Key)),
  'tag-value': prefixOf((secret) => secret.tags.map((tag) => tag.Value)),
  'primary-region': prefixOf((secret) => (secret.primaryRegion !== undefined ? [secret.primaryRegion] : [])),
  // No secret here is owned by another service.
  'owning-service': () => false,
  // Every word in one field: "secrets for" finds a field holding both words.
  all: (secret, value) => allFields(secret).some((field) => wordsMatch(value, field)),
};

function allFields(secret: SecretRecord): string[] {
  return present([
    secret.name,
    ...(secret.description !== undefined ? [secret.description] : []),
    ...secret.tags.flatMap((tag) => [tag.Key, tag.Value]),
    ...(secret.primaryRegion !== undefined ? [secret.primaryRegion] : []),
  ]);
}

/**
 * Filters as ListSecrets and BatchGetSecretValue take them: each needs a key
 * and values; filters repeating a key are one filter with all their values.
 */
export function groupFilters(filters: readonly ListFilter[]): Map<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const filter of filters) {
    // unverified wording
    if (filter.Key === undefined || filter.Key === '') throw invalidParameter('Invalid filter key');
    // unverified wording
    if (filter.Values === undefined || filter.Values.length === 0) throw invalidParameter(`Invalid filter values for key: ${filter.Key}`);
    if (!(filter.Key in MATCHERS)) throw invalidParameter(`Invalid filter key: ${filter.Key}`); // unverified wording
    grouped.set(filter.Key, [...(grouped.get(filter.Key) ?? []), ...filter.Values]);
  }
  return grouped;
}

/**
 * Every key must match; within a key, any value. A value starting with `!`
 * excludes the secrets it would match.
 */
export function matchesFilters(secret: SecretRecord, grouped: ReadonlyMap<string, readonly string[]>): boolean {
  for (const [key, values] of grouped) {
    const matcher = MATCHERS[key]!;
    const positive = values.filter((v) => !v.startsWith('!'));
    const negative = values.filter((v) => v.startsWith('!')).map((v) => v.slice(1));
    if (negative.some((value) => matcher(secret, value))) return false;
    if (positive.length > 0 && !positive.some((value) => matcher(secret, value))) return false;
  }
  return true;
}
