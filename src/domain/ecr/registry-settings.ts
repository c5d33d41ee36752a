import { AwsError } from '../errors.js';
import { invalidParameter } from './errors.js';
import type { RegistryRecord, RegistryScanningRule, ReplicationRule } from './records.js';
import { matchesWildcard } from './wildcard.js';

export const registryPolicyNotFound = (registryId: string) =>
  new AwsError('RegistryPolicyNotFoundException', `Registry policy does not exist in the registry with id '${registryId}'`); // (unverified) wording, in the family's form

/** PutRegistryPolicy's check: a JSON policy document with statements that have an Effect and a Principal. (unverified) wording. */
export function checkRegistryPolicy(text: string): void {
  const invalid = () => invalidParameter("Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid registry policy provided'");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalid();
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid();
  const statement = (doc as Record<string, unknown>).Statement;
  const statements = Array.isArray(statement) ? statement : statement !== undefined ? [statement] : [];
  if (statements.length === 0) throw invalid();
  for (const s of statements as Record<string, unknown>[]) {
    if (typeof s !== 'object' || s === null || (s.Effect !== 'Allow' && s.Effect !== 'Deny') || s.Principal === undefined || (s.Action === undefined && s.NotAction === undefined)) throw invalid();
  }
}

/** What GetRegistryScanningConfiguration answers for a registry never configured. */
export const DEFAULT_SCANNING = { scanType: 'BASIC' as const, rules: [] as RegistryScanningRule[] };

/** BASIC scanning takes SCAN_ON_PUSH and MANUAL; ENHANCED takes SCAN_ON_PUSH and CONTINUOUS_SCAN. (unverified) wording. */
export function checkScanningConfiguration(input: { scanType?: 'BASIC' | 'ENHANCED'; rules?: RegistryScanningRule[] }): NonNullable<RegistryRecord['scanningConfiguration']> {
  const scanType = input.scanType ?? 'BASIC';
  const rules = input.rules ?? [];
  for (const rule of rules) {
    const allowed = scanType === 'BASIC' ? ['SCAN_ON_PUSH', 'MANUAL'] : ['SCAN_ON_PUSH', 'CONTINUOUS_SCAN'];
    if (!allowed.includes(rule.scanFrequency)) throw invalidParameter(`Invalid parameter at 'scanFrequency' failed to satisfy constraint: '${rule.scanFrequency} is not supported for ${scanType} scanning'`);
    if (rule.repositoryFilters.length === 0) throw invalidParameter("Invalid parameter at 'repositoryFilters' failed to satisfy constraint: 'Member must have at least 1 filter'");
  }
  return { scanType, rules: rules.map((rule) => ({ scanFrequency: rule.scanFrequency, repositoryFilters: rule.repositoryFilters.map((f) => ({ filter: f.filter, filterType: f.filterType })) })) };
}

/** Whether a registry scanning rule of `frequency` covers a repository (its filters are wildcards over the name). */
export function scanRuleCovers(configuration: RegistryRecord['scanningConfiguration'], frequency: RegistryScanningRule['scanFrequency'], repositoryName: string): boolean {
  return (configuration?.rules ?? []).some((rule) => rule.scanFrequency === frequency && rule.repositoryFilters.some((f) => matchesWildcard(f.filter, repositoryName)));
}

const MAX_RULES = 10;
const MAX_DESTINATIONS = 25;

/**
 * PutReplicationConfiguration's checks: at most 10 rules and 25 destinations
 * in all, none the source registry itself. (unverified) wording.
 */
export function checkReplicationConfiguration(configuration: { rules: ReplicationRule[] }, source: { account: string; region: string }): NonNullable<RegistryRecord['replicationConfiguration']> {
  if (configuration.rules.length > MAX_RULES) throw invalidParameter(`Invalid parameter at 'rules' failed to satisfy constraint: 'Member must have length less than or equal to ${MAX_RULES}'`);
  const destinations = configuration.rules.flatMap((rule) => rule.destinations);
  if (destinations.length > MAX_DESTINATIONS) throw invalidParameter(`Invalid parameter at 'destinations' failed to satisfy constraint: 'A replication configuration can have at most ${MAX_DESTINATIONS} destinations'`);
  for (const destination of destinations) {
    if (destination.region === source.region && destination.registryId === source.account) {
      throw invalidParameter("Invalid parameter at 'destinations' failed to satisfy constraint: 'Replication destination cannot be the source registry'");
    }
  }
  return {
    rules: configuration.rules.map((rule) => ({
      destinations: rule.destinations.map((d) => ({ region: d.region, registryId: d.registryId })),
      ...(rule.repositoryFilters && rule.repositoryFilters.length > 0 ? { repositoryFilters: rule.repositoryFilters.map((f) => ({ filter: f.filter, filterType: f.filterType })) } : {}),
    })),
  };
}

/**
 * Where a repository's images are copied: every destination of every rule
 * whose prefix filters (none: all repositories) take the name, once each.
 */
export function replicationDestinations(configuration: RegistryRecord['replicationConfiguration'], repositoryName: string): { region: string; registryId: string }[] {
  const seen = new Map<string, { region: string; registryId: string }>();
  for (const rule of configuration?.rules ?? []) {
    const filters = rule.repositoryFilters ?? [];
    if (filters.length > 0 && !filters.some((f) => repositoryName.startsWith(f.filter))) continue;
    for (const d of rule.destinations) seen.set(`${d.registryId}|${d.region}`, d);
  }
  return [...seen.values()];
}

/**
 * Whether a destination registry's policy lets `sourceAccount` replicate
 * into it (cross-account replication needs an Allow of ecr:ReplicateImage to
 * the source account's root or `*`); a registry's own account needs none.
 */
export function allowsReplicationFrom(policyText: string | undefined, sourceAccount: string, destinationAccount: string): boolean {
  if (sourceAccount === destinationAccount) return true;
  if (policyText === undefined) return false;
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(policyText) as Record<string, unknown>;
  } catch {
    return false;
  }
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);
  const principals = (principal: unknown): unknown[] => (principal === '*' ? ['*'] : typeof principal === 'object' && principal !== null ? list((principal as Record<string, unknown>).AWS) : []);
  const names = new Set(['*', sourceAccount, `arn:aws:iam::${sourceAccount}:root`]);
  return list(doc.Statement).some((statement) => {
    const s = statement as Record<string, unknown>;
    if (s.Effect !== 'Allow') return false;
    const actions = list(s.Action);
    if (!actions.some((action) => action === 'ecr:ReplicateImage' || action === 'ecr:*' || action === '*')) return false;
    return principals(s.Principal).some((p) => typeof p === 'string' && names.has(p));
  });
}
