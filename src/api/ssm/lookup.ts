import { parameterKey } from '../../domain/ssm/names.js';
import { SSM_KIND, type ParameterRecord } from '../../domain/ssm/records.js';
import type { Scope, Store, StoredRecord } from '../../ports/store.js';

/**
 * The parameter a name names. A top-level name is stored without its
 * leading slash; a record stored under the slashed name (before Wharf
 * treated the two as one) is still found.
 */
export async function findParameter(store: Store, scope: Scope, name: string): Promise<StoredRecord<ParameterRecord> | undefined> {
  const key = parameterKey(name);
  return (await store.get<ParameterRecord>(SSM_KIND.parameter, scope, key)) ?? (key !== name ? await store.get<ParameterRecord>(SSM_KIND.parameter, scope, name) : undefined);
}
