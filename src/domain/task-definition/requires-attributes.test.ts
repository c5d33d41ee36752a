import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { requiresAttributes } from './requires-attributes.js';
import type { ContainerDefinition, NetworkMode, RegisterTaskDefinitionInput } from './types.js';
import { ECR_IMAGE, EXECUTION_ROLE, TASK_ROLE, seedInput } from './fixtures.js';

const CAP = 'com.amazonaws.ecs.capability.';
const names = (input: RegisterTaskDefinitionInput, mode: NetworkMode = input.networkMode ?? 'bridge') =>
  requiresAttributes(input, mode).map((a) => a.name);
const def = (extra: Partial<RegisterTaskDefinitionInput>, ...containers: ContainerDefinition[]): RegisterTaskDefinitionInput => ({
  family: 'f',
  containerDefinitions: containers.length ? containers : [{ name: 'a', image: 'busybox', memory: 64 }],
  ...extra,
});
const awslogs = { logDriver: 'awslogs', options: { 'awslogs-group': 'g', 'awslogs-region': 'r' } };

describe('requiresAttributes', () => {
  test('the seed gets the attributes and order of a real Fargate definition of the same shape', () => {
    assert.deepEqual(names(seedInput()), [
      `${CAP}logging-driver.awslogs`,
      `${CAP}docker-remote-api.1.24`,
      'ecs.capability.execution-role-awslogs',
      `${CAP}ecr-auth`,
      `${CAP}docker-remote-api.1.19`,
      'ecs.capability.secrets.asm.environment-variables',
      `${CAP}task-iam-role`,
      'ecs.capability.container-health-check',
      'ecs.capability.execution-role-ecr-pull',
      `${CAP}docker-remote-api.1.18`,
      'ecs.capability.task-eni',
    ]);
  });

  test('matches a published 2026 answer (awslogs, ECR, task role, awsvpc; no health check or secrets)', () => {
    const input = def(
      { executionRoleArn: EXECUTION_ROLE, taskRoleArn: TASK_ROLE, networkMode: 'awsvpc' },
      { name: 'api', image: ECR_IMAGE, logConfiguration: awslogs },
    );
    assert.deepEqual(names(input), [
      `${CAP}logging-driver.awslogs`,
      'ecs.capability.execution-role-awslogs',
      `${CAP}ecr-auth`,
      `${CAP}docker-remote-api.1.19`,
      `${CAP}task-iam-role`,
      'ecs.capability.execution-role-ecr-pull',
      `${CAP}docker-remote-api.1.18`,
      'ecs.capability.task-eni',
    ]);
  });

  test('a plain bridge container with a public image needs nothing', () => assert.deepEqual(names(def({})), []));

  const single: Array<[string, RegisterTaskDefinitionInput, string[]]> = [
    ['task role', def({ taskRoleArn: TASK_ROLE }), [`${CAP}task-iam-role`]],
    ['awsvpc', def({ networkMode: 'awsvpc' }), [`${CAP}docker-remote-api.1.18`, 'ecs.capability.task-eni']],
    ['ECR image without an execution role', def({}, { name: 'a', image: ECR_IMAGE }), [`${CAP}ecr-auth`]],
    ['awslogs without an execution role', def({}, { name: 'a', image: 'x', logConfiguration: awslogs }), [`${CAP}logging-driver.awslogs`, `${CAP}docker-remote-api.1.19`]],
    ['another log driver', def({}, { name: 'a', image: 'x', logConfiguration: { logDriver: 'json-file' } }), [`${CAP}logging-driver.json-file`, `${CAP}docker-remote-api.1.19`]],
    ['health check', def({}, { name: 'a', image: 'x', healthCheck: { command: ['CMD', 'true'] } }), [`${CAP}docker-remote-api.1.24`, 'ecs.capability.container-health-check']],
    ['SSM parameter secret (by name)', def({}, { name: 'a', image: 'x', secrets: [{ name: 'S', valueFrom: '/app/secret' }] }), ['ecs.capability.secrets.ssm.environment-variables']],
    [
      'SSM parameter secret (by ARN)',
      def({}, { name: 'a', image: 'x', secrets: [{ name: 'S', valueFrom: 'arn:aws:ssm:us-east-1:123456789012:parameter/app' }] }),
      ['ecs.capability.secrets.ssm.environment-variables'],
    ],
    [
      'dependsOn',
      def({}, { name: 'a', image: 'x', dependsOn: [{ containerName: 'b', condition: 'START' }] }, { name: 'b', image: 'x' }),
      ['ecs.capability.container-ordering'],
    ],
    ['stopTimeout', def({}, { name: 'a', image: 'x', stopTimeout: 10 }), ['ecs.capability.container-ordering']],
    ['runtimePlatform', def({ runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' } }), [`${CAP}docker-remote-api.1.29`]],
    ['environment files', def({}, { name: 'a', image: 'x', environmentFiles: [{ type: 's3', value: 'arn:aws:s3:::b/a.env' }] }), ['ecs.capability.env-files.s3']],
    ['EFS volume', def({ volumes: [{ name: 'v', efsVolumeConfiguration: { fileSystemId: 'fs-1' } }] }), ['ecs.capability.efs']],
    [
      'EFS volume with IAM authorization',
      def({ volumes: [{ name: 'v', efsVolumeConfiguration: { fileSystemId: 'fs-1', authorizationConfig: { iam: 'ENABLED' } } }] }),
      ['ecs.capability.efs', 'ecs.capability.efsAuth'],
    ],
    [
      'private registry credentials',
      def({}, { name: 'a', image: 'x', repositoryCredentials: { credentialsParameter: 'arn:aws:secretsmanager:us-east-1:1:secret:r' } }),
      [`${CAP}private-registry-authentication.secretsmanager`],
    ],
  ];
  for (const [name, input, expected] of single) test(name, () => assert.deepEqual(names(input), expected));

  test('each attribute appears once however many containers need it', () => {
    const input = def(
      { networkMode: 'awsvpc', executionRoleArn: EXECUTION_ROLE },
      { name: 'a', image: ECR_IMAGE, logConfiguration: awslogs, healthCheck: { command: ['CMD', 'true'] } },
      { name: 'b', image: ECR_IMAGE, logConfiguration: awslogs, healthCheck: { command: ['CMD', 'true'] } },
    );
    const list = names(input);
    assert.equal(new Set(list).size, list.length);
  });

  test('attributes are bare names, as ECS shows them', () => {
    for (const attribute of requiresAttributes(seedInput(), 'awsvpc')) assert.deepEqual(Object.keys(attribute), ['name']);
  });
});
