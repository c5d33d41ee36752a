import { IAM_KIND, iamScope, noSuchRole, roleRecordId, type RoleRecord } from '../../domain/iam/roles.js';
import { retryOnStale, type Store, type StoredRecord } from '../../ports/store.js';
import type { RequestContext } from '../service.js';

/** Roles live in one scope per account (IAM is global), keyed by the lower-cased name. */
export async function getRole(store: Store, ctx: RequestContext, name: string): Promise<StoredRecord<RoleRecord>> {
  const record = await store.get<RoleRecord>(IAM_KIND.role, iamScope(ctx.scope.account), roleRecordId(name));
  if (!record) throw noSuchRole(name);
  return record;
}

/** Read, change and write one role, again if another writer got there first. */
export function updateRole(store: Store, ctx: RequestContext, name: string, change: (role: RoleRecord) => RoleRecord): Promise<RoleRecord> {
  return retryOnStale(async () => {
    const record = await getRole(store, ctx, name);
    const next = change(record.doc);
    if (next !== record.doc) {
      await store.write([{ op: 'put', kind: IAM_KIND.role, scope: iamScope(ctx.scope.account), id: roleRecordId(name), doc: next, expect: record.version }]);
    }
    return next;
  });
}
