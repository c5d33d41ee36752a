import { logsInvalidParameter } from './errors.js';

/** CloudWatch Logs takes a KMS key by its ARN only (`arn:aws:kms:<region>:<account>:key/<id>`). */
const KMS_KEY_ARN = /^arn:(aws|aws-cn|aws-us-gov):kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]{1,128}$/;

export function checkKmsKeyArn(kmsKeyId: string | undefined): void {
  if (kmsKeyId !== undefined && !KMS_KEY_ARN.test(kmsKeyId)) {
    throw logsInvalidParameter(`Specified KMS key ARN is not valid: ${kmsKeyId}`); // unverified wording
  }
}
