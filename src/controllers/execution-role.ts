import type { Scope } from '../ports/store.js';

/** What the execution role is asked to do at task start: an IAM action on a resource (a secret may be named without its ARN). */
export interface ExecutionRoleRequest {
  readonly roleArn: string;
  /** ECS's agent speaks for the execution role in a session named after the task. */
  readonly sessionName: string;
  readonly scope: Scope;
  readonly action: string;
  readonly resource: { readonly arn: string } | { readonly secretId: string };
}

/**
 * IAM enforcement for what Wharf does as a task's execution role (secrets,
 * ECR pulls, awslogs writes), handed in by main.ts when `--enforce-iam` is
 * on. Answers AWS's access-denied sentence, or undefined when allowed.
 */
export interface ExecutionRoleCheck {
  denial(request: ExecutionRoleRequest): Promise<string | undefined>;
}
