import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AwsError } from '../errors.js';
import { errors } from './messages.js';

describe('message catalogue', () => {
  test('every entry builds a client-fault AwsError with a non-empty message', () => {
    for (const [name, make] of Object.entries(errors)) {
      const error = (make as (...args: unknown[]) => AwsError)('x', 1, 2, 3);
      assert.ok(error instanceof AwsError, name);
      assert.equal(error.fault, 'client', name);
      assert.equal(error.status, 400, name);
      assert.ok(['ClientException', 'InvalidParameterException'].includes(error.code), `${name}: ${error.code}`);
      assert.ok(error.message.length > 0, name);
    }
  });

  test('the texts given in ecs-facts.md are used verbatim where ECS still answers them', () => {
    assert.equal(errors.fargateCpuMissing().message, "Fargate requires that 'cpu' be defined at the task level.");
    assert.equal(errors.fargateEcrNeedsExecutionRole().message, 'Fargate requires task definition to have execution role ARN to support ECR images.');
    assert.equal(errors.fargateAwslogsNeedsExecutionRole().message, 'Fargate requires task definition to have execution role ARN to support log driver awslogs.');
    assert.equal(errors.containerMemoryTooHigh().message, "The 'memory' setting for container is greater than for the task.");
  });

  test('the Fargate size message keeps the old sentence as its prefix', () => {
    assert.ok(errors.fargateSize(1024, 1024).message.startsWith('No Fargate configuration exists for given values'));
  });
});
