import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { markPulled, markPullStarted, markRunningIfStarted, markSandboxReady, recordContainerId, applyObservations } from './lifecycle.js';
import {
  containerMetadata,
  credentialsDocument,
  credentialsError,
  metadataEnvironment,
  metadataLookupFailure,
  parseMetadataPath,
  taskMetadata,
  taskRoleSession,
} from './metadata.js';
import { planRunTask, type RunnableDefinition } from './run-task.js';
import type { Task } from './task.js';

let n = 0;
const ids = { taskId: () => (++n).toString(16).padStart(32, '0'), uuid: () => `u${++n}`, eniId: () => `eni-${++n}` };
const sandbox = { containerId: 'pause', cgroupParent: '/wharf/t', ipv4Address: '172.30.0.5', macAddress: '02:42:ac:1e:00:05', subnetCidr: '172.30.0.0/16', gateway: '172.30.0.1' };

function runningTask(overrides: Partial<RunnableDefinition> = {}, tags: { key: string; value: string }[] = []): Task {
  const definition: RunnableDefinition = {
    taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3', family: 'web', revision: 3, status: 'ACTIVE', networkMode: 'awsvpc', cpu: '512', memory: '1024',
    compatibilities: ['EC2', 'FARGATE'],
    taskRoleArn: 'arn:aws:iam::123456789012:role/app-role',
    executionRoleArn: 'arn:aws:iam::123456789012:role/exec-role',
    containerDefinitions: [
      { name: 'app', image: 'nginx', cpu: 256, memory: 512, portMappings: [{ containerPort: 80 }], logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web', 'awslogs-stream-prefix': 'ecs' } } },
      { name: 'side', image: 'busybox', essential: false },
    ],
    ...overrides,
  };
  const cluster = { clusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod', clusterName: 'prod', capacityProviders: [], defaultCapacityProviderStrategy: [] };
  let task = planRunTask({ launchType: 'FARGATE', group: 'service:web', tags, networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } } }, definition, [], cluster, {
    region: 'eu-west-1', account: '123456789012', now: new Date(1_000), ids,
  })[0]!;
  task = markSandboxReady(task, sandbox, [], sandbox.macAddress);
  task = markPullStarted(task, new Date(2_000));
  task = markPulled(task, { nginx: 'sha256:aa', busybox: 'sha256:bb' }, new Date(3_000));
  task = recordContainerId(task, 'app', 'dockerapp');
  task = recordContainerId(task, 'side', 'dockerside');
  task = applyObservations(task, { app: { status: 'running', oomKilled: false }, side: { status: 'running', oomKilled: false } }, new Date(4_000));
  return markRunningIfStarted(task, new Date(4_000));
}

const observed = {
  app: { dockerId: 'dockerapp', dockerName: 'wharf-x-app', imageId: 'sha256:img', labels: { 'com.amazonaws.ecs.cluster': 'c', 'wharf.instance': 'secret-ish', team: 'a' }, startedAt: new Date(3_500) },
};

describe('task metadata documents', () => {
  test('paths route as the agent routes them; anything else is not the endpoint', () => {
    assert.deepEqual(parseMetadataPath('/v4/abc'), { kind: 'container', version: 'v4', id: 'abc' });
    assert.deepEqual(parseMetadataPath('/v4/abc/task'), { kind: 'task', version: 'v4', id: 'abc' });
    assert.deepEqual(parseMetadataPath('/v3/abc/taskWithTags'), { kind: 'taskWithTags', version: 'v3', id: 'abc' });
    assert.deepEqual(parseMetadataPath('/v4/abc/stats'), { kind: 'containerStats', version: 'v4', id: 'abc' });
    assert.deepEqual(parseMetadataPath('/v4/abc/task/stats'), { kind: 'taskStats', version: 'v4', id: 'abc' });
    assert.deepEqual(parseMetadataPath('/v2/credentials/id-1'), { kind: 'credentials', id: 'id-1' });
    assert.deepEqual(parseMetadataPath('/v2/credentials/'), { kind: 'credentials', id: '' });
    for (const other of ['/', '/v2/', '/v2/repo/manifests/latest', '/v4/a/b/c', '/v1/credentials']) assert.equal(parseMetadataPath(other), undefined, other);
  });

  test('the task document carries the cluster, ARN, family, revision, limits in vCPU and MiB, and containers in definition order', () => {
    const task = runningTask();
    const doc = taskMetadata(task, observed, 'v4') as any;
    assert.equal(doc.Cluster, 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod');
    assert.equal(doc.TaskARN, task.taskArn);
    assert.equal(doc.Family, 'web');
    assert.equal(doc.Revision, '3');
    assert.equal(doc.KnownStatus, 'RUNNING');
    assert.equal(doc.DesiredStatus, 'RUNNING');
    assert.deepEqual(doc.Limits, { CPU: 0.5, Memory: 1024 });
    assert.equal(doc.PullStartedAt, '1970-01-01T00:00:02.000Z');
    assert.equal(doc.PullStoppedAt, '1970-01-01T00:00:03.000Z');
    assert.equal(doc.LaunchType, 'FARGATE');
    assert.equal(doc.ServiceName, 'web');
    assert.equal(doc.AvailabilityZone, 'eu-west-1a');
    assert.deepEqual(doc.Containers.map((c: any) => c.Name), ['app', 'side']);
    assert.equal(doc.TaskTags, undefined);
  });

  test('taskWithTags adds the task tags; v3 leaves out the v4-only fields', () => {
    const task = runningTask({}, [{ key: 'env', value: 'prod' }]);
    assert.deepEqual((taskMetadata(task, observed, 'v4', { withTags: true }) as any).TaskTags, { env: 'prod' });
    const v3 = taskMetadata(task, observed, 'v3') as any;
    assert.equal(v3.LaunchType, undefined);
    assert.equal(v3.Containers[0].ContainerARN, undefined);
    assert.deepEqual(v3.Containers[0].Networks, [{ NetworkMode: 'awsvpc', IPv4Addresses: ['172.30.0.5'] }]);
  });

  test('a container document: docker id and name, limits, the awsvpc network, awslogs stream, and no Wharf labels', () => {
    const task = runningTask();
    const doc = containerMetadata(task, 'app', observed.app, 'v4') as any;
    assert.equal(doc.DockerId, 'dockerapp');
    assert.equal(doc.DockerName, 'wharf-x-app');
    assert.equal(doc.ImageID, 'sha256:img');
    assert.deepEqual(doc.Limits, { CPU: 256, Memory: 512 });
    assert.deepEqual(doc.Labels, { 'com.amazonaws.ecs.cluster': 'c', team: 'a' });
    assert.equal(doc.Type, 'NORMAL');
    assert.equal(doc.StartedAt, '1970-01-01T00:00:03.500Z');
    assert.deepEqual(doc.Ports, [{ ContainerPort: 80, Protocol: 'tcp', HostPort: 80 }]);
    assert.deepEqual(doc.Networks, [
      {
        NetworkMode: 'awsvpc', IPv4Addresses: ['172.30.0.5'], AttachmentIndex: 0, MACAddress: '02:42:ac:1e:00:05', IPv4SubnetCIDRBlock: '172.30.0.0/16',
        PrivateDNSName: 'ip-172-30-0-5.eu-west-1.compute.internal', SubnetGatewayIpv4Address: '172.30.0.1/16',
      },
    ]);
    assert.equal(doc.LogDriver, 'awslogs');
    assert.equal(doc.LogOptions['awslogs-stream'], `ecs/app/${task.wharf.taskId}`);
    assert.equal(doc.ContainerARN, task.containers[0]!.containerArn);
    assert.deepEqual((containerMetadata(task, 'side', undefined, 'v4') as any).Limits, { CPU: 0, Memory: 0 });
    assert.equal(containerMetadata(task, 'nope', undefined, 'v4'), undefined);
  });

  test('unknown ids get the agent wording; the credentials errors carry code, message and HTTPErrorCode', () => {
    assert.deepEqual(metadataLookupFailure({ kind: 'container', version: 'v4', id: 'x' }), {
      status: 404,
      body: 'V4 container metadata handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: x',
    });
    assert.equal(metadataLookupFailure({ kind: 'taskStats', version: 'v4', id: 'x' }).body, 'V4 task stats handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: x');
    assert.deepEqual(credentialsError('abc'), { code: 'InvalidIdInRequest', message: 'CredentialsV2Request: Credentials not found', HTTPErrorCode: 400 });
    assert.equal(credentialsError('').code, 'NoIdInRequest');
  });

  test('the role session: the role account and the task id; a malformed role has none', () => {
    assert.deepEqual(taskRoleSession('arn:aws:iam::210987654321:role/path/app', 'abc'), { account: '210987654321', roleArn: 'arn:aws:iam::210987654321:role/path/app', sessionName: 'abc' });
    assert.equal(taskRoleSession('arn:aws:iam::210987654321:user/bob', 'abc'), undefined);
    assert.equal(taskRoleSession('not-an-arn', 'abc'), undefined);
  });

  test('the credentials document uses the agent names and an expiration to the second', () => {
    const doc = credentialsDocument('arn:aws:iam::1:role/r', { accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 't', expiration: new Date('2030-01-01T06:00:00.123Z') });
    assert.deepEqual(doc, { RoleArn: 'arn:aws:iam::1:role/r', AccessKeyId: 'ASIA1', SecretAccessKey: 's', Token: 't', Expiration: '2030-01-01T06:00:00Z' });
  });

  test('the environment: v4 and v3 URIs, the credentials URI only with a role, the endpoint URL when on', () => {
    assert.deepEqual(metadataEnvironment({ container: 'c1', credentials: 'k1' }, { endpointUrl: true }), {
      ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/c1',
      ECS_CONTAINER_METADATA_URI: 'http://169.254.170.2/v3/c1',
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/k1',
      AWS_ENDPOINT_URL: 'http://169.254.170.2',
    });
    const bare = metadataEnvironment({ container: 'c1' }, { endpointUrl: false });
    assert.equal(bare.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, undefined);
    assert.equal(bare.AWS_ENDPOINT_URL, undefined);
  });

  test('RunTask records the task and execution roles of the definition', () => {
    const task = runningTask();
    assert.equal(task.wharf.taskRoleArn, 'arn:aws:iam::123456789012:role/app-role');
    assert.equal(task.wharf.executionRoleArn, 'arn:aws:iam::123456789012:role/exec-role');
    assert.equal(runningTask({ taskRoleArn: undefined }).wharf.taskRoleArn, undefined);
  });
});
