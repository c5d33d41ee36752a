/**
 * The load balancer's counters: plain number fields the proxies increment on
 * the hot path (no allocation per request), drained every sample interval
 * into AWS/ApplicationELB points (domain/metrics/alb-metrics.ts).
 */
import type { ForwardCounts, LoadBalancerCounts } from '../../domain/metrics/alb-metrics.js';

/** What one load balancer answered itself. */
export class LoadBalancerCounter {
  requests = 0;
  elb4xx = 0;
  elb5xx = 0;
  fixedResponses = 0;
  redirects = 0;

  constructor(readonly loadBalancerArn: string) {}

  /** An answer the load balancer generated (no target, target failed, bad request). */
  elbError(status: number): void {
    if (status >= 500) this.elb5xx++;
    else if (status >= 400) this.elb4xx++;
  }

  drain(): LoadBalancerCounts | undefined {
    if (this.requests === 0 && this.elb4xx === 0 && this.elb5xx === 0) return undefined;
    const counts = { loadBalancerArn: this.loadBalancerArn, requests: this.requests, elb4xx: this.elb4xx, elb5xx: this.elb5xx, fixedResponses: this.fixedResponses, redirects: this.redirects };
    this.requests = this.elb4xx = this.elb5xx = this.fixedResponses = this.redirects = 0;
    return counts;
  }
}

/** What went from one load balancer to one target group. */
export class ForwardCounter {
  requests = 0;
  private c2 = 0;
  private c3 = 0;
  private c4 = 0;
  private c5 = 0;
  private responses = 0;
  private secondsSum = 0;
  private secondsMin = Infinity;
  private secondsMax = 0;

  constructor(
    readonly loadBalancerArn: string,
    readonly targetGroupArn: string,
  ) {}

  /** The target's response head arrived `seconds` after the request left. */
  response(status: number, seconds: number): void {
    if (status >= 500) this.c5++;
    else if (status >= 400) this.c4++;
    else if (status >= 300) this.c3++;
    else if (status >= 200) this.c2++;
    this.responses++;
    this.secondsSum += seconds;
    if (seconds < this.secondsMin) this.secondsMin = seconds;
    if (seconds > this.secondsMax) this.secondsMax = seconds;
  }

  drain(): ForwardCounts | undefined {
    if (this.requests === 0 && this.responses === 0) return undefined;
    const counts: ForwardCounts = {
      loadBalancerArn: this.loadBalancerArn,
      targetGroupArn: this.targetGroupArn,
      requests: this.requests,
      targetCodes: [this.c2, this.c3, this.c4, this.c5],
      responses: this.responses,
      responseSecondsSum: this.secondsSum,
      responseSecondsMin: this.secondsMin,
      responseSecondsMax: this.secondsMax,
    };
    this.requests = this.c2 = this.c3 = this.c4 = this.c5 = this.responses = this.secondsSum = this.secondsMax = 0;
    this.secondsMin = Infinity;
    return counts;
  }
}

/** Every counter of the plane, made once per load balancer and per (load balancer, target group). */
export class AlbMeter {
  private readonly loadBalancers = new Map<string, LoadBalancerCounter>();
  private readonly forwards = new Map<string, ForwardCounter>();

  loadBalancer(arn: string): LoadBalancerCounter {
    let counter = this.loadBalancers.get(arn);
    if (!counter) {
      counter = new LoadBalancerCounter(arn);
      this.loadBalancers.set(arn, counter);
    }
    return counter;
  }

  forward(loadBalancerArn: string, targetGroupArn: string): ForwardCounter {
    const key = `${loadBalancerArn}|${targetGroupArn}`;
    let counter = this.forwards.get(key);
    if (!counter) {
      counter = new ForwardCounter(loadBalancerArn, targetGroupArn);
      this.forwards.set(key, counter);
    }
    return counter;
  }

  /** The counts since the last drain (reset); counters of load balancers and groups that are gone are dropped after. */
  drain(keepLoadBalancers: ReadonlySet<string>): { loadBalancers: LoadBalancerCounts[]; forwards: ForwardCounts[] } {
    const loadBalancers: LoadBalancerCounts[] = [];
    const forwards: ForwardCounts[] = [];
    for (const [arn, counter] of this.loadBalancers) {
      const counts = counter.drain();
      if (counts) loadBalancers.push(counts);
      if (!keepLoadBalancers.has(arn)) this.loadBalancers.delete(arn);
    }
    for (const [key, counter] of this.forwards) {
      const counts = counter.drain();
      if (counts) forwards.push(counts);
      if (!keepLoadBalancers.has(counter.loadBalancerArn)) this.forwards.delete(key);
    }
    return { loadBalancers, forwards };
  }
}
