import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveDefinition } from './resolve.js';
import { ec2Input, fargateInput, seedInput } from './fixtures.js';

describe('resolveDefinition', () => {
  test('a Linux task without a network mode runs on bridge', () => assert.equal(resolveDefinition(ec2Input()).networkMode, 'bridge'));
  test('sizes are parsed to numbers', () => {
    const r = resolveDefinition({ ...fargateInput(), cpu: '0.5 vCPU', memory: '1 GB' });
    assert.deepEqual([r.cpu, r.memory], [512, 1024]);
  });
  test('sizes stay undefined when the task sets none', () => {
    const r = resolveDefinition(ec2Input());
    assert.equal(r.cpu, undefined);
    assert.equal(r.memory, undefined);
  });
  test('FARGATE anywhere in requiresCompatibilities means Fargate is required', () => {
    assert.equal(resolveDefinition(seedInput()).requiresFargate, true);
    assert.equal(resolveDefinition({ ...seedInput(), requiresCompatibilities: ['EC2', 'FARGATE'] }).requiresFargate, true);
    assert.equal(resolveDefinition({ ...seedInput(), requiresCompatibilities: ['EC2'] }).requiresFargate, false);
    assert.equal(resolveDefinition(ec2Input()).requiresFargate, false);
  });
});
