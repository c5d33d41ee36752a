import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fargateIncompatibility } from './fargate-rules.js';
import { resolveDefinition } from './resolve.js';
import type { ContainerDefinition, RegisterTaskDefinitionInput } from './types.js';
import { build, client, CTX, ECR_IMAGE, EXECUTION_ROLE, fargateInput, rejection, seedInput } from './fixtures.js';

type Case = { name: string; input: () => RegisterTaskDefinitionInput; expected: { code: string; message: string } };

const app = (extra: Partial<ContainerDefinition> = {}): ContainerDefinition => ({ name: 'app', image: 'nginx', ...extra });
const unsupported = (parameter: string) => client(`Fargate compatible task definitions do not support ${parameter}`);
const awslogs = { logDriver: 'awslogs', options: { 'awslogs-group': 'g', 'awslogs-region': 'us-east-1' } };

const NETWORK_MODE = client("Fargate only supports network mode 'awsvpc'.");

const rejected: Case[] = [
  { name: 'no network mode', input: () => ({ ...fargateInput(), networkMode: undefined }), expected: NETWORK_MODE },
  { name: 'bridge network mode', input: () => ({ ...fargateInput(), networkMode: 'bridge' }), expected: NETWORK_MODE },
  { name: 'host network mode', input: () => ({ ...fargateInput(), networkMode: 'host' }), expected: NETWORK_MODE },
  { name: 'no task cpu', input: () => ({ ...fargateInput(), cpu: undefined }), expected: client("Fargate requires that 'cpu' be defined at the task level.") },
  { name: 'no task memory', input: () => ({ ...fargateInput(), memory: undefined }), expected: client("Fargate requires that 'memory' be defined at the task level.") },
  {
    name: '1024 CPU with 1024 MiB',
    input: () => ({ ...fargateInput(), cpu: '1024', memory: '1024' }),
    expected: client('No Fargate configuration exists for given values.'),
  },
  {
    name: '512 CPU with 512 MiB',
    input: () => ({ ...fargateInput(), cpu: '512', memory: '512' }),
    expected: client('No Fargate configuration exists for given values.'),
  },
  {
    name: '128 CPU (valid on EC2 only)',
    input: () => ({ ...fargateInput(), cpu: '128', memory: '512' }),
    expected: client('No Fargate configuration exists for given values.'),
  },
  {
    name: '1 vCPU with 9 GB (normalised before the check)',
    input: () => ({ ...fargateInput(), cpu: '1 vCPU', memory: '9 GB' }),
    expected: client('No Fargate configuration exists for given values.'),
  },
  {
    name: 'an ECR image without an execution role',
    input: () => ({ ...seedInput(), executionRoleArn: undefined }),
    expected: client('Fargate requires task definition to have execution role ARN to support ECR images.'),
  },
  {
    name: 'awslogs without an execution role',
    input: () => fargateInput(app({ logConfiguration: awslogs })),
    expected: client('Fargate requires task definition to have execution role ARN to support log driver awslogs.'),
  },
  {
    name: 'awslogs without a stream prefix',
    input: () => ({ ...fargateInput(app({ logConfiguration: awslogs })), executionRoleArn: EXECUTION_ROLE }),
    expected: client('Fargate requires log configuration options to include awslogs-stream-prefix to support log driver awslogs.'),
  },
  {
    name: 'a log driver Fargate does not offer',
    input: () => fargateInput(app({ logConfiguration: { logDriver: 'json-file' } })),
    expected: client('Fargate does not support log driver json-file. Supported log drivers are awslogs, splunk and awsfirelens.'),
  },
  { name: 'stopTimeout 121', input: () => fargateInput(app({ stopTimeout: 121 })), expected: client('Tasks using the Fargate launch type must have a container stop timeout of less than 120 seconds.') },
  { name: 'ipcMode task', input: () => ({ ...fargateInput(), ipcMode: 'task' }), expected: client('Tasks using the Fargate launch type do not support ipcMode.') },
  { name: 'ipcMode host', input: () => ({ ...fargateInput(), ipcMode: 'host' }), expected: client('Tasks using the Fargate launch type do not support ipcMode.') },
  {
    name: 'pidMode host',
    input: () => ({ ...fargateInput(), pidMode: 'host' }),
    expected: client("Tasks using the Fargate launch type do not support pidMode 'host'. The supported value for pidMode is 'task'."),
  },
  { name: 'privileged', input: () => fargateInput(app({ privileged: true })), expected: unsupported('privileged') },
  { name: 'dockerSecurityOptions', input: () => fargateInput(app({ dockerSecurityOptions: ['no-new-privileges'] })), expected: unsupported('dockerSecurityOptions') },
  { name: 'a host volume with sourcePath', input: () => ({ ...fargateInput(), volumes: [{ name: 'v', host: { sourcePath: '/var/log' } }] }), expected: unsupported('sourcePath') },
  {
    name: 'a docker volume configuration',
    input: () => ({ ...fargateInput(), volumes: [{ name: 'v', dockerVolumeConfiguration: { scope: 'task', driver: 'local' } }] }),
    expected: unsupported('dockerVolumeConfiguration'),
  },
  {
    name: 'placement constraints',
    input: () => ({ ...fargateInput(), placementConstraints: [{ type: 'memberOf', expression: 'attribute:ecs.os-type == linux' }] }),
    expected: unsupported('constraints'),
  },
  { name: 'linux devices', input: () => fargateInput(app({ linuxParameters: { devices: [{ hostPath: '/dev/fuse' }] } })), expected: unsupported('devices') },
  { name: 'sharedMemorySize', input: () => fargateInput(app({ linuxParameters: { sharedMemorySize: 256 } })), expected: unsupported('sharedMemorySize') },
  { name: 'tmpfs', input: () => fargateInput(app({ linuxParameters: { tmpfs: [{ containerPath: '/tmp', size: 64 }] } })), expected: unsupported('tmpfs') },
  { name: 'maxSwap', input: () => fargateInput(app({ linuxParameters: { maxSwap: 0 } })), expected: unsupported('maxSwap') },
  { name: 'swappiness', input: () => fargateInput(app({ linuxParameters: { swappiness: 60 } })), expected: unsupported('swappiness') },
  {
    name: 'adding NET_ADMIN',
    input: () => fargateInput(app({ linuxParameters: { capabilities: { add: ['NET_ADMIN'] } } })),
    expected: client('Tasks launched on Fargate only support adding the SYS_PTRACE kernel capability.'),
  },
  {
    name: 'adding SYS_PTRACE and SYS_ADMIN',
    input: () => fargateInput(app({ linuxParameters: { capabilities: { add: ['SYS_PTRACE', 'SYS_ADMIN'] } } })),
    expected: client('Tasks launched on Fargate only support adding the SYS_PTRACE kernel capability.'),
  },
  {
    name: 'a GPU requirement',
    input: () => fargateInput(app({ resourceRequirements: [{ type: 'GPU', value: '1' }] })),
    expected: client('Tasks using the Fargate launch type do not support GPU resource requirements'),
  },
  {
    name: 'FARGATE alongside EC2 still gets the Fargate rules',
    input: () => ({ ...fargateInput(), requiresCompatibilities: ['EC2', 'FARGATE'], networkMode: 'bridge' }),
    expected: NETWORK_MODE,
  },
];

describe('Fargate rules reject (requiresCompatibilities includes FARGATE)', () => {
  for (const c of rejected) test(c.name, () => assert.deepEqual(rejection(() => build(c.input())), c.expected));
});

describe('Fargate rules accept', () => {
  const accepted: Array<{ name: string; input: () => RegisterTaskDefinitionInput }> = [
    { name: 'the seed definition', input: seedInput },
    { name: 'an ECR image with an execution role', input: () => ({ ...fargateInput(app({ image: ECR_IMAGE })), executionRoleArn: EXECUTION_ROLE }) },
    { name: 'a public ECR gallery image without an execution role', input: () => fargateInput(app({ image: 'public.ecr.aws/nginx/nginx:latest' })) },
    { name: 'stopTimeout 120', input: () => fargateInput(app({ stopTimeout: 120 })) },
    { name: 'pidMode task', input: () => ({ ...fargateInput(), pidMode: 'task' }) },
    { name: 'adding SYS_PTRACE and dropping others', input: () => fargateInput(app({ linuxParameters: { capabilities: { add: ['SYS_PTRACE'], drop: ['NET_RAW'] }, initProcessEnabled: true } })) },
    { name: 'privileged false and empty security options', input: () => fargateInput(app({ privileged: false, dockerSecurityOptions: [], linuxParameters: { devices: [], tmpfs: [] } })) },
    { name: 'a bind-mount volume without sourcePath', input: () => ({ ...fargateInput(app({ mountPoints: [{ sourceVolume: 'scratch', containerPath: '/scratch' }] })), volumes: [{ name: 'scratch', host: {} }] }) },
    { name: 'an EFS volume', input: () => ({ ...fargateInput(), volumes: [{ name: 'data', efsVolumeConfiguration: { fileSystemId: 'fs-12345678' } }] }) },
    { name: 'splunk and awsfirelens log drivers', input: () => fargateInput(app({ logConfiguration: { logDriver: 'splunk' } }), app({ name: 'b', logConfiguration: { logDriver: 'awsfirelens' } })) },
    { name: 'the largest size, 16 vCPU / 120 GB', input: () => ({ ...fargateInput(), cpu: '16 vCPU', memory: '120 GB' }) },
  ];
  for (const c of accepted) test(c.name, () => assert.doesNotThrow(() => build(c.input())));
});

describe('compatibilities (what Fargate could run, asked for or not)', () => {
  const probe = (input: RegisterTaskDefinitionInput) => build(input).compatibilities;
  const withoutRequirement = (input: RegisterTaskDefinitionInput): RegisterTaskDefinitionInput => ({ ...input, requiresCompatibilities: undefined });

  test('a definition requiring FARGATE lists EC2 and FARGATE', () => assert.deepEqual(probe(seedInput()), ['EC2', 'FARGATE']));
  test('an awsvpc definition with a Fargate size lists FARGATE without asking', () => {
    assert.deepEqual(probe(withoutRequirement(fargateInput())), ['EC2', 'FARGATE']);
  });
  test('requiring only EC2 does not hide Fargate compatibility', () => {
    assert.deepEqual(probe({ ...fargateInput(), requiresCompatibilities: ['EC2'] }), ['EC2', 'FARGATE']);
  });
  const ec2Only: Array<[string, (i: RegisterTaskDefinitionInput) => RegisterTaskDefinitionInput]> = [
    ['bridge network mode', (i) => ({ ...i, networkMode: 'bridge' })],
    ['no network mode', (i) => ({ ...i, networkMode: undefined })],
    ['no task size', (i) => ({ ...i, cpu: undefined, memory: undefined, containerDefinitions: [app({ memory: 256 })] })],
    ['a size Fargate lacks', (i) => ({ ...i, cpu: '128' })],
    ['a privileged container', (i) => ({ ...i, containerDefinitions: [app({ privileged: true })] })],
    ['an ECR image without an execution role', (i) => ({ ...i, containerDefinitions: [app({ image: ECR_IMAGE })] })],
    ['stopTimeout 300', (i) => ({ ...i, containerDefinitions: [app({ stopTimeout: 300 })] })],
  ];
  for (const [name, change] of ec2Only) {
    test(`${name} leaves only EC2`, () => assert.deepEqual(probe(change(withoutRequirement(fargateInput()))), ['EC2']));
  }
  test('explicitly required launch types are listed', () => {
    assert.deepEqual(probe({ ...fargateInput(), networkMode: 'bridge', cpu: undefined, memory: undefined, containerDefinitions: [app({ memory: 64 })], requiresCompatibilities: ['EXTERNAL'] }), [
      'EC2',
      'EXTERNAL',
    ]);
  });
});

describe("Wharf's repositoryUri form counts as an ECR image", () => {
  const REGISTRY_HOST = '127.0.0.1:4566';
  const wharfImage = `${REGISTRY_HOST}/my-app:1`;
  const withHost = { ...CTX, registryHost: REGISTRY_HOST };
  test('without an execution role it is refused at registration, as an AWS-form ECR image is', () => {
    assert.deepEqual(rejection(() => build(fargateInput(app({ image: wharfImage })), withHost)), client('Fargate requires task definition to have execution role ARN to support ECR images.'));
  });
  test('with an execution role it registers, needing ecr-auth and execution-role-ecr-pull', () => {
    const definition = build({ ...fargateInput(app({ image: wharfImage })), executionRoleArn: EXECUTION_ROLE }, withHost);
    const names = definition.requiresAttributes.map((attribute) => attribute.name);
    assert.ok(names.includes('com.amazonaws.ecs.capability.ecr-auth'));
    assert.ok(names.includes('ecs.capability.execution-role-ecr-pull'));
  });
  test('not requiring FARGATE, it registers without FARGATE among its compatibilities', () => {
    assert.deepEqual(build({ ...fargateInput(app({ image: wharfImage })), requiresCompatibilities: undefined }, withHost).compatibilities, ['EC2']);
  });
  test('another registry on loopback is not ECR', () => {
    assert.doesNotThrow(() => build(fargateInput(app({ image: '127.0.0.1:5000/my-app:1' })), withHost));
  });
});

describe('fargateIncompatibility', () => {
  test('returns the problem instead of throwing, and nothing for a valid definition', () => {
    assert.equal(fargateIncompatibility(resolveDefinition(seedInput())), undefined);
    const problem = fargateIncompatibility(resolveDefinition({ ...seedInput(), networkMode: 'bridge' }));
    assert.deepEqual({ code: problem?.code, message: problem?.message }, NETWORK_MODE);
  });
});
