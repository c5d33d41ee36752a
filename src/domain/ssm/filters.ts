import { invalidFilterKey, invalidFilterOption, invalidFilterValue, validation } from './errors.js';
import { isUnderPath, normalizePath } from './names.js';
import type { ParameterRecord, ParameterVersion } from './records.js';

export interface ParameterStringFilter {
  readonly Key: string;
  readonly Option?: string;
  readonly Values?: string[];
}

/** The older DescribeParameters `Filters` (Name, Type, KeyId), as ParameterFilters. */
export function legacyFilters(filters: readonly { Key: string; Values: string[] }[]): ParameterStringFilter[] {
  return filters.map((filter) => ({ Key: filter.Key, Option: filter.Key === 'Name' ? 'BeginsWith' : 'Equals', Values: filter.Values }));
}

// DescribeParameters takes every key but Label; GetParametersByPath only Type, KeyId and Label (API reference, ParameterStringFilter).
const DESCRIBE_KEYS = new Set(['Name', 'Type', 'KeyId', 'Path', 'Tier', 'DataType']);
const BY_PATH_KEYS = new Set(['Type', 'KeyId', 'Label']);
const VALID_VALUES: Readonly<Record<string, readonly string[]>> = {
  Type: ['String', 'StringList', 'SecureString'],
  Tier: ['Standard', 'Advanced', 'Intelligent-Tiering'],
  DataType: ['text', 'aws:ec2:image', 'aws:ssm:integration'],
};
const PATH_VALUE = /^\/[A-Za-z0-9_.\-/]*$/;

/** Filter keys, options and values as DescribeParameters and GetParametersByPath check them, with their errors. */
export function checkFilters(filters: readonly ParameterStringFilter[], where: 'describe' | 'by-path'): void {
  const keys = where === 'describe' ? DESCRIBE_KEYS : BY_PATH_KEYS;
  const seen = new Set<string>();
  for (const filter of filters) {
    const isTag = filter.Key.startsWith('tag:');
    if (!(keys.has(filter.Key) || (where === 'describe' && isTag))) {
      throw invalidFilterKey(`The following filter key is not valid: ${filter.Key}. Valid filter keys include: ${where === 'describe' ? '[Path, Name, Type, KeyId, Tier]' : '[Type, KeyId]'}.`);
    }
    if (seen.has(filter.Key)) throw invalidFilterKey(`The following filter is duplicated in the request: ${filter.Key}. A request can contain only one occurrence of a specific filter.`);
    seen.add(filter.Key);
    const values = filter.Values ?? [];
    // A tag filter without values asks only that the tag exists.
    if (!isTag && values.length === 0) throw invalidFilterValue(`The following filter values are missing : null for filter key ${filter.Key}.`);
    const option = filter.Option ?? defaultOption(filter.Key);
    const allowed = optionsFor(filter.Key);
    if (!allowed.includes(option)) throw invalidFilterOption(`The following filter option is not valid: ${option}. Valid options include: [${allowed.join(', ')}].`);
    const valid = VALID_VALUES[filter.Key];
    const wrong = valid && values.find((value) => !valid.includes(value));
    if (valid && wrong !== undefined) throw invalidFilterValue(`The following filter value is not valid: ${wrong}. Valid values include: [${valid.join(', ')}].`);
    if (filter.Key === 'Path') values.forEach(checkPathValue);
  }
}

function optionsFor(key: string): string[] {
  if (key === 'Path') return ['Recursive', 'OneLevel'];
  if (key === 'Name') return ['BeginsWith', 'Equals', 'Contains'];
  // unverified wording (Label takes Equals only)
  if (key === 'Label') return ['Equals'];
  return ['BeginsWith', 'Equals'];
}

function checkPathValue(value: string): void {
  if (/^\/(aws|ssm)/i.test(value)) {
    throw validation('Filters for common parameters can\'t be prefixed with "aws" or "ssm" (case-insensitive). When using global parameters, please specify within a global namespace.');
  }
  if (!PATH_VALUE.test(value) || value.includes('//')) throw validation(PATH_RULE);
}

export const PATH_RULE =
  'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/". It can\'t be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.';

function defaultOption(key: string): string {
  return key === 'Path' ? 'OneLevel' : 'Equals';
}

/** Whether a parameter (its latest version, or for Label any version) passes every filter. */
export function matchesParameterFilters(record: ParameterRecord, version: ParameterVersion, filters: readonly ParameterStringFilter[]): boolean {
  return filters.every((filter) => {
    const values = filter.Values ?? [];
    const option = filter.Option ?? defaultOption(filter.Key);
    const test = (field: string | undefined) =>
      field !== undefined && (values.length === 0 || values.some((value) => (option === 'BeginsWith' ? field.startsWith(value) : option === 'Contains' ? field.includes(value) : field === value)));
    switch (filter.Key) {
      case 'Name':
        // Names match with or without their leading slash, as AWS does for hierarchies.
        return test(record.name) || (record.name.startsWith('/') && test(record.name.slice(1)));
      case 'Type':
        return test(version.type);
      case 'KeyId':
        return test(version.keyId);
      case 'Tier':
        return test(version.tier);
      case 'DataType':
        return test(version.dataType);
      case 'Label':
        return record.versions.some((v) => v.labels.some((label) => values.includes(label)));
      case 'Path':
        return values.some((path) => isUnderPath(record.name, normalizePath(path), option === 'Recursive'));
      default: {
        const key = filter.Key.slice('tag:'.length);
        const tag = record.tags.find((t) => t.Key === key);
        return tag !== undefined && (values.length === 0 || values.some((value) => (option === 'BeginsWith' ? tag.Value.startsWith(value) : tag.Value === value)));
      }
    }
  });
}
