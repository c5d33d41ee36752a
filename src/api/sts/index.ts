import { parseArn } from '../../domain/arn.js';
import { AwsError } from '../../domain/errors.js';
import { assumedRoleArn, checkSessionName, derivedRoleId, parseAssumedRoleArn, parseRoleArn } from '../../domain/iam/names.js';
import { IAM_KIND, iamScope, roleRecordId, type RoleRecord } from '../../domain/iam/roles.js';
import { assumeRoleDuration, DEFAULT_SESSION_TOKEN_SECONDS } from '../../domain/iam/sessions.js';
import type { SessionCredentials } from '../../ports/session-credentials.js';
import type { Store } from '../../ports/store.js';
import { loadModel } from '../model/load-model.js';
import type { RequestContext, ServiceApi } from '../service.js';

export interface StsApiDeps {
  readonly store: Store;
  readonly sessions: SessionCredentials;
}

interface AssumeRoleInput {
  RoleArn: string;
  RoleSessionName: string;
  DurationSeconds?: number;
  Policy?: string;
  PolicyArns?: unknown[];
  Tags?: unknown[];
}

/**
 * AWS STS over the Query protocol. AssumeRole hands out temporary
 * credentials for a role that exists in Wharf's IAM. Its trust policy is
 * evaluated only with --enforce-iam (by the gateway's authorizer); otherwise
 * any caller of the account may assume it. Session policies and tags are
 * accepted and ignored.
 */
export function stsApi(deps: StsApiDeps): ServiceApi {
  const findRole = async (account: string, name: string) => (await deps.store.get<RoleRecord>(IAM_KIND.role, iamScope(account), roleRecordId(name)))?.doc;

  return {
    signingName: 'sts',
    model: loadModel('sts'),
    validationErrorCode: 'ValidationError',
    handlers: {
      async GetCallerIdentity(_input: unknown, ctx: RequestContext) {
        const session = parseAssumedRoleArn(ctx.principalArn);
        if (session) {
          // A role session: `<role id>:<session name>`, the id of the role as IAM knows it (or a stable stand-in).
          const role = await findRole(session.account, session.roleName);
          const roleId = role?.RoleId ?? derivedRoleId(`arn:${session.partition}:iam::${session.account}:role/${session.roleName}`);
          return { UserId: `${roleId}:${session.sessionName}`, Account: session.account, Arn: ctx.principalArn };
        }
        const isRoot = ctx.principalArn.endsWith(':root');
        return { UserId: isRoot ? ctx.scope.account : ctx.accessKeyId, Account: ctx.scope.account, Arn: ctx.principalArn };
      },

      async AssumeRole(input: AssumeRoleInput, ctx: RequestContext) {
        checkSessionName(input.RoleSessionName);
        if (!parseArn(input.RoleArn)) throw new AwsError('ValidationError', 'Request ARN is invalid');
        const target = parseRoleArn(input.RoleArn);
        const role = target && (await findRole(target.account, target.name));
        // The ARN must name the role as it is (path included), as IAM resolves it; anything else is not assumable.
        if (!target || !role || role.Arn !== input.RoleArn) {
          throw new AwsError('AccessDenied', `User: ${ctx.principalArn} is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`, { status: 403 });
        }
        const seconds = assumeRoleDuration(input.DurationSeconds, role.MaxSessionDuration, parseAssumedRoleArn(ctx.principalArn) !== undefined);
        const credentials = deps.sessions.mint({ account: target.account, roleArn: role.Arn, sessionName: input.RoleSessionName }, ctx.now, seconds);
        const sessionPolicies = input.Policy !== undefined || (input.PolicyArns?.length ?? 0) > 0 || (input.Tags?.length ?? 0) > 0;
        return {
          Credentials: { AccessKeyId: credentials.accessKeyId, SecretAccessKey: credentials.secretAccessKey, SessionToken: credentials.sessionToken, Expiration: credentials.expiration },
          AssumedRoleUser: { AssumedRoleId: `${role.RoleId}:${input.RoleSessionName}`, Arn: assumedRoleArn(target, input.RoleSessionName) },
          // Session policies and tags are ignored; the packed size is an estimate of what they would take. unverified
          ...(sessionPolicies ? { PackedPolicySize: Math.min(100, Math.ceil(((input.Policy?.length ?? 0) + JSON.stringify(input.Tags ?? []).length) / 20.48)) } : {}),
        };
      },

      async GetSessionToken(input: { DurationSeconds?: number }, ctx: RequestContext) {
        if (parseAssumedRoleArn(ctx.principalArn) || ctx.accessKeyId.startsWith('ASIA')) {
          throw new AwsError('AccessDenied', 'Cannot call GetSessionToken with session credentials', { status: 403 });
        }
        // The session speaks for the caller itself (its own ARN), not for a role.
        const credentials = deps.sessions.mint({ account: ctx.scope.account, roleArn: ctx.principalArn, sessionName: ctx.accessKeyId }, ctx.now, input.DurationSeconds ?? DEFAULT_SESSION_TOKEN_SECONDS);
        return { Credentials: { AccessKeyId: credentials.accessKeyId, SecretAccessKey: credentials.secretAccessKey, SessionToken: credentials.sessionToken, Expiration: credentials.expiration } };
      },
    },
  };
}
