import { AwsError } from '../../domain/errors.js';
import { logGroupNotFound, logsInvalidParameter } from '../../domain/logs/errors.js';
import { checkLogGroupIdentifier, checkLogGroupName, parseLogGroupArn } from '../../domain/logs/names.js';
import type { LogGroupRecord, LogStore } from '../../ports/log-store.js';
import type { RequestContext } from '../service.js';

/** The group an operation names, by logGroupName or logGroupIdentifier (a name or an ARN). */
export function groupNameOf(input: { logGroupName?: string; logGroupIdentifier?: string }, ctx: RequestContext): string {
  if (input.logGroupName !== undefined && input.logGroupIdentifier !== undefined) {
    throw logsInvalidParameter('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  }
  const given = input.logGroupName ?? input.logGroupIdentifier;
  if (given === undefined) throw logsInvalidParameter('Should provide either a LogGroup name or a LogGroup ARN.');
  if (input.logGroupIdentifier !== undefined) checkLogGroupIdentifier(input.logGroupIdentifier);
  if (given.startsWith('arn:')) {
    const arn = parseLogGroupArn(given);
    if (!arn) throw logsInvalidParameter(`Invalid log group ARN: ${given}`);
    if (arn.account !== ctx.scope.account || arn.region !== ctx.scope.region) throw logGroupNotFound();
    return arn.name;
  }
  checkLogGroupName(given, input.logGroupName !== undefined ? 'logGroupName' : 'logGroupIdentifier');
  return given;
}

export async function requireGroup(store: LogStore, ctx: RequestContext, name: string): Promise<LogGroupRecord> {
  const group = await store.getGroup(ctx.scope, name);
  if (!group) throw logGroupNotFound();
  return group;
}

/** The group a tagging ARN names (TagResource and friends). */
export async function groupByArn(store: LogStore, ctx: RequestContext, resourceArn: string): Promise<LogGroupRecord> {
  const arn = parseLogGroupArn(resourceArn);
  if (!arn) throw logsInvalidParameter(`Invalid resource ARN: ${resourceArn}`);
  const group = arn.account === ctx.scope.account && arn.region === ctx.scope.region ? await store.getGroup(ctx.scope, arn.name) : undefined;
  if (!group) throw new AwsError('ResourceNotFoundException', 'The specified resource does not exist.');
  return group;
}

/** Opaque tokens for the listing and filter operations. */
export function encodeToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeToken<T>(token: string | undefined, valid: (value: unknown) => value is T): T | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (valid(value)) return value;
  } catch {
    // answered below
  }
  throw logsInvalidParameter('The specified nextToken is invalid.');
}
