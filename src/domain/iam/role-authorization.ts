import type { ConditionContext } from './condition-operators.js';
import { awsManagedPolicy } from './managed-policies.js';
import { evaluate, type AuthorizationRequest, type Evaluation, type RequestPrincipal, type SourcePolicy } from './policy-evaluation.js';
import type { RoleRecord } from './roles.js';

/**
 * A role's permissions as the evaluator takes them: its inline policies (by
 * name) and the AWS managed policies attached to it (by ARN). A document that
 * does not parse grants nothing (IAM refused to store it in the first place).
 */
export function rolePolicies(role: RoleRecord): SourcePolicy[] {
  const inline = Object.entries(role.inlinePolicies).map(([name, text]) => ({ id: name, type: 'identity' as const, document: parse(text) }));
  const attached = role.attachedPolicies.flatMap((arn) => {
    const document = awsManagedPolicy(arn);
    return document === undefined ? [] : [{ id: arn, type: 'identity' as const, document }];
  });
  return [...inline, ...attached];
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface CallFacts {
  readonly now: Date;
  readonly region: string;
  readonly sourceIp?: string;
  readonly secureTransport: boolean;
}

/** The global condition keys Wharf knows for a call made by a role session (keys lower-cased). */
export function roleSessionContext(role: RoleRecord, facts: CallFacts, extra: ConditionContext = {}): ConditionContext {
  const context: Record<string, readonly string[]> = {
    'aws:principalarn': [role.Arn],
    'aws:principalaccount': [role.Arn.split(':')[4] ?? ''],
    'aws:principaltype': ['AssumedRole'],
    'aws:requestedregion': [facts.region],
    'aws:currenttime': [facts.now.toISOString()],
    'aws:epochtime': [String(Math.floor(facts.now.getTime() / 1000))],
    'aws:securetransport': [String(facts.secureTransport)],
    ...(facts.sourceIp ? { 'aws:sourceip': [facts.sourceIp] } : {}),
  };
  for (const tag of role.Tags) context[`aws:principaltag/${tag.Key.toLowerCase()}`] = [tag.Value];
  return { ...context, ...extra };
}

/** Who a role session is, as resource policies name it: the session ARN, its role's ARN, its account. */
export function roleSessionPrincipal(role: RoleRecord, sessionArn: string): RequestPrincipal {
  return { arns: [sessionArn, role.Arn], account: role.Arn.split(':')[4] ?? '' };
}

/**
 * A role session's request: the role's identity policies and the resource's
 * own policy, if it has one.
 */
export function authorizeRoleSession(role: RoleRecord, request: AuthorizationRequest, resourcePolicy?: unknown): Evaluation {
  const policies: SourcePolicy[] = [...rolePolicies(role)];
  if (resourcePolicy !== undefined) policies.push({ id: 'resource-policy', type: 'resource', document: resourcePolicy });
  return evaluate(policies, request);
}

/** Whether a role's trust policy lets this principal (a service or an AWS principal) assume it. */
export function trustAllows(role: RoleRecord, principal: RequestPrincipal, context: ConditionContext = {}): Evaluation {
  return evaluate([{ id: 'AssumeRolePolicyDocument', type: 'trust', document: parse(role.AssumeRolePolicyDocument) }], { action: 'sts:AssumeRole', resource: role.Arn, principal, context });
}

export const ECS_TASKS_SERVICE = 'ecs-tasks.amazonaws.com';

/**
 * The seed's role anti-patterns, in words for Wharf's log: one role used as
 * both execution and task role, and a task role whose policies allow `*` on `*`.
 */
export function roleAntiPatterns(taskRole: RoleRecord | undefined, executionRoleArn: string | undefined): string[] {
  const found: string[] = [];
  if (taskRole && executionRoleArn === taskRole.Arn) {
    found.push(`the role ${taskRole.Arn} is both the execution role and the task role: the application gets the pull, log and secret permissions meant for ECS`);
  }
  if (taskRole) {
    const probe = evaluate(rolePolicies(taskRole), { action: 'wharf:AnyAction', resource: 'arn:aws:wharf:::any', principal: {}, context: {} });
    if (probe.decision === 'allowed') found.push(`the task role ${taskRole.Arn} allows every action on every resource (${probe.matched.map((m) => m.sourcePolicyId).join(', ')})`);
  }
  return found;
}
