import { AwsError } from '../errors.js';

/**
 * ELBv2's error codes as they go on the wire (the model's `error.code`
 * traits: `LoadBalancerNotFound`, not the shape name
 * `LoadBalancerNotFoundException`). Every one is a Sender fault, HTTP 400.
 */
export const validationError = (message: string) => new AwsError('ValidationError', message);
export const invalidConfiguration = (message: string) => new AwsError('InvalidConfigurationRequest', message);
export const invalidAction = (message: string) => new AwsError('InvalidLoadBalancerAction', message);
export const operationNotPermitted = (message: string) => new AwsError('OperationNotPermitted', message);

/** AWS lists the names it did not find as a Java list: `Load balancers '[a, b]' not found`. */
export const loadBalancersNotFound = (names?: readonly string[]) =>
  new AwsError('LoadBalancerNotFound', names ? `Load balancers '[${names.join(', ')}]' not found` : 'One or more load balancers not found');
export const loadBalancerNotFound = (arn: string) => new AwsError('LoadBalancerNotFound', `Load balancer '${arn}' not found`);
export const targetGroupsNotFound = () => new AwsError('TargetGroupNotFound', 'One or more target groups not found');
export const targetGroupNotFound = (arn: string) => new AwsError('TargetGroupNotFound', `Target groups '${arn}' not found`);
export const listenersNotFound = () => new AwsError('ListenerNotFound', 'One or more listeners not found');
// unverified wording
export const listenerNotFound = (arn: string) => new AwsError('ListenerNotFound', `Listener '${arn}' not found`);
export const rulesNotFound = () => new AwsError('RuleNotFound', 'One or more rules not found');

export const duplicateLoadBalancerName = (name: string) =>
  new AwsError('DuplicateLoadBalancerName', `A load balancer with the same name '${name}' exists, but with different settings`);
export const duplicateTargetGroupName = (name: string) =>
  new AwsError('DuplicateTargetGroupName', `A target group with the same name '${name}' exists, but with different settings`);
export const duplicateListener = (loadBalancerArn: string) =>
  new AwsError('DuplicateListener', `A listener already exists on this port for this load balancer '${loadBalancerArn}'`);
export const priorityInUse = (priority: number) => new AwsError('PriorityInUse', `Priority '${priority}' is currently in use`);
export const targetGroupInUse = (arn: string) => new AwsError('ResourceInUse', `Target group '${arn}' is currently in use by a listener or a rule`);
export const associationLimit = (arns: readonly string[]) =>
  new AwsError('TargetGroupAssociationLimit', `The following target groups cannot be associated with more than one load balancer: ${arns.join(', ')}`);
// unverified wording
export const invalidTarget = (message: string) => new AwsError('InvalidTarget', message);
export const tooManyTargets = () => new AwsError('TooManyTargets', 'You have reached the maximum number of targets per target group'); // unverified wording
export const tooManyTags = () => new AwsError('TooManyTags', 'The quota for the number of tags that can be assigned to a resource has been reached'); // unverified wording
export const duplicateTagKeys = (key: string) => new AwsError('DuplicateTagKeys', `Tag key '${key}' was specified more than once`); // unverified wording
