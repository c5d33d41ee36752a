/**
 * ELBv2's records, shared by the ELBv2 API (api/elbv2/), the load balancer
 * data plane (dataplane/load-balancer/: the proxies and the health checker)
 * and the service scheduler (which registers a service's tasks as targets).
 *
 * Who writes what, so no two writers fight over one record:
 * - the API writes load balancers, target groups (including their target
 *   registrations), listeners and rules;
 * - the service scheduler also writes target groups' `targets` (register on
 *   RUNNING, deregister before a stop), with optimistic versions like the API;
 * - the data plane alone writes `targetHealth` records (health-check results)
 *   and `listenerBinding` records (where on this host a listener is served).
 *
 * Ids are the ARN's resource part after the type, so a prefix lists children:
 * load balancer `app/<name>/<16 hex>`, listener `<lb id>/<16 hex>`, rule
 * `<listener id>/<16 hex>`, target group `<name>/<16 hex>`. Times are epoch ms.
 */
export const ELBV2_KIND = {
  loadBalancer: 'elbv2.load-balancer',
  targetGroup: 'elbv2.target-group',
  listener: 'elbv2.listener',
  rule: 'elbv2.rule',
  /** id: the target group's id. Written by the data plane's health checker only. */
  targetHealth: 'elbv2.target-health',
  /** id: the listener's id. Written by the data plane only. */
  listenerBinding: 'elbv2.listener-binding',
} as const;

export type LoadBalancerState = 'provisioning' | 'active' | 'active_impaired' | 'failed';

export interface LoadBalancerRecord {
  readonly loadBalancerArn: string;
  readonly loadBalancerName: string;
  /** `<name>-<10 digits>.<region>.elb.localhost`: curl and browsers send *.localhost to loopback. */
  readonly dnsName: string;
  readonly canonicalHostedZoneId: string;
  readonly scheme: 'internet-facing' | 'internal';
  readonly type: 'application';
  readonly ipAddressType: 'ipv4' | 'dualstack';
  readonly vpcId: string;
  readonly availabilityZones: readonly { readonly zoneName: string; readonly subnetId: string }[];
  readonly securityGroups: readonly string[];
  readonly createdAt: number;
  /** provisioning until the data plane has seen it; see loadBalancerState in the API. */
  state: LoadBalancerState;
  /** ELB's attribute keys and string values (idle_timeout.timeout_seconds, ...), defaults filled in. */
  attributes: Record<string, string>;
  tags: Record<string, string>;
}

export interface HealthCheckSettings {
  readonly enabled: boolean;
  readonly protocol: 'HTTP' | 'HTTPS';
  /** A port number, or 'traffic-port' (the target's registered port). */
  readonly port: string;
  readonly path: string;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThresholdCount: number;
  readonly unhealthyThresholdCount: number;
  /** ELB's matcher: "200", "200,202", "200-299". */
  readonly httpCode: string;
}

/** One registered target. Deregistering sets `deregisteredAt`; the target drains until then + deregistration delay and is dropped after. */
export interface TargetRegistration {
  /** The IP address (target type ip). */
  readonly id: string;
  readonly port: number;
  readonly availabilityZone?: string;
  readonly registeredAt: number;
  readonly deregisteredAt?: number;
}

export interface TargetGroupRecord {
  readonly targetGroupArn: string;
  readonly targetGroupName: string;
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly protocolVersion: 'HTTP1' | 'HTTP2' | 'GRPC';
  readonly port: number;
  readonly vpcId?: string;
  readonly targetType: 'ip' | 'instance' | 'lambda' | 'alb';
  readonly ipAddressType: 'ipv4' | 'ipv6';
  readonly createdAt: number;
  healthCheck: HealthCheckSettings;
  /** deregistration_delay.timeout_seconds, stickiness.*, load_balancing.algorithm.type, ... defaults filled in. */
  attributes: Record<string, string>;
  /** The load balancers whose listeners or rules forward here; the API keeps this as listeners and rules change. */
  loadBalancerArns: string[];
  targets: TargetRegistration[];
  tags: Record<string, string>;
}

export interface TargetGroupTuple {
  readonly targetGroupArn: string;
  readonly weight?: number;
}

/** ELBv2's Action shape, in its API member names (lower camel case as the handlers see them). */
export interface ActionRecord {
  readonly type: 'forward' | 'fixed-response' | 'redirect';
  readonly order?: number;
  readonly targetGroupArn?: string;
  readonly forwardConfig?: {
    readonly targetGroups: readonly TargetGroupTuple[];
    readonly targetGroupStickinessConfig?: { readonly enabled: boolean; readonly durationSeconds?: number };
  };
  readonly fixedResponseConfig?: { readonly statusCode: string; readonly contentType?: string; readonly messageBody?: string };
  readonly redirectConfig?: {
    readonly protocol?: string;
    readonly port?: string;
    readonly host?: string;
    readonly path?: string;
    readonly query?: string;
    readonly statusCode: 'HTTP_301' | 'HTTP_302';
  };
}

export interface ListenerRecord {
  readonly listenerArn: string;
  readonly loadBalancerArn: string;
  port: number;
  protocol: 'HTTP' | 'HTTPS';
  defaultActions: ActionRecord[];
  readonly createdAt: number;
  tags: Record<string, string>;
  /** Tags on the listener's default rule (the default rule is not stored; AddTags may name its ARN). Written by the API. */
  defaultRuleTags?: Record<string, string>;
}

/** ELBv2's rule conditions, in their API member names. */
export interface RuleConditionRecord {
  readonly field: 'path-pattern' | 'host-header' | 'http-header' | 'query-string' | 'http-request-method' | 'source-ip';
  readonly values?: readonly string[];
  readonly pathPatternConfig?: { readonly values: readonly string[] };
  readonly hostHeaderConfig?: { readonly values: readonly string[] };
  readonly httpHeaderConfig?: { readonly httpHeaderName: string; readonly values: readonly string[] };
  readonly queryStringConfig?: { readonly values: readonly { readonly key?: string; readonly value: string }[] };
  readonly httpRequestMethodConfig?: { readonly values: readonly string[] };
  readonly sourceIpConfig?: { readonly values: readonly string[] };
}

export interface RuleRecord {
  readonly ruleArn: string;
  readonly listenerArn: string;
  /** 1-50000; the default rule is not stored (it is the listener's defaultActions). */
  priority: number;
  conditions: RuleConditionRecord[];
  actions: ActionRecord[];
  readonly createdAt: number;
  tags: Record<string, string>;
}

/** What the health checker last concluded about one target (`<ip>:<port>`). */
export interface TargetHealthObservation {
  readonly state: 'initial' | 'healthy' | 'unhealthy';
  /** ELB's reason codes: Elb.RegistrationInProgress, Elb.InitialHealthChecking, Target.ResponseCodeMismatch, Target.Timeout, Target.FailedHealthChecks, ... */
  readonly reasonCode?: string;
  readonly description?: string;
  readonly changedAt: number;
}

export interface TargetHealthRecord {
  readonly targetGroupArn: string;
  /** Keyed by `<ip>:<port>`. */
  targets: Record<string, TargetHealthObservation>;
}

export interface ListenerBindingRecord {
  readonly listenerArn: string;
  /** Where the listener is served on this host: 127.0.0.1 and the listener's port when it was free, else a port Wharf chose (kept across restarts). */
  readonly host: string;
  readonly port: number;
}

export function targetKey(target: { readonly id: string; readonly port: number }): string {
  return `${target.id}:${target.port}`;
}
