import { AwsError } from '../errors.js';

/**
 * IAM's names, paths and ARNs for roles and role sessions. The model's
 * patterns are not anchored (a pattern ending in `*` matches anything), so the
 * rules here anchor them as IAM and STS do.
 */
const NAME = /^[\w+=,.@-]+$/;
const PATH = /^(\/|\/[\u0021-\u007E]+\/)$/;

function patternError(value: string, member: string, pattern: string): AwsError {
  return new AwsError('ValidationError', `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern}`);
}

export function checkRoleName(name: string): void {
  if (name.length > 64 || !NAME.test(name)) throw patternError(name, 'roleName', '[\\w+=,.@-]+');
}

export function checkPolicyName(name: string): void {
  if (name.length > 128 || !NAME.test(name)) throw patternError(name, 'policyName', '[\\w+=,.@-]+');
}

/** STS role session names: 2 to 64 of `[\w+=,.@-]`. */
export function checkSessionName(name: string): void {
  if (name.length < 2 || name.length > 64) {
    throw new AwsError('ValidationError', `1 validation error detected: Value '${name}' at 'roleSessionName' failed to satisfy constraint: Member must have length ${name.length < 2 ? 'greater than or equal to 2' : 'less than or equal to 64'}`);
  }
  if (!NAME.test(name)) throw patternError(name, 'roleSessionName', '[\\w+=,.@-]*');
}

/** `/` or `/a/b/`: begins and ends with a slash, printable ASCII between. */
export function checkPath(path: string): void {
  if (path.length > 512 || !PATH.test(path)) {
    throw new AwsError('ValidationError', 'The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.');
  }
}

export function roleArn(partition: string, account: string, path: string, name: string): string {
  return `arn:${partition}:iam::${account}:role${path}${name}`;
}

export interface RoleArnParts {
  readonly partition: string;
  readonly account: string;
  readonly path: string;
  readonly name: string;
}

export function parseRoleArn(arn: string): RoleArnParts | undefined {
  const match = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role(\/(?:[\u0021-\u007E]*\/)?)([\w+=,.@-]{1,64})$/.exec(arn);
  if (!match) return undefined;
  return { partition: match[1]!, account: match[2]!, path: match[3]!, name: match[4]! };
}

/** The principal of a role session: the role's name (never its path) and the session name. */
export function assumedRoleArn(role: RoleArnParts, sessionName: string): string {
  return `arn:${role.partition}:sts::${role.account}:assumed-role/${role.name}/${sessionName}`;
}

export function parseAssumedRoleArn(arn: string): { partition: string; account: string; roleName: string; sessionName: string } | undefined {
  const match = /^arn:(aws|aws-cn|aws-us-gov):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(arn);
  return match ? { partition: match[1]!, account: match[2]!, roleName: match[3]!, sessionName: match[4]! } : undefined;
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A role id as IAM prints them: `AROA` and 17 characters, from caller-supplied random bytes. */
export function formatRoleId(random: ArrayLike<number>): string {
  if (random.length < 17) throw new Error('formatRoleId needs 17 random bytes');
  let id = 'AROA';
  for (let i = 0; i < 17; i++) id += ID_ALPHABET[random[i]! & 31];
  return id;
}

/**
 * A stable role id for a role Wharf has no record of (a task role named in a
 * task definition but never created): the same ARN always gives the same id.
 */
export function derivedRoleId(seed: string): string {
  const bytes: number[] = [];
  // FNV-1a, re-seeded per output character: stable and well spread, not secret.
  for (let i = 0; bytes.length < 17; i++) {
    let hash = 0x811c9dc5 ^ i;
    for (let j = 0; j < seed.length; j++) {
      hash ^= seed.charCodeAt(j);
      hash = Math.imul(hash, 0x01000193);
    }
    bytes.push((hash >>> 11) & 31);
  }
  return formatRoleId(bytes);
}
