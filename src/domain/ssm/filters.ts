import { invalidFilterKey, invalidFilterOption } from './errors.js';
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

const DESCRIBE_KEYS = new Set(['Name', 'Type', 'KeyId', 'Path', 'Tier', 'DataType', 'Label']);
const BY_PATH_KEYS = new Set(['Type', 'KeyId', 'Label']);

export function checkFilters(filters: readonly ParameterStringFilter[], where: 'describe' | 'by-path'): void {
  const keys = where === 'describe' ? DESCRIBE_KEYS : BY_PATH_KEYS;
  for (const filter of filters) {
    if (!keys.has(filter.Key) && !(where === 'describe' && filter.Key.startsWith('tag:'))) {
      if (where === 'by-path' && DESCRIBE_KEYS.has(filter.Key)) {
        // unverified wording
        throw invalidFilterKey(`${filter.Key}. GetParametersByPath accepts only Type, KeyId and Label`);
      }
      throw invalidFilterKey(filter.Key);
    }
    const option = filter.Option ?? defaultOption(filter.Key);
    const allowed = filter.Key === 'Name' ? ['Equals', 'BeginsWith', 'Contains'] : filter.Key === 'Path' ? ['OneLevel', 'Recursive'] : filter.Key.startsWith('tag:') ? ['Equals'] : ['Equals', 'BeginsWith'];
    // unverified wording
    if (!allowed.includes(option)) throw invalidFilterOption(`The following filter option is not valid: ${option}. Valid options include: [${allowed.join(', ')}].`);
  }
}

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
        return tag !== undefined && (values.length === 0 || values.includes(tag.Value));
      }
    }
  });
}
