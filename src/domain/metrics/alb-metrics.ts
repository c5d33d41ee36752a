/**
 * AWS/ApplicationELB metrics from what the load balancer's proxies counted
 * over one interval. Dimension values are the ARN tails AWS uses:
 * `LoadBalancer=app/<name>/<id>`, `TargetGroup=targetgroup/<name>/<id>`.
 *
 * Per load balancer: RequestCount (every request it processed, its own
 * answers included), HTTPCode_ELB_4XX/5XX_Count (answers it generated),
 * HTTP_Fixed_Response_Count, HTTP_Redirect_Count. Per target group, per
 * load balancer and per pair: RequestCount of forwarded requests,
 * HTTPCode_Target_2XX..5XX_Count, TargetResponseTime (seconds from the
 * request leaving the load balancer to the target's response head). Per
 * target group (and pair): RequestCountPerTarget (the group's requests over
 * its healthy targets, Sum); per pair: HealthyHostCount / UnHealthyHostCount.
 * Counts are published only for intervals that saw traffic, as ALB does;
 * host counts every interval.
 */
import { single, type Dimension, type MetricDatum, type PublishAt } from './metric-datum.js';
import { targetKey, type TargetGroupRecord, type TargetHealthRecord } from '../elbv2/records.js';
import { registeredTargets } from '../elbv2/targets.js';

export const ALB_NAMESPACE = 'AWS/ApplicationELB';

/** What one load balancer answered itself over an interval. */
export interface LoadBalancerCounts {
  readonly loadBalancerArn: string;
  readonly requests: number;
  readonly elb4xx: number;
  readonly elb5xx: number;
  readonly fixedResponses: number;
  readonly redirects: number;
}

/** What went from one load balancer to one target group over an interval. */
export interface ForwardCounts {
  readonly loadBalancerArn: string;
  readonly targetGroupArn: string;
  readonly requests: number;
  /** Target answers by class: index 0 = 2XX .. 3 = 5XX. */
  readonly targetCodes: readonly [number, number, number, number];
  readonly responses: number;
  readonly responseSecondsSum: number;
  readonly responseSecondsMin: number;
  readonly responseSecondsMax: number;
}

export interface GroupHosts {
  readonly loadBalancerArn: string;
  readonly targetGroupArn: string;
  readonly healthy: number;
  readonly unhealthy: number;
}

/** `arn:...:loadbalancer/app/<name>/<id>` -> `app/<name>/<id>`. */
export function loadBalancerDimension(arn: string): string {
  const at = arn.indexOf(':loadbalancer/');
  return at === -1 ? arn : arn.slice(at + ':loadbalancer/'.length);
}

/** `arn:...:targetgroup/<name>/<id>` -> `targetgroup/<name>/<id>`. */
export function targetGroupDimension(arn: string): string {
  const at = arn.lastIndexOf(':targetgroup/');
  return at === -1 ? arn : arn.slice(at + 1);
}

/** Healthy and unhealthy registered targets of a group (targets still in their first checks are neither). */
export function hostCounts(group: Pick<TargetGroupRecord, 'targets' | 'healthCheck'>, health: Pick<TargetHealthRecord, 'targets'> | undefined): { healthy: number; unhealthy: number } {
  let healthy = 0;
  let unhealthy = 0;
  for (const target of registeredTargets(group)) {
    if (!group.healthCheck.enabled) {
      healthy++;
      continue;
    }
    const state = health?.targets[targetKey(target)]?.state;
    if (state === 'healthy') healthy++;
    else if (state === 'unhealthy') unhealthy++;
  }
  return { healthy, unhealthy };
}

const CODE_NAMES = ['HTTPCode_Target_2XX_Count', 'HTTPCode_Target_3XX_Count', 'HTTPCode_Target_4XX_Count', 'HTTPCode_Target_5XX_Count'] as const;

export function albMetricData(loadBalancers: readonly LoadBalancerCounts[], forwards: readonly ForwardCounts[], hosts: readonly GroupHosts[], at: PublishAt): MetricDatum[] {
  const data: MetricDatum[] = [];
  const push = (metricName: string, unit: string, dimensions: Dimension[], value: number | MetricDatum['statistics']) =>
    data.push({ namespace: ALB_NAMESPACE, metricName, dimensions, unit, ...at, statistics: typeof value === 'number' ? single(value) : value });
  const count = (metricName: string, dimensions: Dimension[], value: number) => {
    if (value > 0) push(metricName, 'Count', dimensions, value);
  };
  const lbDims = (arn: string): Dimension[] => [{ name: 'LoadBalancer', value: loadBalancerDimension(arn) }];
  const tgDims = (arn: string): Dimension[] => [{ name: 'TargetGroup', value: targetGroupDimension(arn) }];
  const pairDims = (lb: string, tg: string): Dimension[] => [...tgDims(tg), ...lbDims(lb)];

  for (const lb of loadBalancers) {
    const dims = lbDims(lb.loadBalancerArn);
    count('RequestCount', dims, lb.requests);
    count('HTTPCode_ELB_4XX_Count', dims, lb.elb4xx);
    count('HTTPCode_ELB_5XX_Count', dims, lb.elb5xx);
    count('HTTP_Fixed_Response_Count', dims, lb.fixedResponses);
    count('HTTP_Redirect_Count', dims, lb.redirects);
  }

  // Target figures per pair, and summed per target group and per load balancer.
  const healthyOf = new Map(hosts.map((h) => [`${h.loadBalancerArn}|${h.targetGroupArn}`, h.healthy]));
  const byGroup = new Map<string, ForwardCounts[]>();
  const byLoadBalancer = new Map<string, ForwardCounts[]>();
  for (const f of forwards) {
    byGroup.set(f.targetGroupArn, [...(byGroup.get(f.targetGroupArn) ?? []), f]);
    byLoadBalancer.set(f.loadBalancerArn, [...(byLoadBalancer.get(f.loadBalancerArn) ?? []), f]);
  }
  const targetFigures = (dims: Dimension[], parts: readonly ForwardCounts[], withRequests: boolean) => {
    const requests = parts.reduce((sum, p) => sum + p.requests, 0);
    if (withRequests) count('RequestCount', dims, requests);
    for (let i = 0; i < 4; i++) count(CODE_NAMES[i]!, dims, parts.reduce((sum, p) => sum + p.targetCodes[i]!, 0));
    const responses = parts.reduce((sum, p) => sum + p.responses, 0);
    if (responses > 0) {
      push('TargetResponseTime', 'Seconds', dims, {
        sampleCount: responses,
        sum: parts.reduce((sum, p) => sum + p.responseSecondsSum, 0),
        minimum: Math.min(...parts.filter((p) => p.responses > 0).map((p) => p.responseSecondsMin)),
        maximum: Math.max(...parts.filter((p) => p.responses > 0).map((p) => p.responseSecondsMax)),
      });
    }
    return requests;
  };
  for (const f of forwards) {
    const requests = targetFigures(pairDims(f.loadBalancerArn, f.targetGroupArn), [f], true);
    const healthy = healthyOf.get(`${f.loadBalancerArn}|${f.targetGroupArn}`) ?? 0;
    if (requests > 0 && healthy > 0) push('RequestCountPerTarget', 'None', pairDims(f.loadBalancerArn, f.targetGroupArn), requests / healthy);
  }
  for (const [arn, parts] of byGroup) {
    const requests = targetFigures(tgDims(arn), parts, true);
    const healthy = hosts.filter((h) => h.targetGroupArn === arn).reduce((max, h) => Math.max(max, h.healthy), 0);
    if (requests > 0 && healthy > 0) push('RequestCountPerTarget', 'None', tgDims(arn), requests / healthy);
  }
  // The load balancer's RequestCount is already every request it took; only the target figures add up here.
  for (const [arn, parts] of byLoadBalancer) targetFigures(lbDims(arn), parts, false);

  for (const h of hosts) {
    const dims = pairDims(h.loadBalancerArn, h.targetGroupArn);
    push('HealthyHostCount', 'Count', dims, h.healthy);
    push('UnHealthyHostCount', 'Count', dims, h.unhealthy);
  }
  return data;
}
