import { logsInvalidParameter } from './errors.js';

/**
 * Where subscription filters, destinations and deliveries may send events,
 * and what CloudWatch Logs answers when that service cannot take them. Wharf
 * runs no Lambda, Kinesis, Firehose or S3, so every such target fails the
 * test delivery CloudWatch Logs makes before it saves a subscription, with
 * the error AWS gives for a target it cannot reach.
 */
export type TargetService = 'lambda' | 'kinesis' | 'firehose' | 'logs' | 's3' | 'other';

export function serviceOfArn(arn: string): TargetService {
  const service = /^arn:[^:]+:([^:]+):/.exec(arn)?.[1];
  if (service === 'lambda' || service === 'kinesis' || service === 'firehose' || service === 'logs' || service === 's3') return service;
  return 'other';
}

/** A subscription filter's destinationArn and roleArn, as PutSubscriptionFilter pairs them; the vendor's name in AWS's messages. */
export function checkSubscriptionTarget(destinationArn: string, roleArn: string | undefined): 'lambda' | 'kinesis' | 'firehose' | 'logs' {
  const service = serviceOfArn(destinationArn);
  if (service === 'lambda' && roleArn !== undefined) throw logsInvalidParameter('destinationArn for vendor lambda cannot be used with roleArn');
  if ((service === 'kinesis' || service === 'firehose') && roleArn === undefined) throw logsInvalidParameter(`destinationArn for vendor ${service} cannot be used without roleArn`);
  if (service === 's3' || service === 'other') throw logsInvalidParameter(`Invalid destinationArn: ${destinationArn}`); // unverified wording
  return service;
}

/** The test delivery failing, in AWS's words for each kind of target (the target does not exist here). */
export function unreachableTarget(service: 'lambda' | 'kinesis' | 'firehose'): never {
  switch (service) {
    case 'lambda':
      throw logsInvalidParameter('Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your function.');
    case 'kinesis':
      throw logsInvalidParameter('Could not deliver test message to specified Kinesis stream. Check if the given kinesis stream is in ACTIVE state.');
    case 'firehose':
      throw logsInvalidParameter('Could not deliver test message to specified Firehose stream. Check if the given Firehose stream is in ACTIVE state.'); // unverified wording
  }
}

/** A destination's targetArn: a Kinesis stream or a Firehose delivery stream. */
export function checkDestinationTarget(targetArn: string): 'kinesis' | 'firehose' {
  const service = serviceOfArn(targetArn);
  if (service !== 'kinesis' && service !== 'firehose') throw logsInvalidParameter(`Invalid targetArn: ${targetArn}; a destination's target is a Kinesis stream or a Firehose delivery stream.`); // unverified wording
  return service;
}

export function checkRoleArn(roleArn: string, field = 'roleArn'): void {
  if (!/^arn:[^:]+:iam::\d{12}:role\/.+$/.test(roleArn)) throw logsInvalidParameter(`Invalid ${field}: ${roleArn}`); // unverified wording
}

/** An access or resource policy: a JSON object. */
export function checkPolicyDocument(document: string, what = 'policy document'): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    throw logsInvalidParameter(`The ${what} is not valid JSON.`); // unverified wording
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw logsInvalidParameter(`The ${what} is not a JSON object.`); // unverified wording
}
