import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newConfiguration } from './express-config.js';
import { awsEndpointHost, elbNameFor, expressIngress, expressScaling, expressTaskDefinitionInput, scalingKey } from './express-resources.js';

const WHERE = { region: 'eu-west-1', account: '123456789012', partition: 'aws', now: 1_000 };
let counter = 0;
const fresh = {
  hex: () => (++counter).toString(16).padStart(16, '0'),
  dnsDigits: () => '1234567890',
  uuid: () => `0000000${++counter}-aaaa-bbbb-cccc-dddddddddddd`,
  alarmArn: (name: string) => `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`,
};
const config = (scalingTarget = {}) =>
  newConfiguration(
    {
      executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
      infrastructureRoleArn: 'arn:aws:iam::123456789012:role/infra',
      healthCheckPath: '/health',
      primaryContainer: { image: 'app:1', containerPort: 8080, command: ['serve'], environment: [{ name: 'A', value: '1' }] },
      scalingTarget,
    },
    { clusterName: 'default', serviceName: 'web' },
  );

test('ELB names fit in 32 characters and end in the suffix', () => {
  assert.equal(elbNameFor('web', 'abc123'), 'ecs-express-web-abc123');
  const long = elbNameFor('a-very-long-service-name-indeed_with_underscores', 'abc123');
  assert.ok(long.length <= 32, long);
  assert.match(long, /^ecs-express-a-very-long-[a-z-]*abc123$/);
  assert.doesNotMatch(long, /--/);
});

test('the ingress is an ALB whose HTTP listener forwards to an ip target group with the health check path; the rule routes the AWS host name', () => {
  const ingress = expressIngress('web', config(), WHERE, fresh, { team: 'web' });
  const lb = ingress.loadBalancer.doc;
  const group = ingress.targetGroup.doc;
  assert.equal(lb.scheme, 'internet-facing');
  assert.equal(lb.availabilityZones.length, 2, 'an ALB needs two subnets: the defaults fill in');
  assert.equal(group.targetType, 'ip');
  assert.equal(group.port, 8080);
  assert.equal(group.healthCheck.path, '/health');
  assert.deepEqual(group.loadBalancerArns, [lb.loadBalancerArn]);
  assert.equal(ingress.listener.doc.port, 80);
  assert.equal(ingress.listener.doc.defaultActions[0]!.targetGroupArn, group.targetGroupArn);
  assert.equal(ingress.listener.doc.loadBalancerArn, lb.loadBalancerArn);
  assert.ok(ingress.listener.id.startsWith(`${ingress.loadBalancer.id}/`), 'listener ids nest under their load balancer');
  assert.ok(ingress.rule.id.startsWith(`${ingress.listener.id}/`), 'rule ids nest under their listener');
  assert.deepEqual(ingress.rule.doc.conditions[0]!.hostHeaderConfig!.values, ['web.ecs.eu-west-1.on.aws']);
  assert.equal(lb.tags.team, 'web');
  assert.equal(awsEndpointHost('My_Service', 'us-east-1'), 'my-service.ecs.us-east-1.on.aws');
});

test('the task definition is a Fargate awsvpc task with one essential container logging through awslogs (creating its group)', () => {
  const input = expressTaskDefinitionInput('express-web', config(), 'eu-west-1') as unknown as { containerDefinitions: Record<string, any>[]; [k: string]: unknown };
  assert.deepEqual(input.requiresCompatibilities, ['FARGATE']);
  assert.equal(input.networkMode, 'awsvpc');
  const [main] = input.containerDefinitions;
  assert.deepEqual(main!.portMappings, [{ containerPort: 8080, protocol: 'tcp' }]);
  assert.deepEqual(main!.command, ['serve']);
  assert.deepEqual(main!.logConfiguration.options, { 'awslogs-group': '/aws/ecs/default/web', 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'ecs', 'awslogs-create-group': 'true' });
});

test('scaling is a scalable target over min..max and a target tracking policy with its high and low alarms', () => {
  const key = scalingKey('default', 'web');
  const ingress = expressIngress('web', config(), WHERE, fresh, {});
  const scaling = expressScaling(key, config({ minTaskCount: 2, maxTaskCount: 6, autoScalingMetric: 'AVERAGE_MEMORY', autoScalingTargetValue: 75 }), ingress, WHERE, fresh);
  assert.deepEqual([scaling.target.doc.MinCapacity, scaling.target.doc.MaxCapacity, scaling.target.doc.ResourceId], [2, 6, 'service/default/web']);
  const tracking = scaling.policy.doc.TargetTrackingScalingPolicyConfiguration!;
  assert.equal(tracking.PredefinedMetricSpecification!.PredefinedMetricType, 'ECSServiceAverageMemoryUtilization');
  assert.equal(tracking.TargetValue, 75);
  assert.deepEqual(scaling.alarms.map((alarm) => alarm.Threshold), [75, 67.5]);
  assert.deepEqual(scaling.policy.doc.Alarms.map((a) => a.AlarmName), scaling.alarms.map((a) => a.AlarmName));
});

test('request count scaling names the load balancer and target group; an update keeps the target and the alarms\' names', () => {
  const key = scalingKey('default', 'web');
  const ingress = expressIngress('web', config(), WHERE, fresh, {});
  const first = expressScaling(key, config({ autoScalingMetric: 'REQUEST_COUNT_PER_TARGET', autoScalingTargetValue: 100 }), ingress, WHERE, fresh);
  const label = first.policy.doc.TargetTrackingScalingPolicyConfiguration!.PredefinedMetricSpecification!.ResourceLabel!;
  assert.equal(label, `${ingress.loadBalancer.id}/targetgroup/${ingress.targetGroup.id}`);

  const second = expressScaling(key, config({ autoScalingMetric: 'REQUEST_COUNT_PER_TARGET', autoScalingTargetValue: 200, maxTaskCount: 9 }), ingress, { ...WHERE, now: 2_000 }, fresh, {
    target: first.target.doc,
    policy: first.policy.doc,
    alarms: first.alarms,
  });
  assert.equal(second.target.doc.ScalableTargetARN, first.target.doc.ScalableTargetARN);
  assert.equal(second.target.doc.MaxCapacity, 9);
  assert.equal(second.policy.doc.PolicyARN, first.policy.doc.PolicyARN);
  assert.deepEqual(second.alarms.map((a) => a.AlarmName), first.alarms.map((a) => a.AlarmName));
  assert.equal(second.alarms[0]!.Threshold, 200);

  // A different metric is a different policy (and new alarms).
  const third = expressScaling(key, config({ autoScalingMetric: 'AVERAGE_CPU' }), ingress, WHERE, fresh, { target: second.target.doc, policy: second.policy.doc, alarms: second.alarms });
  assert.notEqual(third.policy.id, second.policy.id);
  assert.notDeepEqual(third.alarms.map((a) => a.AlarmName), second.alarms.map((a) => a.AlarmName));
});
