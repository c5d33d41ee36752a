import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultServiceName, EXPRESS_DEFAULTS, needsNewRevision, newConfiguration, updatedConfiguration, type CreateExpressInput } from './express-config.js';

const INPUT: CreateExpressInput = {
  executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
  infrastructureRoleArn: 'arn:aws:iam::123456789012:role/infra',
  primaryContainer: { image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/web:1.0' },
};
const NAMES = { clusterName: 'default', serviceName: 'web' };

test('a bare create gets ECS\'s defaults: 1 vCPU / 2 GB, port 80, /ping, awslogs under /aws/ecs/<cluster>/<service>, CPU scaling', () => {
  const config = newConfiguration(INPUT, NAMES);
  assert.equal(config.cpu, '1024');
  assert.equal(config.memory, '2048');
  assert.equal(config.healthCheckPath, '/ping');
  assert.equal(config.primaryContainer.containerPort, 80);
  assert.deepEqual(config.primaryContainer.awsLogsConfiguration, { logGroup: '/aws/ecs/default/web', logStreamPrefix: 'ecs' });
  assert.deepEqual(config.scalingTarget, EXPRESS_DEFAULTS.scaling);
  assert.deepEqual(config.networkConfiguration.subnets, EXPRESS_DEFAULTS.subnets);
});

test('given members win over the defaults, a partial scaling target keeps the other defaults', () => {
  const config = newConfiguration(
    { ...INPUT, cpu: '256', memory: '512', healthCheckPath: '/health', primaryContainer: { image: 'app', containerPort: 8080 }, scalingTarget: { maxTaskCount: 4 }, networkConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'] } },
    NAMES,
  );
  assert.deepEqual([config.cpu, config.memory, config.healthCheckPath, config.primaryContainer.containerPort], ['256', '512', '/health', 8080]);
  assert.deepEqual(config.scalingTarget, { ...EXPRESS_DEFAULTS.scaling, maxTaskCount: 4 });
  assert.deepEqual(config.networkConfiguration, { subnets: ['subnet-1'], securityGroups: ['sg-1'] });
});

test('bad input is refused with InvalidParameterException before anything is built', () => {
  const refuses = (input: CreateExpressInput, names = NAMES) => assert.throws(() => newConfiguration(input, names), { code: 'InvalidParameterException' });
  refuses(INPUT, { clusterName: 'default', serviceName: 'bad name!' });
  refuses({ ...INPUT, healthCheckPath: 'health' });
  refuses({ ...INPUT, primaryContainer: { image: 'app', containerPort: 70000 } });
  refuses({ ...INPUT, scalingTarget: { minTaskCount: 3, maxTaskCount: 2 } });
  refuses({ ...INPUT, scalingTarget: { minTaskCount: 0 } });
  refuses({ ...INPUT, scalingTarget: { autoScalingTargetValue: 0 } });
  refuses({ ...INPUT, scalingTarget: { autoScalingMetric: 'P99_LATENCY' as never } });
});

test('a generated name comes from the image repository and a suffix', () => {
  assert.equal(defaultServiceName('123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/web:1.0', 'a1b2c3'), 'web-a1b2c3');
  assert.equal(defaultServiceName('nginx', 'x'), 'nginx-x');
  assert.equal(defaultServiceName('localhost:5000/my.app@sha256:abc', 'x'), 'my-app-x');
});

test('update replaces what it names; a new image needs a new revision, new scaling or health check path does not', () => {
  const before = newConfiguration({ ...INPUT, primaryContainer: { image: 'app:1', containerPort: 8080 } }, NAMES);
  const image = updatedConfiguration(before, { serviceArn: 'x', primaryContainer: { image: 'app:2', containerPort: 8080 } });
  assert.equal(image.primaryContainer.image, 'app:2');
  assert.deepEqual(image.primaryContainer.awsLogsConfiguration, before.primaryContainer.awsLogsConfiguration, 'the log group is kept');
  assert.equal(needsNewRevision(before, image), true);

  const scaling = updatedConfiguration(before, { serviceArn: 'x', scalingTarget: { maxTaskCount: 5 }, healthCheckPath: '/ready' });
  assert.equal(scaling.scalingTarget.maxTaskCount, 5);
  assert.equal(scaling.scalingTarget.minTaskCount, before.scalingTarget.minTaskCount);
  assert.equal(scaling.healthCheckPath, '/ready');
  assert.equal(needsNewRevision(before, scaling), false);

  assert.equal(needsNewRevision(before, updatedConfiguration(before, { serviceArn: 'x', cpu: '2048', memory: '4096' })), true);
  assert.throws(() => updatedConfiguration(before, { serviceArn: 'x', scalingTarget: { minTaskCount: 30 } }), { code: 'InvalidParameterException' });
});
