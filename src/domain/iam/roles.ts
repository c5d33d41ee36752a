import { AwsError } from '../errors.js';
import { checkPath, checkPolicyName, checkRoleName, roleArn } from './names.js';
import { checkIdentityPolicy, checkTrustPolicy, policySize } from './policy-document.js';

/**
 * IAM roles. IAM is global: a role lives in one scope per account whatever
 * region the client signed for. Names are unique without regard to case, so
 * the record id is the lower-cased name. Inline and attached policies sit on
 * the role record, so DeleteRole's conflict check and the delete are one
 * consistent read and write.
 */
export const IAM_KIND = { role: 'iam.role' } as const;
export const IAM_GLOBAL_REGION = 'aws-global';

export const iamScope = (account: string) => ({ account, region: IAM_GLOBAL_REGION });
export const roleRecordId = (name: string) => name.toLowerCase();

/** IAM's default and the range CreateRole/UpdateRole accept (also in the model). */
export const DEFAULT_MAX_SESSION_DURATION = 3600;
/** Default quotas: role trust policy size, inline policy bytes per role, managed policies per role. */
export const TRUST_POLICY_MAX = 2048;
export const INLINE_POLICIES_MAX = 10240;
export const ATTACHED_POLICIES_MAX = 10;
export const TAGS_MAX = 50;

export interface IamTag {
  readonly Key: string;
  readonly Value: string;
}

export interface RoleRecord {
  readonly RoleName: string;
  readonly RoleId: string;
  readonly Arn: string;
  readonly Path: string;
  /** Epoch milliseconds. */
  readonly CreateDate: number;
  /** The trust policy as the client sent it (evaluated for AssumeRole and ECS with --enforce-iam). */
  readonly AssumeRolePolicyDocument: string;
  readonly Description?: string;
  readonly MaxSessionDuration: number;
  readonly PermissionsBoundary?: string;
  readonly Tags: readonly IamTag[];
  /** Inline policies by name, as sent. */
  readonly inlinePolicies: Readonly<Record<string, string>>;
  /** Managed policy ARNs, in attach order. */
  readonly attachedPolicies: readonly string[];
}

export interface CreateRoleInput {
  readonly RoleName: string;
  readonly AssumeRolePolicyDocument: string;
  readonly Path?: string;
  readonly Description?: string;
  readonly MaxSessionDuration?: number;
  readonly PermissionsBoundary?: string;
  readonly Tags?: readonly IamTag[];
}

export const noSuchRole = (name: string) => new AwsError('NoSuchEntity', `The role with name ${name} cannot be found.`, { status: 404 });

export function checkTrustPolicyForRole(text: string): void {
  if (policySize(checkTrustPolicy(text)) > TRUST_POLICY_MAX) {
    throw new AwsError('LimitExceeded', `Cannot exceed quota for ACLSizePerRole: ${TRUST_POLICY_MAX}`, { status: 409 });
  }
}

function checkBoundary(arn: string): void {
  if (!/^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}|aws):policy\/.+$/.test(arn)) {
    throw new AwsError('InvalidInput', `ARN ${arn} is not valid.`);
  }
}

export function newRole(input: CreateRoleInput, at: { account: string; partition: string; roleId: string; now: number }): RoleRecord {
  checkRoleName(input.RoleName);
  const path = input.Path ?? '/';
  checkPath(path);
  checkTrustPolicyForRole(input.AssumeRolePolicyDocument);
  if (input.PermissionsBoundary !== undefined) checkBoundary(input.PermissionsBoundary);
  return {
    RoleName: input.RoleName,
    RoleId: at.roleId,
    Arn: roleArn(at.partition, at.account, path, input.RoleName),
    Path: path,
    CreateDate: at.now,
    AssumeRolePolicyDocument: input.AssumeRolePolicyDocument,
    ...(input.Description !== undefined ? { Description: input.Description } : {}),
    MaxSessionDuration: input.MaxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION,
    ...(input.PermissionsBoundary !== undefined ? { PermissionsBoundary: input.PermissionsBoundary } : {}),
    Tags: mergeTags([], input.Tags ?? []),
    inlinePolicies: {},
    attachedPolicies: [],
  };
}

/** IAM tag keys are matched without regard to case: a new value replaces the old key. */
export function mergeTags(existing: readonly IamTag[], added: readonly IamTag[]): IamTag[] {
  const seen = new Set<string>();
  for (const tag of added) {
    const key = tag.Key.toLowerCase();
    if (seen.has(key)) throw new AwsError('InvalidInput', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    seen.add(key);
  }
  const merged = existing.filter((tag) => !seen.has(tag.Key.toLowerCase())).concat(added.map((tag) => ({ Key: tag.Key, Value: tag.Value })));
  if (merged.length > TAGS_MAX) throw new AwsError('LimitExceeded', `The number of tags has reached the maximum limit.`, { status: 409 }); // unverified wording
  return merged;
}

export function removeTags(existing: readonly IamTag[], keys: readonly string[]): IamTag[] {
  const removed = new Set(keys.map((key) => key.toLowerCase()));
  return existing.filter((tag) => !removed.has(tag.Key.toLowerCase()));
}

export function putInlinePolicy(role: RoleRecord, name: string, document: string): RoleRecord {
  checkPolicyName(name);
  const parsed = checkIdentityPolicy(document);
  const others = Object.entries(role.inlinePolicies).filter(([existing]) => existing !== name);
  const total = others.reduce((sum, [, text]) => sum + policySize(JSON.parse(text)), policySize(parsed));
  if (total > INLINE_POLICIES_MAX) {
    throw new AwsError('LimitExceeded', `Maximum policy size of ${INLINE_POLICIES_MAX} bytes exceeded for role ${role.RoleName}`, { status: 409 });
  }
  return { ...role, inlinePolicies: { ...role.inlinePolicies, [name]: document } };
}

export function deleteInlinePolicy(role: RoleRecord, name: string): RoleRecord {
  if (!Object.hasOwn(role.inlinePolicies, name)) throw noSuchRolePolicy(name);
  const { [name]: _removed, ...rest } = role.inlinePolicies;
  return { ...role, inlinePolicies: rest };
}

export const noSuchRolePolicy = (name: string) => new AwsError('NoSuchEntity', `The role policy with name ${name} cannot be found.`, { status: 404 });

const POLICY_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}|aws):policy\/(?:[\u0021-\u007E]*\/)?[\w+=,.@-]{1,128}$/;

/** Any well-formed policy ARN is accepted (AWS managed or customer); only the AWS managed ones in managed-policies.ts grant anything. */
export function attachPolicy(role: RoleRecord, policyArn: string): RoleRecord {
  if (!POLICY_ARN.test(policyArn)) throw new AwsError('InvalidInput', `ARN ${policyArn} is not valid.`);
  if (role.attachedPolicies.includes(policyArn)) return role;
  if (role.attachedPolicies.length >= ATTACHED_POLICIES_MAX) {
    throw new AwsError('LimitExceeded', `Cannot exceed quota for PoliciesPerRole: ${ATTACHED_POLICIES_MAX}`, { status: 409 });
  }
  return { ...role, attachedPolicies: [...role.attachedPolicies, policyArn] };
}

export function detachPolicy(role: RoleRecord, policyArn: string): RoleRecord {
  if (!role.attachedPolicies.includes(policyArn)) throw new AwsError('NoSuchEntity', `Policy ${policyArn} was not found.`, { status: 404 });
  return { ...role, attachedPolicies: role.attachedPolicies.filter((arn) => arn !== policyArn) };
}

/** DeleteRole refuses while policies remain, as IAM does: managed ones first, then inline. */
export function checkDeletable(role: RoleRecord): void {
  if (role.attachedPolicies.length > 0) throw new AwsError('DeleteConflict', 'Cannot delete entity, must detach all policies first.', { status: 409 });
  if (Object.keys(role.inlinePolicies).length > 0) throw new AwsError('DeleteConflict', 'Cannot delete entity, must delete policies first.', { status: 409 });
}

/** The policy name of a managed policy ARN (what ListAttachedRolePolicies shows). */
export function policyNameOf(policyArn: string): string {
  return policyArn.slice(policyArn.lastIndexOf('/') + 1);
}

/** The path of a managed policy ARN, for ListAttachedRolePolicies' PathPrefix. */
export function policyPathOf(policyArn: string): string {
  const resource = policyArn.slice(policyArn.indexOf(':policy') + ':policy'.length);
  return resource.slice(0, resource.lastIndexOf('/') + 1);
}
