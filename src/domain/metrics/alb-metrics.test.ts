import assert from 'node:assert/strict';
import { test } from 'node:test';
import { albMetricData, hostCounts, loadBalancerDimension, targetGroupDimension, type ForwardCounts } from './alb-metrics.js';

const LB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188';
const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/73e2d6bc24d8a067';
const at = { timestamp: 60_000, storageResolution: 60 as const };

test('dimension values are the ARN tails AWS uses', () => {
  assert.equal(loadBalancerDimension(LB), 'app/web/50dc6c495c0c9188');
  assert.equal(targetGroupDimension(TG), 'targetgroup/web-tg/73e2d6bc24d8a067');
});

test('host counts: healthy and unhealthy registered targets; ones in their first checks are neither; draining ones are not counted', () => {
  const group = {
    healthCheck: { enabled: true },
    targets: [
      { id: '10.0.0.1', port: 80 },
      { id: '10.0.0.2', port: 80 },
      { id: '10.0.0.3', port: 80 },
      { id: '10.0.0.4', port: 80, deregisteredAt: 5 },
    ],
  } as never;
  const health = {
    targets: {
      '10.0.0.1:80': { state: 'healthy', changedAt: 0 },
      '10.0.0.2:80': { state: 'unhealthy', changedAt: 0 },
      '10.0.0.3:80': { state: 'initial', changedAt: 0 },
      '10.0.0.4:80': { state: 'healthy', changedAt: 0 },
    },
  } as never;
  assert.deepEqual(hostCounts(group, health), { healthy: 1, unhealthy: 1 });
});

test('request counts per load balancer, target group and pair; codes by class; response time as seconds; per-target requests over healthy hosts', () => {
  const forward: ForwardCounts = {
    loadBalancerArn: LB,
    targetGroupArn: TG,
    requests: 10,
    targetCodes: [7, 1, 2, 0],
    responses: 10,
    responseSecondsSum: 0.5,
    responseSecondsMin: 0.01,
    responseSecondsMax: 0.2,
  };
  const data = albMetricData(
    [{ loadBalancerArn: LB, requests: 12, elb4xx: 0, elb5xx: 2, fixedResponses: 0, redirects: 0 }],
    [forward],
    [{ loadBalancerArn: LB, targetGroupArn: TG, healthy: 2, unhealthy: 1 }],
    at,
  );
  const get = (name: string, dims: string[]) =>
    data.filter((d) => d.metricName === name && d.dimensions.map((x) => x.name).sort().join(',') === [...dims].sort().join(','));
  assert.equal(get('RequestCount', ['LoadBalancer'])[0]!.statistics.sum, 12);
  assert.equal(get('RequestCount', ['TargetGroup'])[0]!.statistics.sum, 10);
  assert.equal(get('RequestCount', ['TargetGroup', 'LoadBalancer'])[0]!.statistics.sum, 10);
  assert.equal(get('HTTPCode_ELB_5XX_Count', ['LoadBalancer'])[0]!.statistics.sum, 2);
  assert.equal(get('HTTPCode_ELB_4XX_Count', ['LoadBalancer']).length, 0, 'no zero counts');
  assert.equal(get('HTTPCode_Target_2XX_Count', ['LoadBalancer'])[0]!.statistics.sum, 7);
  assert.equal(get('HTTPCode_Target_4XX_Count', ['TargetGroup', 'LoadBalancer'])[0]!.statistics.sum, 2);
  assert.equal(get('HTTPCode_Target_5XX_Count', ['TargetGroup']).length, 0);
  const time = get('TargetResponseTime', ['TargetGroup', 'LoadBalancer'])[0]!;
  assert.equal(time.unit, 'Seconds');
  assert.deepEqual(time.statistics, { sampleCount: 10, sum: 0.5, minimum: 0.01, maximum: 0.2 });
  assert.equal(get('RequestCountPerTarget', ['TargetGroup'])[0]!.statistics.sum, 5);
  assert.equal(get('HealthyHostCount', ['TargetGroup', 'LoadBalancer'])[0]!.statistics.sum, 2);
  assert.equal(get('UnHealthyHostCount', ['TargetGroup', 'LoadBalancer'])[0]!.statistics.sum, 1);
  const pair = get('RequestCount', ['TargetGroup', 'LoadBalancer'])[0]!;
  assert.deepEqual(pair.dimensions, [
    { name: 'TargetGroup', value: 'targetgroup/web-tg/73e2d6bc24d8a067' },
    { name: 'LoadBalancer', value: 'app/web/50dc6c495c0c9188' },
  ]);
  assert.ok(data.every((d) => d.namespace === 'AWS/ApplicationELB' && d.timestamp === 60_000));
});

test('an idle interval publishes only the host counts', () => {
  const data = albMetricData([], [], [{ loadBalancerArn: LB, targetGroupArn: TG, healthy: 1, unhealthy: 0 }], at);
  assert.deepEqual(data.map((d) => d.metricName).sort(), ['HealthyHostCount', 'UnHealthyHostCount']);
});
