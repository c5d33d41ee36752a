/**
 * Image references that need AWS credentials to pull. Fargate pulls them with
 * the task's execution role, so their presence changes both the rules and the
 * capabilities ECS records.
 */

import { isEcrImage as namesEcrRepository } from '../ecr/image-reference.js';

/**
 * `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<repository>[:tag|@digest]`,
 * or, when Wharf's registry host is given, its own `<host>/<repository>` form
 * (the repositoryUri Wharf hands out), which Wharf treats as ECR too.
 */
export function isEcrImage(image: string | undefined, registryHost?: string): boolean {
  return namesEcrRepository(image, registryHost);
}

/** Secrets Manager ARNs go through ASM; everything else (a name or an SSM ARN) is a Parameter Store reference. */
export function secretSource(valueFrom: string): 'asm' | 'ssm' {
  return /^arn:aws[a-z-]*:secretsmanager:/.test(valueFrom) ? 'asm' : 'ssm';
}
