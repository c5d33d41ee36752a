import { AwsError } from '../errors.js';
import { invalidRequest } from './errors.js';
import type { RotationRules, RotationState, SecretRecord } from './records.js';

/**
 * Wharf has no Lambda, so no rotation function can be invoked: AWS answers
 * RotateSecret this way when it cannot invoke the function.
 */
// unverified wording
export const cannotInvokeRotation = () =>
  new AwsError('AccessDeniedException', 'Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.');

export interface RotateInput {
  readonly RotationLambdaARN?: string;
  readonly RotationRules?: RotationRules;
}

/**
 * The rotation configuration RotateSecret leaves: the given function and
 * rules replace the stored ones, and rotation is on. A call naming no
 * function needs one configured before.
 */
export function configureRotation(secret: SecretRecord, input: RotateInput): RotationState {
  const lambdaArn = input.RotationLambdaARN ?? secret.rotation?.lambdaArn;
  // unverified wording
  if (lambdaArn === undefined) throw invalidRequest('No Lambda rotation function ARN is associated with this secret.');
  const rules = input.RotationRules ?? secret.rotation?.rules;
  checkRules(rules);
  return { ...secret.rotation, enabled: true, lambdaArn, ...(rules !== undefined ? { rules } : {}) };
}

function checkRules(rules: RotationRules | undefined): void {
  if (rules === undefined) return;
  if (rules.AutomaticallyAfterDays !== undefined && rules.ScheduleExpression !== undefined) {
    // unverified wording
    throw new AwsError('InvalidParameterException', "You can't specify both AutomaticallyAfterDays and ScheduleExpression.");
  }
  const days = rules.AutomaticallyAfterDays;
  // unverified wording
  if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 1000)) throw new AwsError('InvalidParameterException', 'The AutomaticallyAfterDays value must be between 1 and 1000.');
}

/** CancelRotateSecret: rotation off, the function and rules kept for a later RotateSecret. */
export function cancelRotation(secret: SecretRecord): RotationState {
  return { ...secret.rotation, enabled: false };
}
