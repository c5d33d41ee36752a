import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AwsError } from '../../domain/errors.js';
import { loadModel } from '../model/load-model.js';
import { errorTypeName, isQueryCompatible, queryErrorHeader } from './query-compatible.js';

test('query-compatible errors: __type is the shape, the header keeps the Query code and fault', () => {
  const monitoring = loadModel('monitoring');
  assert.equal(isQueryCompatible(monitoring), true);
  assert.equal(errorTypeName(monitoring, 'ResourceNotFound'), 'ResourceNotFound');
  assert.equal(errorTypeName(monitoring, 'InvalidParameterValue'), 'InvalidParameterValueException');
  assert.equal(errorTypeName(monitoring, 'MissingParameter'), 'MissingRequiredParameterException');
  assert.equal(errorTypeName(monitoring, 'InternalServiceError'), 'InternalServiceFault');
  assert.equal(errorTypeName(monitoring, 'ResourceNotFoundException'), 'ResourceNotFoundException');
  assert.equal(errorTypeName(monitoring, 'SerializationException'), 'SerializationException');
  assert.equal(queryErrorHeader(new AwsError('InvalidParameterValue', 'x')), 'InvalidParameterValue;Sender');
  assert.equal(queryErrorHeader(new AwsError('InternalServiceError', 'x', { fault: 'server' })), 'InternalServiceError;Receiver');
});

test('other services keep the code as __type', () => {
  const ecs = loadModel('ecs');
  assert.equal(isQueryCompatible(ecs), false);
  assert.equal(errorTypeName(ecs, 'ClusterNotFoundException'), 'ClusterNotFoundException');
  assert.equal(errorTypeName(undefined, 'X'), 'X');
});
