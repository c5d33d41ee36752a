import { validationError } from './errors.js';

/**
 * Naming rules of ALB load balancers and target groups: at most 32
 * alphanumerics or hyphens, no hyphen at either end; a load balancer's name
 * may not begin with `internal-` (internal load balancers' DNS names do).
 */
const NAME = /^[A-Za-z0-9-]*$/;

export function checkLoadBalancerName(name: string): void {
  if (name.length > 32) throw validationError(`The load balancer name '${name}' cannot be longer than '32' characters`);
  // unverified wording below
  if (name.length === 0) throw validationError('The load balancer name cannot be empty');
  if (!NAME.test(name)) throw validationError(`The load balancer name '${name}' can only contain characters that are alphanumeric characters or hyphens(-)`);
  if (name.startsWith('-') || name.endsWith('-')) throw validationError(`The load balancer name '${name}' cannot begin or end with a hyphen(-)`);
  if (name.startsWith('internal-')) throw validationError(`The load balancer name '${name}' cannot begin with 'internal-'`);
}

export function checkTargetGroupName(name: string): void {
  if (name.length > 32) throw validationError(`Target group name '${name}' cannot be longer than '32' characters`);
  // unverified wording below
  if (name.length === 0) throw validationError('Target group name cannot be empty');
  if (!NAME.test(name)) throw validationError(`Target group name '${name}' can only contain characters that are alphanumeric characters or hyphens(-)`);
  if (name.startsWith('-') || name.endsWith('-')) throw validationError(`Target group name '${name}' cannot begin or end with '-'`);
}
