import { mergeTags, removeTags, type IamTag } from '../../domain/iam/roles.js';
import type { Store } from '../../ports/store.js';
import type { OperationHandler, RequestContext } from '../service.js';
import { markerPage } from './paging.js';
import { getRole, updateRole } from './role-store.js';

export function roleTagHandlers(store: Store): Record<string, OperationHandler> {
  return {
    async TagRole(input: { RoleName: string; Tags: IamTag[] }, ctx: RequestContext) {
      await updateRole(store, ctx, input.RoleName, (role) => ({ ...role, Tags: mergeTags(role.Tags, input.Tags) }));
      return {};
    },

    async UntagRole(input: { RoleName: string; TagKeys: string[] }, ctx: RequestContext) {
      await updateRole(store, ctx, input.RoleName, (role) => ({ ...role, Tags: removeTags(role.Tags, input.TagKeys) }));
      return {};
    },

    async ListRoleTags(input: { RoleName: string; Marker?: string; MaxItems?: number }, ctx: RequestContext) {
      const role = (await getRole(store, ctx, input.RoleName)).doc;
      const { items, ...paging } = markerPage([...role.Tags].sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0)), (tag) => tag.Key, input.Marker, input.MaxItems);
      return { Tags: items, ...paging };
    },
  };
}
