import { attachPolicy, deleteInlinePolicy, detachPolicy, noSuchRolePolicy, policyNameOf, policyPathOf, putInlinePolicy } from '../../domain/iam/roles.js';
import { checkPolicyName } from '../../domain/iam/names.js';
import type { Store } from '../../ports/store.js';
import type { OperationHandler, RequestContext } from '../service.js';
import { markerPage } from './paging.js';
import { getRole, updateRole } from './role-store.js';
import { encodePolicy } from './role-view.js';

type Paged = { RoleName: string; Marker?: string; MaxItems?: number };

/** Inline policies (Put/Get/Delete/ListRolePolicies) and managed ones (Attach/Detach/ListAttachedRolePolicies); evaluated by the simulator and, with --enforce-iam, on every role session's call. */
export function rolePolicyHandlers(store: Store): Record<string, OperationHandler> {
  return {
    async PutRolePolicy(input: { RoleName: string; PolicyName: string; PolicyDocument: string }, ctx: RequestContext) {
      await updateRole(store, ctx, input.RoleName, (role) => putInlinePolicy(role, input.PolicyName, input.PolicyDocument));
      return {};
    },

    async GetRolePolicy(input: { RoleName: string; PolicyName: string }, ctx: RequestContext) {
      checkPolicyName(input.PolicyName);
      const role = (await getRole(store, ctx, input.RoleName)).doc;
      if (!Object.hasOwn(role.inlinePolicies, input.PolicyName)) throw noSuchRolePolicy(input.PolicyName);
      return { RoleName: role.RoleName, PolicyName: input.PolicyName, PolicyDocument: encodePolicy(role.inlinePolicies[input.PolicyName]!) };
    },

    async DeleteRolePolicy(input: { RoleName: string; PolicyName: string }, ctx: RequestContext) {
      await updateRole(store, ctx, input.RoleName, (role) => deleteInlinePolicy(role, input.PolicyName));
      return {};
    },

    async ListRolePolicies(input: Paged, ctx: RequestContext) {
      const role = (await getRole(store, ctx, input.RoleName)).doc;
      const names = Object.keys(role.inlinePolicies).sort();
      const { items, ...paging } = markerPage(names, (name) => name, input.Marker, input.MaxItems);
      return { PolicyNames: items, ...paging };
    },

    async AttachRolePolicy(input: { RoleName: string; PolicyArn: string }, ctx: RequestContext) {
      await updateRole(store, ctx, input.RoleName, (role) => attachPolicy(role, input.PolicyArn));
      return {};
    },

    async DetachRolePolicy(input: { RoleName: string; PolicyArn: string }, ctx: RequestContext) {
      await updateRole(store, ctx, input.RoleName, (role) => detachPolicy(role, input.PolicyArn));
      return {};
    },

    async ListAttachedRolePolicies(input: Paged & { PathPrefix?: string }, ctx: RequestContext) {
      const role = (await getRole(store, ctx, input.RoleName)).doc;
      const arns = role.attachedPolicies.filter((arn) => policyPathOf(arn).startsWith(input.PathPrefix ?? '/')).sort();
      const { items, ...paging } = markerPage(arns, (arn) => arn, input.Marker, input.MaxItems);
      return { AttachedPolicies: items.map((arn) => ({ PolicyName: policyNameOf(arn), PolicyArn: arn })), ...paging };
    },
  };
}
