/**
 * Alarm-based rollback of a ROLLING deployment (deploymentConfiguration.alarms),
 * through the SDK against a real engine: the new revision's tasks never turn
 * healthy, so the rollout is still in progress when SetAlarmState puts the
 * watched alarm in ALARM; ECS then fails the deployment, names the alarm, and
 * rolls back to the revision that last completed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CreateClusterCommand, CreateServiceCommand, DescribeServiceDeploymentsCommand, ListServiceDeploymentsCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { boto3, describeOneService, isSteady, sdkClient, serviceTasksOf, startTestWharf, waitFor, type TestWharf } from './harness.js';
import { ensureTestImage } from './test-images.js';

const CLUSTER = 'alarm-cluster';
const SERVICE = 'api';
const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-aaa'], securityGroups: ['sg-api'], assignPublicIp: 'DISABLED' as const } };

let wharf: TestWharf;
let image: string;

before(async () => {
  image = await ensureTestImage();
  wharf = await startTestWharf({ WHARF_TIME_SCALE: '30' });
});
after(async () => {
  await wharf.stop();
});

async function register(revision: string, healthCheck?: { command: string[]; interval: number; timeout: number; retries: number }): Promise<string> {
  const out = await wharf.ecs().send(
    new RegisterTaskDefinitionCommand({
      family: 'api', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
      containerDefinitions: [{ name: 'app', image, command: ['sleep', '3600'], stopTimeout: 2, environment: [{ name: 'REVISION', value: revision }], ...(healthCheck ? { healthCheck } : {}) }],
    }),
  );
  return out.taskDefinition!.taskDefinitionArn!;
}

test('an alarm put in ALARM with SetAlarmState during a rolling deployment fails it, names the alarm, and rolls the service back', { timeout: 240_000 }, async () => {
  const ecs = wharf.ecs();
  const cw = sdkClient(CloudWatchClient, wharf);
  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  await cw.send(new PutMetricAlarmCommand({ AlarmName: 'api-errors', Namespace: 'App', MetricName: 'Errors', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'ignore' }));
  const v1 = await register('1');
  await ecs.send(
    new CreateServiceCommand({
      cluster: CLUSTER, serviceName: SERVICE, taskDefinition: v1, desiredCount: 2, launchType: 'FARGATE', networkConfiguration: NETWORK,
      deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200, alarms: { alarmNames: ['api-errors'], enable: true, rollback: true } },
    }),
  );
  await waitFor(() => describeOneService(ecs, CLUSTER, SERVICE), (s) => isSteady(s) && s.runningCount === 2, 90_000, 'revision 1 steady');

  // Revision 2's health check always fails: its tasks never count as healthy, so the rollout cannot finish on its own.
  const v2 = await register('2', { command: ['CMD-SHELL', 'exit 1'], interval: 5, timeout: 2, retries: 10 });
  await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, taskDefinition: v2 }));
  await waitFor(() => serviceTasksOf(ecs, CLUSTER, SERVICE), (tasks) => tasks.some((t) => t.taskDefinitionArn === v2 && t.lastStatus === 'RUNNING'), 90_000, 'a revision-2 task running');
  const during = await describeOneService(ecs, CLUSTER, SERVICE);
  assert.equal(during.deployments!.find((d) => d.status === 'PRIMARY')!.rolloutState, 'IN_PROGRESS');

  await cw.send(new SetAlarmStateCommand({ AlarmName: 'api-errors', StateValue: 'ALARM', StateReason: 'test: errors' }));

  const serviceDeploymentArn = (await ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: SERVICE }))).serviceDeployments!.find((d) => d.targetServiceRevisionArn && d.status !== 'SUCCESSFUL')?.serviceDeploymentArn;
  assert.ok(serviceDeploymentArn, 'the rolling deployment is listed');
  const rolledBack = await waitFor(
    async () => (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [serviceDeploymentArn] }))).serviceDeployments![0]!,
    (d) => d.status === 'ROLLBACK_SUCCESSFUL',
    90_000,
    'the rollback finished',
  );
  assert.equal(rolledBack.alarms?.status, 'TRIGGERED');
  assert.deepEqual(rolledBack.alarms?.triggeredAlarmNames, ['api-errors']);

  const service = await waitFor(() => describeOneService(ecs, CLUSTER, SERVICE), (s) => isSteady(s) && s.runningCount === 2, 90_000, 'the service steady again');
  assert.equal(service.taskDefinition, v1, 'the service is back on revision 1');
  assert.ok(
    service.events!.some((e) => e.message!.includes('deployment failed: alarm detected') && e.message!.includes('api-errors')),
    JSON.stringify(service.events!.slice(0, 5).map((e) => e.message)),
  );
  const running = await serviceTasksOf(ecs, CLUSTER, SERVICE);
  assert.deepEqual(running.map((t) => t.taskDefinitionArn), [v1, v1], 'only revision 1 runs');

  // boto3 reads the same record: the rolled-back deployment, its alarms, and the revision it went back to.
  const seen = await boto3(
    wharf,
    `
ecs = client('ecs')
listed = ecs.list_service_deployments(cluster=${JSON.stringify(CLUSTER)}, service=${JSON.stringify(SERVICE)}, status=['ROLLBACK_SUCCESSFUL'])['serviceDeployments']
described = ecs.describe_service_deployments(serviceDeploymentArns=[d['serviceDeploymentArn'] for d in listed])['serviceDeployments']
out({'listed': [d['serviceDeploymentArn'] for d in listed], 'alarms': described[0]['alarms'], 'rollback': described[0].get('rollback', {}).get('serviceRevisionArn'), 'source': [r['arn'] for r in described[0].get('sourceServiceRevisions', [])]})
`,
  );
  assert.deepEqual(seen.listed, [serviceDeploymentArn]);
  assert.equal(seen.alarms.status, 'TRIGGERED');
  assert.deepEqual(seen.alarms.triggeredAlarmNames, ['api-errors']);
  assert.ok(seen.rollback, `the rollback names the revision it went back to: ${JSON.stringify(seen)}`);
});
