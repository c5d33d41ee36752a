import { AwsError } from '../../domain/errors.js';
import { actionTarget } from '../../domain/iam/action-map.js';
import { parseAssumedRoleArn, parseRoleArn } from '../../domain/iam/names.js';
import { evaluate, accessDeniedMessage, type Evaluation } from '../../domain/iam/policy-evaluation.js';
import { roleAntiPatterns, rolePolicies, roleSessionPrincipal } from '../../domain/iam/role-authorization.js';
import type { Logger } from '../../ports/logger.js';
import type { RequestContext } from '../service.js';
import { accessDenied, RolePermissions } from './role-permissions.js';

/** One API call as the gateway has it once the input is validated. */
export interface AuthorizationCall {
  readonly signingName: string;
  readonly operation: string;
  readonly input: unknown;
  readonly ctx: RequestContext;
  /** Query-protocol services answer AccessDenied, JSON ones AccessDeniedException. */
  readonly query: boolean;
  readonly sourceIp?: string;
}

/** Throws the service's access-denied error when IAM would refuse the call. */
export type Authorize = (call: AuthorizationCall) => Promise<void>;

const QUERY_CODE_SERVICES = new Set(['iam', 'sts', 'elasticloadbalancing', 'monitoring']);

/**
 * IAM enforcement for API calls: a call made with a role session's
 * temporary credentials (a task role, an AssumeRole session) is evaluated
 * against that role's policies and the resource's own policy; the
 * configured root keys stay allowed everything, as the account root is.
 * sts:AssumeRole is also held to the target role's trust policy, whoever calls.
 */
/** The task role and execution role a task definition names (main.ts reads them through the ECS API's resolver). */
export type TaskDefinitionRoles = (scope: { account: string; region: string }, reference: string) => Promise<{ taskRoleArn?: string; executionRoleArn?: string } | undefined>;

const ECS_TASKS = 'ecs-tasks.amazonaws.com';

export function iamAuthorizer(permissions: RolePermissions, logger: Logger, taskDefinitionRoles?: TaskDefinitionRoles): Authorize {
  return async (call) => {
    const input = (typeof call.input === 'object' && call.input !== null ? call.input : {}) as Record<string, unknown>;
    const scope = { partition: call.ctx.partition, account: call.ctx.scope.account, region: call.ctx.scope.region };
    const target = actionTarget(call.signingName, call.operation, input, scope);
    const query = call.query || QUERY_CODE_SERVICES.has(call.signingName);
    const facts = { now: call.ctx.now, region: call.ctx.scope.region, secureTransport: false, ...(call.sourceIp ? { sourceIp: call.sourceIp } : {}) };

    if (target.action === 'sts:AssumeRole' && typeof input.RoleArn === 'string') {
      await checkTrust(permissions, logger, call.ctx.principalArn, call.ctx.scope.account, input.RoleArn, query);
      return;
    }
    const launches = target.action === 'ecs:RunTask' || target.action === 'ecs:StartTask' || target.action === 'ecs:CreateService';
    if (launches && taskDefinitionRoles && typeof input.taskDefinition === 'string') {
      const definition = await taskDefinitionRoles(call.ctx.scope, input.taskDefinition).catch(() => undefined);
      await reportAntiPatterns(permissions, logger, input, definition);
      if (target.action !== 'ecs:CreateService') await checkEcsTrust(permissions, logger, input, definition);
    }
    // GetCallerIdentity needs no permission: AWS answers it even when an explicit deny covers it.
    if (!parseAssumedRoleArn(call.ctx.principalArn) || target.action === 'sts:GetCallerIdentity') return;
    const answer = await permissions.check({ sessionArn: call.ctx.principalArn, action: target.action, resources: target.resources, scope, facts });
    if (!answer.allowed) throw accessDenied(answer.message, query);
  };
}

/** The seed's role anti-patterns, named in Wharf's log when a task or service starts with them. */
async function reportAntiPatterns(permissions: RolePermissions, logger: Logger, input: Record<string, unknown>, definition: { taskRoleArn?: string; executionRoleArn?: string } | undefined): Promise<void> {
  const overrides = (typeof input.overrides === 'object' && input.overrides !== null ? input.overrides : {}) as Record<string, unknown>;
  const taskRoleArn = (overrides.taskRoleArn as string | undefined) ?? definition?.taskRoleArn;
  const executionRoleArn = (overrides.executionRoleArn as string | undefined) ?? definition?.executionRoleArn;
  const target = taskRoleArn ? parseRoleArn(taskRoleArn) : undefined;
  const taskRole = target && (await permissions.findRole(target.account, target.name));
  for (const finding of roleAntiPatterns(taskRole, executionRoleArn)) {
    logger.warn({ taskDefinition: input.taskDefinition, ...(typeof input.serviceName === 'string' ? { service: input.serviceName } : {}) }, `IAM anti-pattern: ${finding}`);
  }
}

/**
 * ECS assumes a task's roles as ecs-tasks.amazonaws.com: each must exist and
 * trust that service, or RunTask fails as ECS words it.
 */
async function checkEcsTrust(permissions: RolePermissions, logger: Logger, input: Record<string, unknown>, definition: { taskRoleArn?: string; executionRoleArn?: string } | undefined): Promise<void> {
  const overrides = (typeof input.overrides === 'object' && input.overrides !== null ? input.overrides : {}) as Record<string, unknown>;
  const roles = [overrides.taskRoleArn ?? definition?.taskRoleArn, overrides.executionRoleArn ?? definition?.executionRoleArn].filter((arn): arn is string => typeof arn === 'string' && arn !== '');
  for (const roleArn of roles) {
    if (await permissions.trustsService(roleArn, ECS_TASKS)) continue;
    logger.info({ role: roleArn, service: ECS_TASKS }, 'IAM: the role does not trust ECS tasks');
    // unverified wording (the error code; the sentence is what ECS reports)
    throw new AwsError('ClientException', `ECS was unable to assume the role '${roleArn}' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role.`);
  }
}

/**
 * AssumeRole in one account: the trust policy must name the caller (its
 * ARN, or the account); when it names only the account, the caller's own
 * policies must allow sts:AssumeRole on the role (root needs none).
 */
async function checkTrust(permissions: RolePermissions, logger: Logger, callerArn: string, account: string, roleArn: string, query: boolean): Promise<void> {
  const target = parseRoleArn(roleArn);
  const role = target && (await permissions.findRole(target.account, target.name));
  if (!role || role.Arn !== roleArn) return; // STS itself answers for a role that does not exist
  const session = parseAssumedRoleArn(callerArn);
  const callerRole = session && (await permissions.findRole(session.account, session.roleName));
  const principal = callerRole ? roleSessionPrincipal(callerRole, callerArn) : { arns: [callerArn], account };
  const request = { action: 'sts:AssumeRole', resource: role.Arn, principal, context: {} };
  const trust = evaluate([{ id: 'AssumeRolePolicyDocument', type: 'trust', document: safeParse(role.AssumeRolePolicyDocument) }], request);
  let decided: Evaluation = trust;
  if (trust.decision === 'allowed' && session) {
    // Same account: the trust policy as a resource policy, and the caller's identity policies.
    decided = evaluate([...(callerRole ? rolePolicies(callerRole) : []), { id: 'AssumeRolePolicyDocument', type: 'resource', document: safeParse(role.AssumeRolePolicyDocument) }], request);
  }
  if (decided.decision !== 'allowed') {
    logger.info({ principal: callerArn, action: 'sts:AssumeRole', resource: role.Arn, decision: decided.decision, trust: trust.decision }, 'IAM denied a request');
    // A trust policy that does not name the caller: STS's short sentence, as for a role that does not exist.
    const message = trust.decision === 'allowed' ? accessDeniedMessage(callerArn, request, decided) : `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${role.Arn}`;
    throw accessDenied(message, query);
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
