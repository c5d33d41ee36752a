import { clientException, invalidParameter } from '../errors.js';
import { parseRoleArn } from '../iam/names.js';

/**
 * The ARNs ECS takes from callers. An account setting belongs to an IAM user,
 * an IAM role or the root user of the caller's own account; a task's roles are
 * IAM role ARNs. Anything else (another account's principal, free text, a
 * quoted SQL fragment) is refused before it is stored.
 */
const SETTING_PRINCIPAL = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):(root|(?:user|role)(?:\/[\u0021-\u007E]*)?\/[\w+=,.@-]{1,64})$/;

export function checkSettingPrincipal(principalArn: string, partition: string, account: string): void {
  const match = SETTING_PRINCIPAL.exec(principalArn);
  if (!match || match[1] !== partition || match[2] !== account) {
    throw invalidParameter(`Invalid principalArn: '${principalArn}'. It must be the ARN of an IAM user, an IAM role or the root user of this account.`); // unverified wording
  }
}

/** taskRoleArn and executionRoleArn: ECS answers a malformed one with "Role is not valid". */
export function checkRoleArn(arn: string | undefined): void {
  if (arn === undefined) return;
  if (!parseRoleArn(arn)) throw clientException('Role is not valid');
}
