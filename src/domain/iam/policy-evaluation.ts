import { arnMatch, conditionHolds, wildcardMatch, type ConditionContext } from './condition-operators.js';

/**
 * IAM policy evaluation for requests inside one account, as the IAM User
 * Guide's "policy evaluation logic" has it: an explicit Deny in any
 * applicable policy wins; otherwise an Allow in an identity-based policy or in
 * the resource's policy (naming the principal) allows; otherwise the request
 * is implicitly denied. Pure: policies arrive parsed, the request as data.
 * (Organizations SCPs, permissions boundaries and session policies are not
 * part of Wharf and are not evaluated.)
 */

export type EvalDecision = 'allowed' | 'explicitDeny' | 'implicitDeny';

/** Who is asking, as a resource or trust policy's Principal element names it. */
export interface RequestPrincipal {
  /** `AWS` principals match by these ARNs (a role session: its session ARN and its role's ARN) and by account. */
  readonly arns?: readonly string[];
  readonly account?: string;
  /** A service principal such as `ecs-tasks.amazonaws.com`. */
  readonly service?: string;
}

export interface AuthorizationRequest {
  /** `service:Operation`, e.g. `secretsmanager:GetSecretValue`. */
  readonly action: string;
  /** The resource ARN (or `*` for actions without a resource type). */
  readonly resource: string;
  readonly principal: RequestPrincipal;
  /** Condition keys (lower-cased) -> values. */
  readonly context: ConditionContext;
}

/** One policy to evaluate: its name or ARN (for MatchedStatements) and its parsed document. */
export interface SourcePolicy {
  readonly id: string;
  readonly type: 'identity' | 'resource' | 'trust';
  readonly document: unknown;
}

export interface MatchedStatement {
  readonly sourcePolicyId: string;
  readonly sourcePolicyType: SourcePolicy['type'];
  readonly statementIndex: number;
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
}

export interface Evaluation {
  readonly decision: EvalDecision;
  /** The statements that decided: the denies on an explicit deny, else the allows. */
  readonly matched: readonly MatchedStatement[];
  /** Which kind of policy denied explicitly, for AWS's "with an explicit deny in a ... policy" wording. */
  readonly deniedBy?: SourcePolicy['type'];
}

type Statement = Readonly<Record<string, unknown>>;

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function statementsOf(document: unknown): Statement[] {
  if (typeof document !== 'object' || document === null) return [];
  return list((document as Record<string, unknown>).Statement).filter((item): item is Statement => typeof item === 'object' && item !== null && !Array.isArray(item));
}

/** Actions compare without regard to case, with `*` and `?` wildcards. */
export function actionMatches(pattern: unknown, action: string): boolean {
  return typeof pattern === 'string' && (pattern === '*' || wildcardMatch(pattern, action, true));
}

/**
 * Policy variables (`${aws:username}`, `${aws:PrincipalTag/team}`) in a
 * Resource are replaced by the request's values; `${*}`, `${?}` and `${$}`
 * are the literal characters. An unknown variable matches nothing.
 */
export function substituteVariables(text: string, context: ConditionContext): string | undefined {
  if (!text.includes('${')) return text;
  let missing = false;
  const out = text.replace(/\$\{([^}]+)\}/g, (_all, name: string) => {
    if (name === '*' || name === '?' || name === '$') return `\u0000${name}`;
    const values = context[name.toLowerCase()];
    if (!values || values.length !== 1) {
      missing = true;
      return '';
    }
    return values[0]!;
  });
  return missing ? undefined : out;
}

/** Resources compare case-sensitively: ARNs part by part, with wildcards. */
export function resourceMatches(pattern: unknown, resource: string, context: ConditionContext): boolean {
  if (typeof pattern !== 'string') return false;
  if (pattern === '*') return true;
  const substituted = substituteVariables(pattern, context);
  if (substituted === undefined) return false;
  // Escaped `${*}` / `${?}` become literal characters: compare them exactly.
  if (substituted.includes('\u0000')) {
    const literal = substituted.replace(/\u0000(.)/g, '$1');
    return literal === resource;
  }
  return resource === '*' ? substituted === '*' : arnMatch(substituted, resource) || substituted === resource;
}

/**
 * Whether a Principal element names the caller: `specific` (the caller's ARN,
 * a service, or `*`), `account` (the caller's account or its root ARN), or not.
 */
export function principalMatch(element: unknown, principal: RequestPrincipal): 'specific' | 'account' | undefined {
  if (element === '*') return 'specific';
  if (typeof element !== 'object' || element === null) return undefined;
  const entry = element as Record<string, unknown>;
  let found: 'account' | undefined;
  for (const value of list(entry.AWS)) {
    if (typeof value !== 'string') continue;
    if (value === '*' || (principal.arns ?? []).some((arn) => arn === value)) return 'specific';
    if (principal.account && (value === principal.account || /^arn:[^:]+:iam::(\d{12}):root$/.exec(value)?.[1] === principal.account)) found = 'account';
  }
  for (const value of list(entry.Service)) {
    if (typeof value === 'string' && principal.service !== undefined && value.toLowerCase() === principal.service.toLowerCase()) return 'specific';
  }
  return found;
}

export function principalMatches(element: unknown, principal: RequestPrincipal): boolean {
  return principalMatch(element, principal) !== undefined;
}

function statementApplies(statement: Statement, request: AuthorizationRequest, type: SourcePolicy['type']): boolean {
  const actionOk =
    statement.Action !== undefined
      ? list(statement.Action).some((pattern) => actionMatches(pattern, request.action))
      : statement.NotAction !== undefined && !list(statement.NotAction).some((pattern) => actionMatches(pattern, request.action));
  if (!actionOk) return false;
  if (type !== 'trust' || statement.Resource !== undefined || statement.NotResource !== undefined) {
    const resourceOk =
      statement.Resource !== undefined
        ? list(statement.Resource).some((pattern) => resourceMatches(pattern, request.resource, request.context))
        : statement.NotResource !== undefined
          ? !list(statement.NotResource).some((pattern) => resourceMatches(pattern, request.resource, request.context))
          : type !== 'identity'; // resource and trust policies apply to their own resource
    if (!resourceOk) return false;
  }
  if (type !== 'identity') {
    if (statement.Principal !== undefined) {
      const match = principalMatch(statement.Principal, request.principal);
      if (!match) return false;
      // A resource policy that allows "the account" delegates to the account's identity policies: it grants nothing itself.
      if (match === 'account' && type === 'resource' && statement.Effect === 'Allow') return false;
    } else if (statement.NotPrincipal === undefined || principalMatches(statement.NotPrincipal, request.principal)) return false;
  }
  return conditionHolds(statement.Condition, request.context);
}

/** Evaluates the request against every policy given (identity, resource or trust). */
export function evaluate(policies: readonly SourcePolicy[], request: AuthorizationRequest): Evaluation {
  const allows: MatchedStatement[] = [];
  const denies: MatchedStatement[] = [];
  let deniedBy: SourcePolicy['type'] | undefined;
  for (const policy of policies) {
    statementsOf(policy.document).forEach((statement, index) => {
      if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') return;
      if (!statementApplies(statement, request, policy.type)) return;
      const matched: MatchedStatement = {
        sourcePolicyId: policy.id,
        sourcePolicyType: policy.type,
        statementIndex: index,
        ...(typeof statement.Sid === 'string' ? { sid: statement.Sid } : {}),
        effect: statement.Effect,
      };
      if (statement.Effect === 'Deny') {
        denies.push(matched);
        deniedBy ??= policy.type;
      } else allows.push(matched);
    });
  }
  if (denies.length > 0) return { decision: 'explicitDeny', matched: denies, ...(deniedBy ? { deniedBy } : {}) };
  if (allows.length > 0) return { decision: 'allowed', matched: allows };
  return { decision: 'implicitDeny', matched: [] };
}

const POLICY_KIND_WORDS: Readonly<Record<SourcePolicy['type'], string>> = { identity: 'identity-based', resource: 'resource-based', trust: 'resource-based' };

/**
 * AWS's access-denied sentence: "User: <arn> is not authorized to perform:
 * <action> on resource: <arn> because no identity-based policy allows the
 * <action> action" (or "with an explicit deny in an identity-based policy").
 */
export function accessDeniedMessage(principalArn: string, request: Pick<AuthorizationRequest, 'action' | 'resource'>, evaluation: Evaluation): string {
  const head = `User: ${principalArn} is not authorized to perform: ${request.action} on resource: ${request.resource}`;
  if (evaluation.decision === 'explicitDeny') return `${head} with an explicit deny in ${evaluation.deniedBy === 'identity' ? 'an' : 'a'} ${POLICY_KIND_WORDS[evaluation.deniedBy ?? 'identity']} policy`;
  return `${head} because no identity-based policy allows the ${request.action} action`;
}
