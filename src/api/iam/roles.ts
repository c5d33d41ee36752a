import { randomBytes } from 'node:crypto';
import { AwsError } from '../../domain/errors.js';
import { formatRoleId } from '../../domain/iam/names.js';
import { checkDeletable, checkTrustPolicyForRole, IAM_KIND, iamScope, newRole, roleRecordId, type CreateRoleInput, type RoleRecord } from '../../domain/iam/roles.js';
import { StaleWriteError, type Store } from '../../ports/store.js';
import type { OperationHandler, RequestContext } from '../service.js';
import { markerPage } from './paging.js';
import { getRole, updateRole } from './role-store.js';
import { roleView } from './role-view.js';

export function roleHandlers(store: Store): Record<string, OperationHandler> {
  return {
    async CreateRole(input: CreateRoleInput, ctx: RequestContext) {
      const role = newRole(input, { account: ctx.scope.account, partition: ctx.partition, roleId: formatRoleId(randomBytes(17)), now: ctx.now.getTime() });
      try {
        await store.write([{ op: 'put', kind: IAM_KIND.role, scope: iamScope(ctx.scope.account), id: roleRecordId(role.RoleName), doc: role, expect: 'absent' }]);
      } catch (error) {
        if (error instanceof StaleWriteError) throw new AwsError('EntityAlreadyExists', `Role with name ${input.RoleName} already exists.`, { status: 409 });
        throw error;
      }
      return { Role: roleView(role) };
    },

    async GetRole(input: { RoleName: string }, ctx: RequestContext) {
      return { Role: roleView((await getRole(store, ctx, input.RoleName)).doc) };
    },

    async ListRoles(input: { PathPrefix?: string; Marker?: string; MaxItems?: number }, ctx: RequestContext) {
      const prefix = input.PathPrefix ?? '/';
      const roles = (await store.list<RoleRecord>(IAM_KIND.role, iamScope(ctx.scope.account))).filter((record) => record.doc.Path.startsWith(prefix));
      const { items, ...paging } = markerPage(roles, (record) => record.id, input.Marker, input.MaxItems);
      return { Roles: items.map((record) => roleView(record.doc, false)), ...paging };
    },

    async DeleteRole(input: { RoleName: string }, ctx: RequestContext) {
      const record = await getRole(store, ctx, input.RoleName);
      checkDeletable(record.doc);
      await store.write([{ op: 'delete', kind: IAM_KIND.role, scope: iamScope(ctx.scope.account), id: record.id, expect: record.version }]);
      return {};
    },

    async UpdateRole(input: { RoleName: string; Description?: string; MaxSessionDuration?: number }, ctx: RequestContext) {
      await updateRole(store, ctx, input.RoleName, (role) => ({
        ...role,
        ...(input.Description !== undefined ? { Description: input.Description } : {}),
        ...(input.MaxSessionDuration !== undefined ? { MaxSessionDuration: input.MaxSessionDuration } : {}),
      }));
      return {};
    },

    async UpdateRoleDescription(input: { RoleName: string; Description: string }, ctx: RequestContext) {
      const role = await updateRole(store, ctx, input.RoleName, (current) => ({ ...current, Description: input.Description }));
      return { Role: roleView(role) };
    },

    async UpdateAssumeRolePolicy(input: { RoleName: string; PolicyDocument: string }, ctx: RequestContext) {
      checkTrustPolicyForRole(input.PolicyDocument);
      await updateRole(store, ctx, input.RoleName, (role) => ({ ...role, AssumeRolePolicyDocument: input.PolicyDocument }));
      return {};
    },
  };
}
