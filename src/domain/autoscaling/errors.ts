import { AwsError } from '../errors.js';
import type { TargetKey } from './records.js';

/** Application Auto Scaling's error codes and messages. */
export const validation = (message: string) => new AwsError('ValidationException', message);

const describeKey = (key: TargetKey) => `service namespace: ${key.ServiceNamespace}, resource ID: ${key.ResourceId}, scalable dimension: ${key.ScalableDimension}`;

// unverified wording
export const targetNotFound = (key: TargetKey) => new AwsError('ObjectNotFoundException', `No scalable target registered for ${describeKey(key)}`);
export const policyNotFound = (key: TargetKey, name: string) => new AwsError('ObjectNotFoundException', `No scaling policy found for ${describeKey(key)}, policy name: ${name}`);
// unverified wording
export const scheduledActionNotFound = (key: TargetKey, name: string) =>
  new AwsError('ObjectNotFoundException', `No scheduled action found for ${describeKey(key)}, scheduled action name: ${name}`);
// unverified wording
export const resourceNotFound = (arn: string) => new AwsError('ResourceNotFoundException', `No scalable target found for resource ARN: ${arn}`, { extra: { ResourceName: arn } });
export const limitExceeded = (message: string) => new AwsError('LimitExceededException', message);
export const tooManyTags = (arn: string) => new AwsError('TooManyTagsException', 'The request contains too many tags. A resource can have at most 50 tags.', { extra: { ResourceName: arn } });
// unverified wording
export const concurrentUpdate = () => new AwsError('ConcurrentUpdateException', 'Concurrent updates caused an exception, for example, if you request an update to an Application Auto Scaling resource that already has a pending update.');
