/**
 * Shared inputs for this module's tests. Kept free of node:assert so it stays a
 * pure domain file; each call returns a fresh copy the test may mutate.
 */
import { AwsError } from '../errors.js';
import { buildTaskDefinition } from './build-task-definition.js';
import type { ContainerDefinition, RegisterTaskDefinitionInput, RegistrationContext, TaskDefinition } from './types.js';

export const ACCOUNT = '123456789012';
export const EXECUTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`;
export const TASK_ROLE = `arn:aws:iam::${ACCOUNT}:role/ecsTaskRole`;
export const ECR_IMAGE = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/my-app:latest`;

/** The project's seed definition, verbatim from the brief. */
export function seedInput(): RegisterTaskDefinitionInput {
  return {
    family: 'my-app',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '512',
    memory: '1024',
    executionRoleArn: EXECUTION_ROLE,
    taskRoleArn: TASK_ROLE,
    containerDefinitions: [
      {
        name: 'app',
        image: ECR_IMAGE,
        portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': '/ecs/my-app', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'app' },
        },
        environment: [{ name: 'NODE_ENV', value: 'production' }],
        secrets: [{ name: 'DB_PASSWORD', valueFrom: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:db-password` }],
        healthCheck: {
          command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'],
          interval: 30,
          timeout: 5,
          retries: 3,
        },
      },
    ],
  };
}

/** A bare EC2 definition (bridge network, container-level memory): no Fargate rule applies. */
export function ec2Input(...containers: ContainerDefinition[]): RegisterTaskDefinitionInput {
  return {
    family: 'web',
    containerDefinitions: containers.length > 0 ? containers : [{ name: 'web', image: 'nginx:latest', memory: 256 }],
  };
}

/** A minimal Fargate definition with a public image and no logging, so no execution role is needed. */
export function fargateInput(...containers: ContainerDefinition[]): RegisterTaskDefinitionInput {
  return {
    family: 'fg',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    containerDefinitions: containers.length > 0 ? containers : [{ name: 'app', image: 'nginx:latest' }],
  };
}

export const CTX: RegistrationContext = {
  arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/my-app:1`,
  revision: 1,
  registeredAt: new Date(1_700_000_000_000),
};

export function build(input: RegisterTaskDefinitionInput, ctx: RegistrationContext = CTX): TaskDefinition {
  return buildTaskDefinition(input, ctx);
}

/** The AwsError `fn` throws, reduced to what ECS puts on the wire; fails loudly if it throws nothing else. */
export function rejection(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof AwsError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected an AwsError, but nothing was thrown');
}

export const client = (message: string) => ({ code: 'ClientException', message });
export const invalid = (message: string) => ({ code: 'InvalidParameterException', message });
