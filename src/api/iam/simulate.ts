import { AwsError } from '../../domain/errors.js';
import type { ConditionContext } from '../../domain/iam/condition-operators.js';
import { parseRoleArn } from '../../domain/iam/names.js';
import { evaluate, type Evaluation, type RequestPrincipal, type SourcePolicy } from '../../domain/iam/policy-evaluation.js';
import { rolePolicies } from '../../domain/iam/role-authorization.js';
import { IAM_KIND, iamScope, roleRecordId, type RoleRecord } from '../../domain/iam/roles.js';
import type { Store } from '../../ports/store.js';
import type { OperationHandler, RequestContext } from '../service.js';
import { markerPage } from './paging.js';

interface ContextEntry {
  ContextKeyName?: string;
  ContextKeyValues?: string[];
}

interface SimulateCommon {
  ActionNames: string[];
  ResourceArns?: string[];
  ResourcePolicy?: string;
  CallerArn?: string;
  ContextEntries?: ContextEntry[];
  Marker?: string;
  MaxItems?: number;
}

function contextOf(entries: readonly ContextEntry[] | undefined): ConditionContext {
  const context: Record<string, string[]> = {};
  for (const entry of entries ?? []) {
    if (entry.ContextKeyName) context[entry.ContextKeyName.toLowerCase()] = entry.ContextKeyValues ?? [];
  }
  return context;
}

function parsePolicy(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AwsError('InvalidInput', 'Invalid policy document: the document is not JSON.'); // unverified wording
  }
}

/** IAM's PolicySourceType for each of the evaluator's policy kinds. */
function sourceType(policy: SourcePolicy, kinds: ReadonlyMap<string, string>): string {
  return kinds.get(policy.id) ?? (policy.type === 'resource' ? 'resource' : 'none');
}

function results(input: SimulateCommon, policies: readonly SourcePolicy[], kinds: ReadonlyMap<string, string>, principal: RequestPrincipal): Record<string, unknown>[] {
  const context = contextOf(input.ContextEntries);
  const resources = input.ResourceArns && input.ResourceArns.length > 0 ? input.ResourceArns : ['*'];
  const all = [...policies, ...(input.ResourcePolicy !== undefined ? [{ id: 'ResourcePolicy', type: 'resource' as const, document: parsePolicy(input.ResourcePolicy) }] : [])];
  const out: Record<string, unknown>[] = [];
  for (const action of input.ActionNames) {
    for (const resource of resources) {
      const evaluation: Evaluation = evaluate(all, { action, resource, principal, context });
      out.push({
        EvalActionName: action,
        EvalResourceName: resource,
        EvalDecision: evaluation.decision,
        // Positions (StartPosition/EndPosition) of the statements are not reported.
        MatchedStatements: evaluation.matched.map((statement) => ({ SourcePolicyId: statement.sourcePolicyId, SourcePolicyType: sourceType({ id: statement.sourcePolicyId, type: statement.sourcePolicyType, document: undefined }, kinds) })),
        MissingContextValues: [],
      });
    }
  }
  return out;
}

function paged(items: Record<string, unknown>[], input: SimulateCommon) {
  const { items: page, ...paging } = markerPage(items.map((item, index) => ({ item, id: String(index).padStart(8, '0') })), (entry) => entry.id, input.Marker, input.MaxItems);
  return { EvaluationResults: page.map((entry) => entry.item), ...paging };
}

/**
 * The policy simulator, answering what Wharf's evaluator decides (the same
 * evaluator enforcement uses): a role's inline and attached policies
 * (SimulatePrincipalPolicy) or the documents given (SimulateCustomPolicy).
 */
export function simulateHandlers(store: Store): Record<string, OperationHandler> {
  return {
    async SimulatePrincipalPolicy(input: SimulateCommon & { PolicySourceArn: string; PolicyInputList?: string[] }, ctx: RequestContext) {
      const target = parseRoleArn(input.PolicySourceArn);
      const role = target && (await store.get<RoleRecord>(IAM_KIND.role, iamScope(target.account), roleRecordId(target.name)))?.doc;
      if (!target || !role || target.account !== ctx.scope.account) {
        // Wharf has roles only: users and groups are not found either.
        throw new AwsError('NoSuchEntity', `Entity ${input.PolicySourceArn} does not exist.`, { status: 404 }); // unverified wording
      }
      const policies = rolePolicies(role);
      const kinds = new Map(policies.map((policy) => [policy.id, policy.id.startsWith('arn:') ? 'aws-managed' : 'role']));
      const extra = (input.PolicyInputList ?? []).map((text, index) => ({ id: `PolicyInputList.${index + 1}`, type: 'identity' as const, document: parsePolicy(text) }));
      for (const policy of extra) kinds.set(policy.id, 'none');
      return paged(results(input, [...policies, ...extra], kinds, { arns: [input.CallerArn ?? role.Arn], account: role.Arn.split(':')[4]! }), input);
    },

    async SimulateCustomPolicy(input: SimulateCommon & { PolicyInputList: string[] }, ctx: RequestContext) {
      const policies = input.PolicyInputList.map((text, index) => ({ id: `PolicyInputList.${index + 1}`, type: 'identity' as const, document: parsePolicy(text) }));
      const kinds = new Map(policies.map((policy) => [policy.id, 'none']));
      return paged(results(input, policies, kinds, { arns: input.CallerArn ? [input.CallerArn] : [], account: ctx.scope.account }), input);
    },
  };
}
