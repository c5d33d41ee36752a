import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newConfiguration } from './express-config.js';
import { ecsManagedResources, expressStatus, ingressEndpoints, showExpressService, showUpdatedExpressService, type ExpressServiceRecord } from './express-service.js';

const config = newConfiguration(
  { executionRoleArn: 'exec', infrastructureRoleArn: 'infra', healthCheckPath: '/health', primaryContainer: { image: 'app:1', containerPort: 8080 }, networkConfiguration: { securityGroups: ['sg-1'] } },
  { clusterName: 'default', serviceName: 'web' },
);

function record(statusCode: ExpressServiceRecord['status']['statusCode'] = 'ACTIVE'): ExpressServiceRecord {
  const arn = (kind: string) => ({ id: kind, arn: `arn:${kind}` });
  return {
    serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/default/web',
    serviceName: 'web',
    cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/default',
    clusterName: 'default',
    infrastructureRoleArn: 'infra',
    status: { statusCode },
    createdAt: 1,
    updatedAt: 2,
    tags: [{ key: 'team', value: 'web' }],
    configurations: [{ ...config, serviceRevisionArn: 'arn:rev/1', createdAt: 1 }],
    resources: {
      loadBalancer: arn('lb'),
      targetGroup: arn('tg'),
      listener: arn('listener'),
      rule: arn('rule'),
      scalableTarget: arn('target'),
      policy: { id: 'policy', arn: 'arn:policy', metric: 'ECSServiceAverageCPUUtilization', targetValue: 60 },
      alarms: [{ name: 'high', arn: 'arn:high' }, { name: 'low', arn: 'arn:low' }],
      logGroup: { name: '/aws/ecs/default/web', arn: 'arn:logs' },
      family: 'express-web',
    },
    endpointHost: 'web.ecs.us-east-1.on.aws',
  };
}

test('the ingress paths are AWS\'s HTTPS endpoint and, once bound, the local HTTP listener', () => {
  assert.deepEqual(ingressEndpoints(record(), undefined), [{ accessType: 'PUBLIC', endpoint: 'https://web.ecs.us-east-1.on.aws/' }]);
  assert.deepEqual(ingressEndpoints(record(), { host: '127.0.0.1', port: 8081 }), [
    { accessType: 'PUBLIC', endpoint: 'https://web.ecs.us-east-1.on.aws/' },
    { accessType: 'PUBLIC', endpoint: 'http://127.0.0.1:8081/' },
  ]);
});

test('managed resources list every resource made, with the status following the service', () => {
  const managed = ecsManagedResources(record(), config);
  assert.equal(managed.ingressPaths[0]!.endpoint, 'https://web.ecs.us-east-1.on.aws/');
  assert.equal(managed.ingressPaths[0]!.loadBalancer.arn, 'arn:lb');
  assert.deepEqual(managed.ingressPaths[0]!.targetGroups[0], { arn: 'arn:tg', status: 'ACTIVE', updatedAt: 2, healthCheckPath: '/health', healthCheckPort: 8080, port: 8080 });
  assert.equal(managed.autoScaling.scalableTarget.arn, 'arn:target');
  assert.deepEqual(managed.metricAlarms.map((a) => a.arn), ['arn:high', 'arn:low']);
  assert.deepEqual(managed.serviceSecurityGroups.map((g) => g.arn), ['sg-1']);
  assert.equal(managed.logGroups[0]!.logGroupName, '/aws/ecs/default/web');

  const draining = ecsManagedResources(record('DRAINING'), config);
  assert.equal(draining.ingressPaths[0]!.listener.status, 'DEPROVISIONING');
  assert.equal(ecsManagedResources(record('INACTIVE'), config).autoScaling.scalableTarget.status, 'DELETED');
  assert.equal(ecsManagedResources(record('INACTIVE'), config).logGroups[0]!.status, 'ACTIVE', 'the log group outlives the service');
});

test('the service shows its current configuration (none once INACTIVE) and its tags only when asked', () => {
  const shown = showExpressService(record(), undefined, false);
  assert.equal(shown.activeConfigurations.length, 1);
  assert.equal(shown.activeConfigurations[0]!.serviceRevisionArn, 'arn:rev/1');
  assert.equal('tags' in shown, false);
  assert.deepEqual(showExpressService(record(), undefined, true).tags, [{ key: 'team', value: 'web' }]);
  assert.equal(showExpressService(record('INACTIVE'), undefined, true).activeConfigurations.length, 0);
  assert.equal(showUpdatedExpressService(record(), undefined).targetConfiguration.primaryContainer.image, 'app:1');
});

test('the Express status follows the ECS service status', () => {
  assert.equal(expressStatus('ACTIVE'), 'ACTIVE');
  assert.equal(expressStatus('DRAINING'), 'DRAINING');
  assert.equal(expressStatus('INACTIVE'), 'INACTIVE');
  assert.equal(expressStatus(undefined), 'INACTIVE');
});
