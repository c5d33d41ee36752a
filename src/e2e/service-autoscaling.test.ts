import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { describeOneService, isSteady, servedListenerUrl, startTestWharf, waitFor, type TestWharf } from './harness.js';
import { ensureTestImage } from './test-images.js';

// At time scale 20 a 60 s CloudWatch period is 3 s, the high alarm (3 periods) needs 9 s of load,
// the low alarm (15 periods) 45 s of quiet, and the guide's cooldowns are 3 s and 15 s.
const TIME_SCALE = '20';
const CLUSTER = 'my-app';
const SERVICE = 'my-app-service';
const NETWORK = '{"awsvpcConfiguration":{"subnets":["subnet-aaa","subnet-bbb"],"securityGroups":["sg-app"],"assignPublicIp":"DISABLED"}}';
/** Concurrent request loops while loading: two tasks of 0.25 vCPU each are then busy all the time. */
const LOAD_LOOPS = 3;

/**
 * busybox httpd on 8080: `/health` answers at once, `/cgi-bin/burn` spins the
 * CPU for about a second before answering, so CPU follows the request rate.
 */
const SERVER = [
  'mkdir -p /www/cgi-bin',
  'echo ok > /www/health',
  `printf '#!/bin/sh\\nend=$(( $(date +%%s) + 1 ))\\nwhile [ $(date +%%s) -lt $end ]; do :; done\\nprintf "Content-Type: text/plain\\\\r\\\\n\\\\r\\\\nburnt\\\\n"\\n' > /www/cgi-bin/burn`,
  'chmod +x /www/cgi-bin/burn',
  'exec httpd -f -p 8080 -h /www',
].join(' && ');

describe('the guide’s CPU target tracking scales a service out under load and back in', () => {
  let wharf: TestWharf;
  let listenerUrl: string;
  const resourceArgs = ['--service-namespace', 'ecs', '--resource-id', `service/${CLUSTER}/${SERVICE}`, '--scalable-dimension', 'ecs:service:DesiredCount'];

  before(async () => {
    const image = await ensureTestImage();
    wharf = await startTestWharf({ WHARF_TIME_SCALE: TIME_SCALE });
    await wharf.aws(['ecs', 'create-cluster', '--cluster-name', CLUSTER, '--capacity-providers', 'FARGATE', 'FARGATE_SPOT']);
    const definition = {
      family: 'my-app',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image, command: ['sh', '-c', SERVER], portMappings: [{ containerPort: 8080, protocol: 'tcp' }], stopTimeout: 2 }],
    };
    await wharf.aws(['ecs', 'register-task-definition', '--cli-input-json', JSON.stringify(definition)]);
    const lb = (await wharf.aws(['elbv2', 'create-load-balancer', '--name', 'my-alb', '--type', 'application', '--subnets', 'subnet-aaa', 'subnet-bbb', '--security-groups', 'sg-alb'])).LoadBalancers[0];
    const group = await wharf.aws([
      'elbv2', 'create-target-group', '--name', 'my-app-tg', '--protocol', 'HTTP', '--port', '8080', '--vpc-id', lb.VpcId, '--target-type', 'ip',
      '--health-check-path', '/health', '--health-check-interval-seconds', '5', '--health-check-timeout-seconds', '2', '--healthy-threshold-count', '2',
    ]);
    const targetGroupArn = group.TargetGroups[0].TargetGroupArn;
    await wharf.aws(['elbv2', 'modify-target-group-attributes', '--target-group-arn', targetGroupArn, '--attributes', 'Key=deregistration_delay.timeout_seconds,Value=2']);
    await wharf.aws(['elbv2', 'create-listener', '--load-balancer-arn', lb.LoadBalancerArn, '--protocol', 'HTTP', '--port', '80', '--default-actions', `Type=forward,TargetGroupArn=${targetGroupArn}`]);
    await wharf.aws([
      'ecs', 'create-service', '--cluster', CLUSTER, '--service-name', SERVICE, '--task-definition', 'my-app', '--desired-count', '2',
      '--launch-type', 'FARGATE', '--network-configuration', NETWORK, '--health-check-grace-period-seconds', '60',
      '--load-balancers', JSON.stringify([{ targetGroupArn, containerName: 'app', containerPort: 8080 }]),
    ]);
    listenerUrl = await servedListenerUrl(wharf, 'my-alb');
    await waitFor(service, isSteady, 120_000, 'the service steady with 2 tasks');
  });
  after(() => wharf?.stop());

  const service = () => describeOneService(wharf.ecs(), CLUSTER, SERVICE);

  test('register-scalable-target and put-scaling-policy as the guide writes them', async () => {
    await wharf.aws(['application-autoscaling', 'register-scalable-target', ...resourceArgs, '--min-capacity', '2', '--max-capacity', '20']);
    const policy = await wharf.aws([
      'application-autoscaling', 'put-scaling-policy', ...resourceArgs, '--policy-name', 'cpu-scaling', '--policy-type', 'TargetTrackingScaling',
      '--target-tracking-scaling-policy-configuration',
      '{"TargetValue":70.0,"PredefinedMetricSpecification":{"PredefinedMetricType":"ECSServiceAverageCPUUtilization"},"ScaleInCooldown":300,"ScaleOutCooldown":60}',
    ]);
    assert.match(policy.PolicyARN, /^arn:aws:autoscaling:us-east-1:\d{12}:scalingPolicy:[0-9a-f-]{36}:resource\/ecs\/service\/my-app\/my-app-service:policyName\/cpu-scaling$/);
    const names = (policy.Alarms as { AlarmName: string }[]).map((a) => a.AlarmName).sort();
    assert.equal(names.length, 2);
    assert.match(names[0]!, /^TargetTracking-service\/my-app\/my-app-service-AlarmHigh-[0-9a-f-]{36}$/);
    assert.match(names[1]!, /^TargetTracking-service\/my-app\/my-app-service-AlarmLow-[0-9a-f-]{36}$/);
    const { MetricAlarms } = await wharf.aws(['cloudwatch', 'describe-alarms', '--alarm-names', ...names]);
    const high = MetricAlarms.find((a: { AlarmName: string }) => a.AlarmName.includes('AlarmHigh'));
    const low = MetricAlarms.find((a: { AlarmName: string }) => a.AlarmName.includes('AlarmLow'));
    assert.deepEqual([high.Namespace, high.MetricName, high.Statistic, high.ComparisonOperator, high.Threshold, high.EvaluationPeriods, high.Period], ['AWS/ECS', 'CPUUtilization', 'Average', 'GreaterThanThreshold', 70, 3, 60]);
    assert.deepEqual([low.ComparisonOperator, low.Threshold, low.EvaluationPeriods], ['LessThanThreshold', 63, 15]);
    assert.deepEqual(high.AlarmActions, [policy.PolicyARN]);
  });

  test('under load the service scales out past its minimum; after it, back in to the minimum', async () => {
    let loading = true;
    let answered = 0;
    const loop = async () => {
      // Bounded: the loops stop when the test says so or after three minutes, whichever is first.
      const end = Date.now() + 200_000;
      while (loading && Date.now() < end) {
        try {
          const response = await fetch(`${listenerUrl}/cgi-bin/burn`, { signal: AbortSignal.timeout(20_000) });
          await response.text();
          if (response.ok) answered += 1;
        } catch {
          // a refused request during the scale-out is not what this test judges
        }
      }
    };
    const loops = Array.from({ length: LOAD_LOOPS }, loop);
    let scaledOut;
    try {
      scaledOut = await waitFor(service, (s) => s.desiredCount! > 2, 170_000, 'the service scaled out');
    } finally {
      loading = false;
      await Promise.all(loops);
    }
    assert.ok(answered > 0, 'the load reached the tasks');
    assert.ok(scaledOut.desiredCount! <= 20);

    const activities = (await wharf.aws(['application-autoscaling', 'describe-scaling-activities', '--service-namespace', 'ecs'])).ScalingActivities as { Cause: string; Description: string; StatusCode: string }[];
    const out = activities.find((a) => /AlarmHigh/.test(a.Cause));
    assert.ok(out, JSON.stringify(activities));
    assert.match(out.Description, /^Setting desired count to \d+\.$/);

    const highName = ((await wharf.aws(['cloudwatch', 'describe-alarms', '--alarm-name-prefix', 'TargetTracking-service/my-app/my-app-service-AlarmHigh'])).MetricAlarms[0]).AlarmName;
    const history = (await wharf.aws(['cloudwatch', 'describe-alarm-history', '--alarm-name', highName, '--history-item-type', 'StateUpdate'])).AlarmHistoryItems as { HistorySummary: string }[];
    assert.ok(history.some((h) => h.HistorySummary === 'Alarm updated from INSUFFICIENT_DATA to ALARM' || h.HistorySummary === 'Alarm updated from OK to ALARM'), JSON.stringify(history));

    // The measured CPU that drove it, as the guide reads it.
    const now = new Date();
    const stats = await wharf.aws([
      'cloudwatch', 'get-metric-statistics', '--namespace', 'AWS/ECS', '--metric-name', 'CPUUtilization',
      '--dimensions', `Name=ClusterName,Value=${CLUSTER}`, `Name=ServiceName,Value=${SERVICE}`,
      '--start-time', new Date(now.getTime() - 15 * 60_000).toISOString(), '--end-time', now.toISOString(), '--period', '60', '--statistics', 'Maximum',
    ]);
    assert.ok((stats.Datapoints as { Maximum: number }[]).some((d) => d.Maximum > 70), JSON.stringify(stats.Datapoints));

    // Quiet now: the low alarm (15 scaled periods) and the scale-in cooldown bring it back to the minimum.
    await waitFor(service, (s) => s.desiredCount === 2 && isSteady(s), 180_000, 'the service scaled back in to 2');
    const after = (await wharf.aws(['application-autoscaling', 'describe-scaling-activities', '--service-namespace', 'ecs'])).ScalingActivities as { Cause: string; Description: string }[];
    assert.ok(after.some((a) => /AlarmLow/.test(a.Cause) && a.Description === 'Setting desired count to 2.'), JSON.stringify(after));
  });
});
