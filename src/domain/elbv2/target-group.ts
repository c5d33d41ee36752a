import type { HealthCheckSettings, TargetGroupRecord } from './records.js';
import { validationError } from './errors.js';

/** CreateTargetGroup/ModifyTargetGroup's health-check members (the model's names). */
export interface HealthCheckInput {
  readonly HealthCheckEnabled?: boolean;
  readonly HealthCheckProtocol?: string;
  readonly HealthCheckPort?: string;
  readonly HealthCheckPath?: string;
  readonly HealthCheckIntervalSeconds?: number;
  readonly HealthCheckTimeoutSeconds?: number;
  readonly HealthyThresholdCount?: number;
  readonly UnhealthyThresholdCount?: number;
  readonly Matcher?: { readonly HttpCode?: string; readonly GrpcCode?: string };
}

/** ELB's defaults for an HTTP/HTTPS target group of type ip or instance. */
export function defaultHealthCheck(protocol: 'HTTP' | 'HTTPS'): HealthCheckSettings {
  return { enabled: true, protocol, port: 'traffic-port', path: '/', intervalSeconds: 30, timeoutSeconds: 5, healthyThresholdCount: 5, unhealthyThresholdCount: 2, httpCode: '200' };
}

// unverified wording for the messages below, except the interval/timeout one
export function applyHealthCheck(current: HealthCheckSettings, input: HealthCheckInput): HealthCheckSettings {
  const protocol = input.HealthCheckProtocol ?? current.protocol;
  if (protocol !== 'HTTP' && protocol !== 'HTTPS') throw validationError(`Health check protocol '${protocol}' is not supported for target groups with the HTTP or HTTPS protocol`);
  const port = input.HealthCheckPort ?? current.port;
  if (port !== 'traffic-port' && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) throw validationError(`Health check port '${port}' must be 'traffic-port' or a port number between 1 and 65535`);
  const path = input.HealthCheckPath ?? current.path;
  if (!path.startsWith('/')) throw validationError(`Health check path '${path}' must begin with a '/' character`);
  if (input.Matcher?.GrpcCode !== undefined) throw validationError('A gRPC matcher can only be used with target groups whose protocol version is GRPC');
  const httpCode = input.Matcher?.HttpCode ?? current.httpCode;
  checkMatcher(httpCode);
  const next: HealthCheckSettings = {
    enabled: input.HealthCheckEnabled ?? current.enabled,
    protocol,
    port,
    path,
    intervalSeconds: input.HealthCheckIntervalSeconds ?? current.intervalSeconds,
    timeoutSeconds: input.HealthCheckTimeoutSeconds ?? current.timeoutSeconds,
    healthyThresholdCount: input.HealthyThresholdCount ?? current.healthyThresholdCount,
    unhealthyThresholdCount: input.UnhealthyThresholdCount ?? current.unhealthyThresholdCount,
    httpCode,
  };
  if (next.timeoutSeconds >= next.intervalSeconds) throw validationError('Health check interval must be greater than the timeout.');
  return next;
}

/** "200", "200,202", "200-299": codes 200-499 for an ALB's HTTP health checks. */
export function checkMatcher(httpCode: string): void {
  const parts = httpCode.split(',');
  const ok = parts.every((part) => {
    const range = /^(\d{3})(?:-(\d{3}))?$/.exec(part.trim());
    if (!range) return false;
    const low = Number(range[1]);
    const high = Number(range[2] ?? range[1]);
    return low >= 200 && high <= 499 && low <= high;
  });
  if (!ok) throw validationError(`Health check matcher HTTP code '${httpCode}' must be a value between 200 and 499, a comma-separated list of values or a range such as 200-299`);
}

/** Whether CreateTargetGroup's idempotent repeat asked for the same group. */
export function sameTargetGroupSettings(existing: TargetGroupRecord, wanted: TargetGroupRecord): boolean {
  return (
    existing.protocol === wanted.protocol &&
    existing.port === wanted.port &&
    existing.vpcId === wanted.vpcId &&
    existing.targetType === wanted.targetType &&
    existing.protocolVersion === wanted.protocolVersion &&
    JSON.stringify(existing.healthCheck) === JSON.stringify(wanted.healthCheck)
  );
}

export function healthCheckOutput(group: TargetGroupRecord): Record<string, unknown> {
  const check = group.healthCheck;
  return {
    HealthCheckEnabled: check.enabled,
    HealthCheckProtocol: check.protocol,
    HealthCheckPort: check.port,
    HealthCheckPath: check.path,
    HealthCheckIntervalSeconds: check.intervalSeconds,
    HealthCheckTimeoutSeconds: check.timeoutSeconds,
    HealthyThresholdCount: check.healthyThresholdCount,
    UnhealthyThresholdCount: check.unhealthyThresholdCount,
    Matcher: { HttpCode: check.httpCode },
  };
}
