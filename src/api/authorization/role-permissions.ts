import { AwsError } from '../../domain/errors.js';
import { ECR_KIND, type RepositoryRecord } from '../../domain/ecr/records.js';
import type { ActionScope, ResourceRef } from '../../domain/iam/action-map.js';
import type { ConditionContext } from '../../domain/iam/condition-operators.js';
import { assumedRoleArn, parseAssumedRoleArn, parseRoleArn } from '../../domain/iam/names.js';
import { accessDeniedMessage, type Evaluation } from '../../domain/iam/policy-evaluation.js';
import { authorizeRoleSession, roleSessionContext, roleSessionPrincipal, trustAllows, type CallFacts } from '../../domain/iam/role-authorization.js';
import { IAM_KIND, iamScope, roleRecordId, type RoleRecord } from '../../domain/iam/roles.js';
import { SECRETS_KIND, type SecretRecord } from '../../domain/secrets/records.js';
import { answersTo, lookupCandidates, parseSecretId } from '../../domain/secrets/secret-id.js';
import type { Logger } from '../../ports/logger.js';
import type { Store } from '../../ports/store.js';

export type PermissionAnswer = { readonly allowed: true } | { readonly allowed: false; readonly message: string; readonly evaluation: Evaluation; readonly resource: string };

export interface PermissionCheck {
  /** A role session ARN (`arn:aws:sts::<account>:assumed-role/<role>/<session>`). */
  readonly sessionArn: string;
  readonly action: string;
  readonly resources: readonly ResourceRef[];
  readonly scope: ActionScope;
  readonly facts: CallFacts;
  readonly context?: ConditionContext;
}

/**
 * What a role session may do, read from the store: the role's policies, the
 * resource's ARN as IAM sees it (a secret's full ARN with its suffix) and the
 * resource's own policy (Secrets Manager resource policies, ECR repository
 * policies). Used by the gateway's authorizer for API calls and by the task
 * supervisor for what the execution role does when a task starts.
 */
export class RolePermissions {
  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  async findRole(account: string, name: string): Promise<RoleRecord | undefined> {
    return (await this.store.get<RoleRecord>(IAM_KIND.role, iamScope(account), roleRecordId(name)))?.doc;
  }

  /** The session ARN ECS's agent speaks as for a role (`assumed-role/<role>/<task id>`). */
  static sessionArnFor(roleArn: string, sessionName: string): string | undefined {
    const role = parseRoleArn(roleArn);
    return role ? assumedRoleArn(role, sessionName) : undefined;
  }

  async check(request: PermissionCheck): Promise<PermissionAnswer> {
    const session = parseAssumedRoleArn(request.sessionArn);
    if (!session) return { allowed: true };
    const role = await this.findRole(session.account, session.roleName);
    for (const ref of request.resources) {
      const { arn, policy } = await this.resolve(ref, request.scope);
      if (!role) {
        const evaluation: Evaluation = { decision: 'implicitDeny', matched: [] };
        return { allowed: false, evaluation, resource: arn, message: accessDeniedMessage(request.sessionArn, { action: request.action, resource: arn }, evaluation) };
      }
      const context = roleSessionContext(role, request.facts, request.context);
      const evaluation = authorizeRoleSession(role, { action: request.action, resource: arn, principal: roleSessionPrincipal(role, request.sessionArn), context }, policy);
      if (evaluation.decision !== 'allowed') {
        this.logger.info({ principal: request.sessionArn, action: request.action, resource: arn, decision: evaluation.decision, matched: evaluation.matched, policies: [...Object.keys(role.inlinePolicies), ...role.attachedPolicies] }, 'IAM denied a request');
        return { allowed: false, evaluation, resource: arn, message: accessDeniedMessage(request.sessionArn, { action: request.action, resource: arn }, evaluation) };
      }
    }
    return { allowed: true };
  }

  /**
   * The check the task supervisor makes as a task's execution role (secrets,
   * pulls, log writes): AWS's denial sentence, or undefined when allowed.
   */
  async executionRoleDenial(request: { roleArn: string; sessionName: string; scope: { account: string; region: string }; action: string; resource: ResourceRef }, now: Date): Promise<string | undefined> {
    const sessionArn = RolePermissions.sessionArnFor(request.roleArn, request.sessionName);
    const partition = request.roleArn.split(':')[1] ?? 'aws';
    if (!sessionArn) return `User: ${request.roleArn} is not authorized to perform: ${request.action}`; // unverified wording
    const answer = await this.check({ sessionArn, action: request.action, resources: [request.resource], scope: { partition, ...request.scope }, facts: { now, region: request.scope.region, secureTransport: true } });
    return answer.allowed ? undefined : answer.message;
  }

  /** Whether a role exists and trusts this service principal (ecs-tasks.amazonaws.com). */
  async trustsService(roleArn: string, service: string): Promise<boolean> {
    const target = parseRoleArn(roleArn);
    const role = target && (await this.findRole(target.account, target.name));
    return !!role && role.Arn === roleArn && trustAllows(role, { service }).decision === 'allowed';
  }

  private async resolve(ref: ResourceRef, scope: ActionScope): Promise<{ arn: string; policy?: unknown }> {
    if ('secretId' in ref || ref.arn.includes(':secretsmanager:')) {
      const secretId = 'secretId' in ref ? ref.secretId : ref.arn;
      const secret = await this.findSecret(secretId, scope);
      if (secret) return { arn: secret.arn, ...(secret.resourcePolicy ? { policy: parse(secret.resourcePolicy) } : {}) };
      return { arn: 'secretId' in ref ? `arn:${scope.partition}:secretsmanager:${scope.region}:${scope.account}:secret:${ref.secretId}` : ref.arn };
    }
    const repository = /^arn:[^:]+:ecr:([^:]+):(\d{12}):repository\/(.+)$/.exec(ref.arn);
    if (repository) {
      const record = await this.store.get<RepositoryRecord>(ECR_KIND.repository, { account: repository[2]!, region: repository[1]! }, repository[3]!);
      const policyText = record?.doc.repositoryPolicyText;
      return { arn: ref.arn, ...(policyText ? { policy: parse(policyText) } : {}) };
    }
    return { arn: ref.arn };
  }

  private async findSecret(secretId: string, scope: ActionScope): Promise<SecretRecord | undefined> {
    const at = { account: scope.account, region: scope.region };
    const id = parseSecretId(secretId);
    for (const candidate of lookupCandidates(id, at)) {
      const record = await this.store.get<SecretRecord>(SECRETS_KIND.secret, at, candidate);
      if (record && answersTo(id, candidate, record.doc)) return record.doc;
    }
    return undefined;
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The access-denied error each protocol speaks: Query services say AccessDenied, JSON ones AccessDeniedException. */
export function accessDenied(message: string, query: boolean): AwsError {
  return query ? new AwsError('AccessDenied', message, { status: 403 }) : new AwsError('AccessDeniedException', message, { status: 400 });
}
