import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkFilters, legacyFilters, matchesParameterFilters } from './filters.js';
import { labelVersion, latest, putParameter, selectVersion, unlabelVersion } from './parameters.js';
import type { ParameterRecord } from './records.js';

const NOW = new Date('2026-01-10T12:00:00Z');
const ctx = { arn: 'arn:aws:ssm:us-east-1:123456789012:parameter/app/key', now: NOW, user: 'arn:aws:iam::123456789012:root', seal: (text: string, context: string) => `sealed(${context})<${text.length}>` };
const errorName = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as Error).name;
  }
  return 'no error';
};

describe('PutParameter', () => {
  test('version 1, then Overwrite makes 2 and keeps type, description and pattern', () => {
    const first = putParameter(undefined, { Name: '/app/key', Value: 'a', Type: 'String', Description: 'd', Tags: [{ Key: 't', Value: '1' }] }, ctx);
    assert.equal(latest(first).version, 1);
    assert.deepEqual(first.tags, [{ Key: 't', Value: '1' }]);
    const second = putParameter(first, { Name: '/app/key', Value: 'b', Overwrite: true }, ctx);
    assert.deepEqual([latest(second).version, latest(second).type, latest(second).description, latest(second).value], [2, 'String', 'd', 'b']);
    assert.equal(second.versions.length, 2);
  });

  test('without Overwrite an existing parameter is refused; tags with Overwrite are refused; a new one needs a Type', () => {
    const first = putParameter(undefined, { Name: '/app/key', Value: 'a', Type: 'String' }, ctx);
    assert.equal(errorName(() => putParameter(first, { Name: '/app/key', Value: 'b' }, ctx)), 'ParameterAlreadyExists');
    assert.equal(errorName(() => putParameter(first, { Name: '/app/key', Value: 'b', Overwrite: true, Tags: [{ Key: 'a', Value: 'b' }] }, ctx)), 'ValidationException');
    assert.equal(errorName(() => putParameter(undefined, { Name: '/app/key', Value: 'a' }, ctx)), 'ValidationException');
  });

  test('SecureString values are sealed for their ARN and version, never kept in clear; the default key is alias/aws/ssm', () => {
    const secure = putParameter(undefined, { Name: '/app/key', Value: 'k3y', Type: 'SecureString' }, ctx);
    const version = latest(secure);
    assert.equal(version.value, undefined);
    assert.equal(version.sealed, `sealed(ssm|${ctx.arn}|1)<3>`);
    assert.equal(version.keyId, 'alias/aws/ssm');
    assert.ok(!JSON.stringify(secure).includes('k3y'));
  });

  test('tiers: Standard up to 4096 characters, Intelligent-Tiering picks, Advanced stays Advanced', () => {
    const big = 'x'.repeat(5000);
    assert.equal(errorName(() => putParameter(undefined, { Name: '/app/key', Value: big, Type: 'String' }, ctx)), 'ValidationException');
    assert.equal(latest(putParameter(undefined, { Name: '/app/key', Value: big, Type: 'String', Tier: 'Intelligent-Tiering' }, ctx)).tier, 'Advanced');
    assert.equal(latest(putParameter(undefined, { Name: '/app/key', Value: 'x', Type: 'String', Tier: 'Intelligent-Tiering' }, ctx)).tier, 'Standard');
    const advanced = putParameter(undefined, { Name: '/app/key', Value: 'x', Type: 'String', Tier: 'Advanced' }, ctx);
    assert.equal(latest(putParameter(advanced, { Name: '/app/key', Value: 'y', Overwrite: true }, ctx)).tier, 'Advanced');
    assert.equal(errorName(() => putParameter(undefined, { Name: '/app/key', Value: 'x'.repeat(8193), Type: 'String', Tier: 'Advanced' }, ctx)), 'ValidationException');
  });

  test('AllowedPattern is enforced on this and later values', () => {
    const digits = putParameter(undefined, { Name: '/app/key', Value: '42', Type: 'String', AllowedPattern: '^[0-9]+$' }, ctx);
    assert.equal(errorName(() => putParameter(digits, { Name: '/app/key', Value: 'abc', Overwrite: true }, ctx)), 'ParameterPatternMismatchException');
  });

  test('only the last 100 versions are kept', () => {
    let record: ParameterRecord | undefined;
    for (let i = 0; i < 102; i++) record = putParameter(record, { Name: '/app/key', Value: String(i), Type: 'String', Overwrite: i > 0 }, ctx);
    assert.equal(record!.versions.length, 100);
    assert.equal(record!.versions[0]!.version, 3);
  });
});

describe('versions and labels', () => {
  let record = putParameter(undefined, { Name: '/app/key', Value: 'a', Type: 'String' }, ctx);
  record = putParameter(record, { Name: '/app/key', Value: 'b', Overwrite: true }, ctx);

  test('select by number, label, or the latest; a missing version is ParameterVersionNotFound', () => {
    const labelled = labelVersion(record, 1, ['prod', '9bad']);
    assert.deepEqual(labelled.invalid, ['9bad']);
    assert.equal(selectVersion(labelled.record, { label: 'prod' }).value, 'a');
    assert.equal(selectVersion(labelled.record, { version: 2 }).value, 'b');
    assert.equal(selectVersion(labelled.record, {}).value, 'b');
    assert.equal(errorName(() => selectVersion(labelled.record, { version: 3 })), 'ParameterVersionNotFound');
    assert.equal(errorName(() => selectVersion(labelled.record, { label: 'nope' })), 'ParameterVersionNotFound');
  });

  test('a label moves to the version it is put on; unlabel reports what it removed', () => {
    const moved = labelVersion(labelVersion(record, 1, ['prod']).record, undefined, ['prod']);
    assert.equal(moved.version, 2);
    assert.deepEqual(moved.record.versions.map((v) => v.labels), [[], ['prod']]);
    const removed = unlabelVersion(moved.record, 2, ['prod', 'other']);
    assert.deepEqual([removed.removed, removed.invalid], [['prod'], ['other']]);
  });

  test('at most 10 labels on a version', () => {
    const ten = labelVersion(record, 1, Array.from({ length: 10 }, (_, i) => `l${i}`)).record;
    assert.equal(errorName(() => labelVersion(ten, 1, ['eleven'])), 'ParameterVersionLabelLimitExceeded');
  });
});

describe('parameter filters', () => {
  const record = putParameter(undefined, { Name: '/app/key', Value: 'a', Type: 'SecureString', Tags: [{ Key: 'team', Value: 'core' }] }, ctx);
  const match = (filters: Parameters<typeof matchesParameterFilters>[2]) => matchesParameterFilters(record, latest(record), filters);

  test('keys and options', () => {
    assert.ok(match([{ Key: 'Type', Values: ['SecureString'] }]));
    assert.ok(!match([{ Key: 'Type', Values: ['String'] }]));
    assert.ok(match([{ Key: 'Name', Option: 'BeginsWith', Values: ['/app/'] }]));
    assert.ok(match([{ Key: 'Name', Option: 'Contains', Values: ['pp/k'] }]));
    assert.ok(match([{ Key: 'Name', Values: ['/app/key'] }]));
    assert.ok(match([{ Key: 'Path', Values: ['/app'] }]));
    assert.ok(!match([{ Key: 'Path', Values: ['/'] }]));
    assert.ok(match([{ Key: 'Path', Option: 'Recursive', Values: ['/'] }]));
    assert.ok(match([{ Key: 'KeyId', Values: ['alias/aws/ssm'] }]));
    assert.ok(match([{ Key: 'tag:team', Values: ['core'] }]));
    assert.ok(!match([{ Key: 'tag:team', Values: ['other'] }]));
    assert.ok(match([{ Key: 'Tier', Values: ['Standard'] }, { Key: 'DataType', Values: ['text'] }]));
  });

  test('the older Filters match names by prefix; bad keys and options are refused', () => {
    assert.ok(match(legacyFilters([{ Key: 'Name', Values: ['/app'] }])));
    assert.equal(errorName(() => checkFilters([{ Key: 'Name', Values: ['x'] }], 'by-path')), 'InvalidFilterKey');
    assert.equal(errorName(() => checkFilters([{ Key: 'Path', Option: 'Contains', Values: ['/x'] }], 'describe')), 'InvalidFilterOption');
    assert.doesNotThrow(() => checkFilters([{ Key: 'tag:x' }, { Key: 'tag:y', Option: 'BeginsWith', Values: ['a'] }], 'describe'));
    assert.doesNotThrow(() => checkFilters([{ Key: 'Label', Values: ['x'] }], 'by-path'));
    assert.equal(errorName(() => checkFilters([{ Key: 'Label', Values: ['x'] }], 'describe')), 'InvalidFilterKey');
    assert.equal(errorName(() => checkFilters([{ Key: 'Type', Values: ['String'] }, { Key: 'Type', Values: ['String'] }], 'describe')), 'InvalidFilterKey');
    assert.equal(errorName(() => checkFilters([{ Key: 'Name' }], 'describe')), 'InvalidFilterValue');
    assert.equal(errorName(() => checkFilters([{ Key: 'Type', Values: ['Strung'] }], 'describe')), 'InvalidFilterValue');
    assert.equal(errorName(() => checkFilters([{ Key: 'Path', Values: ['no-slash'] }], 'describe')), 'ValidationException');
    assert.equal(errorName(() => checkFilters([{ Key: 'Path', Values: ['/aws/x'] }], 'describe')), 'ValidationException');
    assert.equal(errorName(() => checkFilters([{ Key: 'Type', Option: 'Contains', Values: ['String'] }], 'describe')), 'InvalidFilterOption');
  });
});
