import { AwsError } from '../errors.js';

/** STS AssumeRole's default session length. */
export const DEFAULT_SESSION_SECONDS = 3600;
/** A role session that assumes another role (role chaining) gets at most an hour. */
export const CHAINED_SESSION_MAX_SECONDS = 3600;

/**
 * The length of an AssumeRole session: DurationSeconds (900 to 43200, checked
 * by the model) bounded by the role's MaxSessionDuration, and by an hour when
 * the caller is itself a role session.
 */
export function assumeRoleDuration(requested: number | undefined, roleMaxSessionDuration: number, callerIsRoleSession: boolean): number {
  const seconds = requested ?? DEFAULT_SESSION_SECONDS;
  if (callerIsRoleSession && seconds > CHAINED_SESSION_MAX_SECONDS) {
    throw new AwsError('ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }
  if (seconds > roleMaxSessionDuration) {
    throw new AwsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }
  return seconds;
}

/** GetSessionToken: 900 seconds to 36 hours (the model), 12 hours by default. */
export const DEFAULT_SESSION_TOKEN_SECONDS = 43200;
