import { invalidConfiguration, validationError } from './errors.js';

/**
 * Load balancer and target group attributes: ELB's keys, its defaults for an
 * ALB (and an HTTP target group of type ip/instance), and the values it
 * accepts. Values are strings on the wire and in the records.
 */
type Rule = { readonly kind: 'boolean' } | { readonly kind: 'integer'; readonly min: number; readonly max: number } | { readonly kind: 'enum'; readonly values: readonly string[] } | { readonly kind: 'string' };

const BOOL: Rule = { kind: 'boolean' };
const TEXT: Rule = { kind: 'string' };
const int = (min: number, max: number): Rule => ({ kind: 'integer', min, max });
const oneOf = (...values: string[]): Rule => ({ kind: 'enum', values });

const LOAD_BALANCER: Record<string, readonly [string, Rule]> = {
  'access_logs.s3.enabled': ['false', BOOL],
  'access_logs.s3.bucket': ['', TEXT],
  'access_logs.s3.prefix': ['', TEXT],
  'connection_logs.s3.enabled': ['false', BOOL],
  'connection_logs.s3.bucket': ['', TEXT],
  'connection_logs.s3.prefix': ['', TEXT],
  'client_keep_alive.seconds': ['3600', int(60, 604800)],
  'deletion_protection.enabled': ['false', BOOL],
  'idle_timeout.timeout_seconds': ['60', int(1, 4000)],
  'routing.http.desync_mitigation_mode': ['defensive', oneOf('monitor', 'defensive', 'strictest')],
  'routing.http.drop_invalid_header_fields.enabled': ['false', BOOL],
  'routing.http.preserve_host_header.enabled': ['false', BOOL],
  'routing.http.x_amzn_tls_version_and_cipher_suite.enabled': ['false', BOOL],
  'routing.http.xff_client_port.enabled': ['false', BOOL],
  'routing.http.xff_header_processing.mode': ['append', oneOf('append', 'preserve', 'remove')],
  'routing.http2.enabled': ['true', BOOL],
  'waf.fail_open.enabled': ['false', BOOL],
  'zonal_shift.config.enabled': ['false', BOOL],
};

const TARGET_GROUP: Record<string, readonly [string, Rule]> = {
  'deregistration_delay.timeout_seconds': ['300', int(0, 3600)],
  'stickiness.enabled': ['false', BOOL],
  'stickiness.type': ['lb_cookie', oneOf('lb_cookie', 'app_cookie')],
  'stickiness.lb_cookie.duration_seconds': ['86400', int(1, 604800)],
  'stickiness.app_cookie.cookie_name': ['', TEXT],
  'stickiness.app_cookie.duration_seconds': ['86400', int(1, 604800)],
  'load_balancing.algorithm.type': ['round_robin', oneOf('round_robin', 'least_outstanding_requests', 'weighted_random')],
  'load_balancing.algorithm.anomaly_mitigation': ['off', oneOf('on', 'off')],
  'load_balancing.cross_zone.enabled': ['use_load_balancer_configuration', oneOf('true', 'false', 'use_load_balancer_configuration')],
  'slow_start.duration_seconds': ['0', int(0, 900)],
  'target_group_health.dns_failover.minimum_healthy_targets.count': ['1', int(1, 10000)],
  'target_group_health.dns_failover.minimum_healthy_targets.percentage': ['off', TEXT],
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count': ['1', int(1, 10000)],
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage': ['off', TEXT],
};

function defaults(table: Record<string, readonly [string, Rule]>): Record<string, string> {
  return Object.fromEntries(Object.entries(table).map(([key, [value]]) => [key, value]));
}

export const defaultLoadBalancerAttributes = (): Record<string, string> => defaults(LOAD_BALANCER);
export const defaultTargetGroupAttributes = (): Record<string, string> => defaults(TARGET_GROUP);

export interface AttributeInput {
  readonly Key?: string;
  readonly Value?: string;
}

function checkValue(what: string, key: string, value: string, rule: Rule): void {
  // unverified wording for all three messages
  const bad = () => validationError(`${what} attribute value '${value}' is not valid for key '${key}'`);
  switch (rule.kind) {
    case 'boolean':
      if (value !== 'true' && value !== 'false') throw bad();
      return;
    case 'integer': {
      if (!/^-?\d+$/.test(value)) throw bad();
      const number = Number(value);
      if (number < rule.min || number > rule.max) throw validationError(`${what} attribute '${key}' must be between ${rule.min} and ${rule.max}, got '${value}'`);
      return;
    }
    case 'enum':
      if (!rule.values.includes(value)) throw bad();
      return;
    case 'string':
      return;
  }
}

function merge(what: string, table: Record<string, readonly [string, Rule]>, current: Record<string, string>, changes: readonly AttributeInput[]): Record<string, string> {
  if (changes.length === 0) throw validationError('Attributes must contain at least one attribute'); // unverified wording
  const next = { ...current };
  for (const { Key: key, Value: value } of changes) {
    if (key === undefined || !Object.hasOwn(table, key)) throw validationError(`${what} attribute key '${key ?? ''}' is not recognized`); // unverified wording
    if (value === undefined) throw validationError(`${what} attribute '${key}' needs a value`); // unverified wording
    checkValue(what, key, value, table[key]![1]);
    next[key] = value;
  }
  return next;
}

export function mergeLoadBalancerAttributes(current: Record<string, string>, changes: readonly AttributeInput[]): Record<string, string> {
  return merge('Load balancer', LOAD_BALANCER, current, changes);
}

export function mergeTargetGroupAttributes(current: Record<string, string>, changes: readonly AttributeInput[]): Record<string, string> {
  const next = merge('Target group', TARGET_GROUP, current, changes);
  const slowStart = Number(next['slow_start.duration_seconds']);
  // ELB's slow start window is 30-900 seconds; 0 turns it off.
  if (slowStart !== 0 && slowStart < 30) throw validationError(`Target group attribute 'slow_start.duration_seconds' must be 0 or between 30 and 900, got '${slowStart}'`); // unverified wording
  if (slowStart > 0 && next['load_balancing.algorithm.type'] === 'least_outstanding_requests') {
    throw invalidConfiguration('Slow start mode is not supported with the least outstanding requests algorithm'); // unverified wording
  }
  return next;
}

export function attributeList(attributes: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(attributes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([Key, Value]) => ({ Key, Value }));
}
