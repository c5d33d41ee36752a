import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkParameterName, isUnderPath, isValidLabel, normalizePath, parameterArn, parseSelector } from './names.js';

describe('parameter names', () => {
  test('plain names and paths are accepted', () => {
    for (const name of ['api-key', '/my-app/api-key', '/a/b_c.d-e', 'x']) assert.doesNotThrow(() => checkParameterName(name));
  });

  test('aws and ssm prefixes, odd characters and relative paths are refused', () => {
    for (const name of ['aws-thing', '/ssm/x', 'AWS', 'has space', 'a/b', '/a//b', '/a/']) assert.throws(() => checkParameterName(name), (e: Error) => e.name === 'ValidationException', name);
  });

  test('at most 15 levels', () => {
    const path = (levels: number) => '/' + Array.from({ length: levels }, (_, i) => `l${i}`).join('/');
    assert.doesNotThrow(() => checkParameterName(path(15)));
    assert.throws(() => checkParameterName(path(16)), (e: Error) => e.name === 'HierarchyLevelLimitExceededException');
  });

  test('ARNs drop the leading slash', () => {
    assert.equal(parameterArn('aws', 'us-east-1', '123456789012', '/my-app/api-key'), 'arn:aws:ssm:us-east-1:123456789012:parameter/my-app/api-key');
    assert.equal(parameterArn('aws', 'us-east-1', '123456789012', 'api-key'), 'arn:aws:ssm:us-east-1:123456789012:parameter/api-key');
  });
});

describe('selectors, labels and paths', () => {
  test('name, name:version, name:label and ARNs', () => {
    assert.deepEqual(parseSelector('/a/b'), { name: '/a/b' });
    assert.deepEqual(parseSelector('/a/b:3'), { name: '/a/b', version: 3, selector: ':3' });
    assert.deepEqual(parseSelector('/a/b:prod'), { name: '/a/b', label: 'prod', selector: ':prod' });
    assert.deepEqual(parseSelector('arn:aws:ssm:us-east-1:123456789012:parameter/a/b'), { name: '/a/b' });
    assert.deepEqual(parseSelector('arn:aws:ssm:us-east-1:123456789012:parameter/key:2'), { name: 'key', version: 2, selector: ':2' });
  });

  test('labels: no leading digit, aws or ssm; letters, digits, .-_', () => {
    assert.ok(isValidLabel('stable'));
    assert.ok(isValidLabel('v1.2-rc_1'));
    for (const label of ['1st', 'awsx', 'SSM-y', 'has space', '', 'x'.repeat(101)]) assert.ok(!isValidLabel(label), label);
  });

  test('paths: one level or recursive, a sibling with a common prefix is not under', () => {
    assert.equal(normalizePath('/tree/'), '/tree');
    assert.ok(isUnderPath('/tree/a', '/tree', false));
    assert.ok(!isUnderPath('/tree/sub/c', '/tree', false));
    assert.ok(isUnderPath('/tree/sub/c', '/tree', true));
    assert.ok(!isUnderPath('/treehouse', '/tree', true));
    assert.ok(isUnderPath('/x', '/', false));
    assert.throws(() => normalizePath('tree'), (e: Error) => e.name === 'ValidationException');
  });
});
