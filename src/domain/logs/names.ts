import { logsInvalidParameter } from './errors.js';

/**
 * Log group and stream names, as CloudWatch Logs checks them. The service
 * model's patterns are not anchored, so the rules are enforced here with the
 * service's own validation wording.
 */
export const LOG_GROUP_NAME_PATTERN = '[\\.\\-_/#A-Za-z0-9]+';
export const LOG_STREAM_NAME_PATTERN = '[^:*]*';
const GROUP_RE = /^[.\-_/#A-Za-z0-9]+$/;
const STREAM_FORBIDDEN = /[:*]/;

function validationError(field: string, value: string, constraint: string): never {
  throw logsInvalidParameter(`1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`);
}

export function checkLogGroupName(name: string, field = 'logGroupName'): void {
  if (name.length < 1) validationError(field, name, 'Member must have length greater than or equal to 1');
  if (name.length > 512) validationError(field, name, 'Member must have length less than or equal to 512');
  if (!GROUP_RE.test(name)) validationError(field, name, `Member must satisfy regular expression pattern: ${LOG_GROUP_NAME_PATTERN}`);
}

/** The model's pattern for logGroupIdentifier(s); unanchored there, so checked here (an ARN ending in `:*` fails it). */
export const LOG_GROUP_IDENTIFIER_PATTERN = '[\\w#+=/:,.@-]*';
const IDENTIFIER_RE = /^[\w#+=/:,.@-]*$/;

/** A logGroupIdentifier: a name, or an ARN without the trailing `:*`, refused as AWS's validation refuses it. */
export function checkLogGroupIdentifier(identifier: string, field = 'logGroupIdentifier'): void {
  if (identifier.length < 1) validationError(field, identifier, 'Member must have length greater than or equal to 1');
  if (identifier.length > 2048) validationError(field, identifier, 'Member must have length less than or equal to 2048');
  if (!IDENTIFIER_RE.test(identifier)) validationError(field, identifier, `Member must satisfy regular expression pattern: ${LOG_GROUP_IDENTIFIER_PATTERN}`);
}

/** A new group's name: the pattern plus the prefix AWS keeps for itself. */
export function checkNewLogGroupName(name: string): void {
  checkLogGroupName(name);
  if (/^aws\//i.test(name)) throw logsInvalidParameter('Log groups starting with AWS/ are reserved for AWS.');
}

export function checkLogStreamName(name: string, field = 'logStreamName'): void {
  if (name.length < 1) validationError(field, name, 'Member must have length greater than or equal to 1');
  if (name.length > 512) validationError(field, name, 'Member must have length less than or equal to 512');
  if (STREAM_FORBIDDEN.test(name)) validationError(field, name, `Member must satisfy regular expression pattern: ${LOG_STREAM_NAME_PATTERN}`);
}

/** `arn:<partition>:logs:<region>:<account>:log-group:<name>:*` (DescribeLogGroups' `arn`) and without `:*` (`logGroupArn`, tagging). */
export function logGroupArn(partition: string, region: string, account: string, name: string): string {
  return `arn:${partition}:logs:${region}:${account}:log-group:${name}`;
}

export function logStreamArn(partition: string, region: string, account: string, group: string, stream: string): string {
  return `${logGroupArn(partition, region, account, group)}:log-stream:${stream}`;
}

/** The group named by a log group ARN (with or without the trailing `:*`), if it is one. */
export function parseLogGroupArn(arn: string): { partition: string; region: string; account: string; name: string } | undefined {
  const match = /^arn:([^:]+):logs:([^:]+):(\d{12}):log-group:([^:]+)(?::\*)?$/.exec(arn);
  if (!match) return undefined;
  return { partition: match[1]!, region: match[2]!, account: match[3]!, name: match[4]! };
}
