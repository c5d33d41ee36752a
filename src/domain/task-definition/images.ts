/**
 * Image references that need AWS credentials to pull. Fargate pulls them with
 * the task's execution role, so their presence changes both the rules and the
 * capabilities ECS records.
 */

// <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<repository>[:tag|@digest]
const ECR_IMAGE = /^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/.+/;

export function isEcrImage(image: string | undefined): boolean {
  return image !== undefined && ECR_IMAGE.test(image);
}

/** Secrets Manager ARNs go through ASM; everything else (a name or an SSM ARN) is a Parameter Store reference. */
export function secretSource(valueFrom: string): 'asm' | 'ssm' {
  return /^arn:aws[a-z-]*:secretsmanager:/.test(valueFrom) ? 'asm' : 'ssm';
}
