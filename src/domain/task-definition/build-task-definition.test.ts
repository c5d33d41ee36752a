import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTaskDefinition } from './build-task-definition.js';
import type { RegisterTaskDefinitionInput } from './types.js';
import { ACCOUNT, CTX, ECR_IMAGE, EXECUTION_ROLE, TASK_ROLE, build, ec2Input, seedInput } from './fixtures.js';

const CAP = 'com.amazonaws.ecs.capability.';

describe('buildTaskDefinition: the seed definition', () => {
  test('registers and reads back as DescribeTaskDefinition would show it', () => {
    assert.deepEqual(build(seedInput()), {
      taskDefinitionArn: CTX.arn,
      containerDefinitions: [
        {
          name: 'app',
          image: ECR_IMAGE,
          cpu: 0,
          portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
          essential: true,
          environment: [{ name: 'NODE_ENV', value: 'production' }],
          mountPoints: [],
          volumesFrom: [],
          secrets: [{ name: 'DB_PASSWORD', valueFrom: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:db-password` }],
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': '/ecs/my-app', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'app' },
          },
          healthCheck: {
            command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'],
            interval: 30,
            timeout: 5,
            retries: 3,
          },
          systemControls: [],
        },
      ],
      family: 'my-app',
      taskRoleArn: TASK_ROLE,
      executionRoleArn: EXECUTION_ROLE,
      networkMode: 'awsvpc',
      revision: 1,
      volumes: [],
      status: 'ACTIVE',
      requiresAttributes: [
        { name: `${CAP}logging-driver.awslogs` },
        { name: `${CAP}docker-remote-api.1.24` },
        { name: 'ecs.capability.execution-role-awslogs' },
        { name: `${CAP}ecr-auth` },
        { name: `${CAP}docker-remote-api.1.19` },
        { name: 'ecs.capability.secrets.asm.environment-variables' },
        { name: `${CAP}task-iam-role` },
        { name: 'ecs.capability.container-health-check' },
        { name: 'ecs.capability.execution-role-ecr-pull' },
        { name: `${CAP}docker-remote-api.1.18` },
        { name: 'ecs.capability.task-eni' },
      ],
      placementConstraints: [],
      compatibilities: ['EC2', 'FARGATE'],
      requiresCompatibilities: ['FARGATE'],
      cpu: '512',
      memory: '1024',
      registeredAt: new Date(1_700_000_000_000),
    });
  });

  test('members come out in the order ECS prints them', () => {
    assert.deepEqual(Object.keys(build({ ...seedInput(), ephemeralStorage: { sizeInGiB: 30 } }, { ...CTX, registeredBy: 'me' })), [
      'taskDefinitionArn', 'containerDefinitions', 'family', 'taskRoleArn', 'executionRoleArn', 'networkMode', 'revision', 'volumes',
      'status', 'requiresAttributes', 'placementConstraints', 'compatibilities', 'requiresCompatibilities', 'cpu', 'memory',
      'ephemeralStorage', 'registeredAt', 'registeredBy',
    ]);
  });

  test('leaves the request untouched', () => {
    const input = seedInput();
    const before = JSON.stringify(input);
    const out = build(input);
    assert.equal(JSON.stringify(input), before);
    out.containerDefinitions[0]!.environment!.push({ name: 'X', value: 'y' });
    out.containerDefinitions[0]!.logConfiguration!.options!['awslogs-group'] = 'other';
    assert.equal(JSON.stringify(input), before);
  });
});

describe('buildTaskDefinition: the registration context', () => {
  test('ARN, revision, clock and caller come from the context', () => {
    const registeredAt = new Date('2025-01-02T03:04:05.678Z');
    const out = buildTaskDefinition(seedInput(), {
      arn: 'arn:aws:ecs:eu-west-1:1:task-definition/my-app:7',
      revision: 7,
      registeredAt,
      registeredBy: `arn:aws:iam::${ACCOUNT}:root`,
    });
    assert.equal(out.taskDefinitionArn, 'arn:aws:ecs:eu-west-1:1:task-definition/my-app:7');
    assert.equal(out.revision, 7);
    assert.equal(out.registeredAt.getTime(), registeredAt.getTime());
    assert.notEqual(out.registeredAt, registeredAt, 'the stored date must not alias the caller’s');
    assert.equal(out.registeredBy, `arn:aws:iam::${ACCOUNT}:root`);
  });

  test('registeredBy is left out when the caller is unknown', () => assert.equal('registeredBy' in build(seedInput()), false));
});

describe('buildTaskDefinition: members ECS omits when unset', () => {
  test('a minimal EC2 definition carries only what ECS always shows', () => {
    assert.deepEqual(build(ec2Input()), {
      taskDefinitionArn: CTX.arn,
      containerDefinitions: [
        { name: 'web', image: 'nginx:latest', cpu: 0, memory: 256, portMappings: [], essential: true, environment: [], mountPoints: [], volumesFrom: [], systemControls: [] },
      ],
      family: 'web',
      revision: 1,
      volumes: [],
      status: 'ACTIVE',
      requiresAttributes: [],
      placementConstraints: [],
      compatibilities: ['EC2'],
      registeredAt: CTX.registeredAt,
    });
  });

  test('optional task members appear once given', () => {
    const input: RegisterTaskDefinitionInput = {
      ...seedInput(),
      pidMode: 'task',
      ephemeralStorage: { sizeInGiB: 50 },
      runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
      proxyConfiguration: { type: 'APPMESH', containerName: 'app', properties: [{ name: 'AppPorts', value: '8080' }] },
      inferenceAccelerators: [],
      enableFaultInjection: false,
    };
    const out = build(input);
    assert.equal(out.pidMode, 'task');
    assert.deepEqual(out.ephemeralStorage, { sizeInGiB: 50 });
    assert.deepEqual(out.runtimePlatform, { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' });
    assert.deepEqual(out.proxyConfiguration, input.proxyConfiguration);
    assert.deepEqual(out.inferenceAccelerators, []);
    assert.equal(out.enableFaultInjection, false);
  });

  test('ipcMode is kept on EC2', () => assert.equal(build({ ...ec2Input(), ipcMode: 'host' }).ipcMode, 'host'));

  test('volumes and placement constraints are kept as given', () => {
    const volumes = [{ name: 'logs', host: { sourcePath: '/var/log' } }];
    const placementConstraints = [{ type: 'memberOf' as const, expression: 'attribute:ecs.os-type == linux' }];
    const out = build({ ...ec2Input(), volumes, placementConstraints });
    assert.deepEqual(out.volumes, volumes);
    assert.deepEqual(out.placementConstraints, placementConstraints);
  });
});

describe('buildTaskDefinition: members outside the current model', () => {
  test('unknown members survive at task and container level', () => {
    const input = { ...seedInput(), futureTaskSetting: { a: 1 } } as RegisterTaskDefinitionInput;
    input.containerDefinitions[0]!['futureContainerSetting'] = 'x';
    const out = build(input);
    assert.deepEqual(out['futureTaskSetting'], { a: 1 });
    assert.equal(out.containerDefinitions[0]!['futureContainerSetting'], 'x');
  });

  test('tags and ECS-owned members in the request are not copied', () => {
    const input = {
      ...seedInput(),
      tags: [{ key: 'team', value: 'a' }],
      status: 'INACTIVE',
      revision: 99,
      compatibilities: ['EXTERNAL'],
      requiresAttributes: [{ name: 'x' }],
      taskDefinitionArn: 'arn:bogus',
      registeredAt: 'yesterday',
    } as unknown as RegisterTaskDefinitionInput;
    const out = build(input);
    assert.equal('tags' in out, false);
    assert.equal(out.status, 'ACTIVE');
    assert.equal(out.revision, 1);
    assert.deepEqual(out.compatibilities, ['EC2', 'FARGATE']);
    assert.equal(out.taskDefinitionArn, CTX.arn);
    assert.ok(out.registeredAt instanceof Date);
    assert.notDeepEqual(out.requiresAttributes, [{ name: 'x' }]);
  });
});
