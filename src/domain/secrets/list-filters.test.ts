import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AwsError } from '../errors.js';
import { groupFilters, matchesFilters, searchWords, type ListFilter } from './list-filters.js';
import type { SecretRecord } from './records.js';

const secret = (name: string, extra: Partial<SecretRecord> = {}): SecretRecord => ({ arn: `arn:aws:secretsmanager:us-east-1:1:secret:${name}-AbCdEf`, name, tags: [], createdDate: 0, lastChangedDate: 0, versions: [], ...extra });
const base = secret('db', { description: 'the database', tags: [{ Key: 'env', Value: 'prod' }] });
const matches = (s: SecretRecord, filters: ListFilter[]) => matchesFilters(s, groupFilters(filters));
const refusal = (filters: ListFilter[]) => {
  try {
    groupFilters(filters);
  } catch (error) {
    return `${(error as AwsError).code}: ${(error as AwsError).message}`;
  }
  return 'accepted';
};

describe('ListSecrets filters', () => {
  test('words break at punctuation, at lower-to-upper case changes and between letters and digits', () => {
    assert.deepEqual(searchWords('credsDatabase#892'), ['creds', 'Database', '892']);
    assert.deepEqual(searchWords('prod/app_DB-password2'), ['prod', 'app', 'DB', 'password', '2']);
    assert.deepEqual(searchWords('  '), []);
  });

  test('name matches from its start, case-sensitively; tag keys and values by prefix', () => {
    assert.ok(matches(secret('DatabaseSecret'), [{ Key: 'name', Values: ['Data'] }]));
    assert.ok(!matches(secret('databaseSecret'), [{ Key: 'name', Values: ['Data'] }]));
    assert.ok(!matches(secret('MyData'), [{ Key: 'name', Values: ['Data'] }]));
    assert.ok(matches(base, [{ Key: 'tag-key', Values: ['en'] }]));
    assert.ok(!matches(base, [{ Key: 'tag-value', Values: ['rod'] }]));
  });

  test('description: every word of the value starts a word of the description, in any case and order', () => {
    const described = secret('x', { description: 'Description of my secret' });
    assert.ok(matches(described, [{ Key: 'description', Values: ['My Description'] }]));
    assert.ok(matches(described, [{ Key: 'description', Values: ['secr'] }]));
    assert.ok(!matches(described, [{ Key: 'description', Values: ['my password'] }]));
    assert.ok(!matches(described, [{ Key: 'description', Values: ['cret'] }]), 'a word matches from its start');
  });

  test('all: the words must all be in one field, any field, case-insensitively', () => {
    const s = secret('prod/credsDatabase', { description: 'payments', tags: [{ Key: 'Team', Value: 'blue' }] });
    assert.ok(matches(s, [{ Key: 'all', Values: ['database'] }]));
    assert.ok(matches(s, [{ Key: 'all', Values: ['CREDS#data'] }]));
    assert.ok(matches(s, [{ Key: 'all', Values: ['team'] }]));
    assert.ok(!matches(s, [{ Key: 'all', Values: ['payments blue'] }]), 'two fields');
  });

  test('filters repeating a key are one filter: any of their values; different keys must all hold; ! excludes', () => {
    const two = [{ Key: 'name', Values: ['a'] }, { Key: 'name', Values: ['d'] }];
    assert.ok(matches(base, two));
    assert.ok(matches(base, [{ Key: 'name', Values: ['d'] }, { Key: 'tag-key', Values: ['env'] }]));
    assert.ok(!matches(base, [{ Key: 'name', Values: ['d'] }, { Key: 'tag-value', Values: ['dev'] }]));
    assert.ok(matches(base, [{ Key: 'tag-value', Values: ['!dev'] }]));
    assert.ok(!matches(base, [{ Key: 'tag-value', Values: ['!prod'] }]));
  });

  test('a filter without a key or without values is refused', () => {
    assert.match(refusal([{ Values: ['x'] }]), /^InvalidParameterException: Invalid filter key/);
    assert.match(refusal([{ Key: 'name' }]), /^InvalidParameterException: Invalid filter values for key: name/);
    assert.match(refusal([{ Key: 'name', Values: [] }]), /^InvalidParameterException/);
    assert.equal(refusal([]), 'accepted');
  });

  test('a tag stored without a Value or a Key (the model makes both optional) matches nothing and breaks nothing', () => {
    const partial = secret('db', { tags: [{ Key: 'env' } as unknown as SecretRecord['tags'][number], { Value: 'prod' } as unknown as SecretRecord['tags'][number]] });
    assert.ok(!matches(partial, [{ Key: 'tag-value', Values: ['dev'] }]));
    assert.ok(matches(partial, [{ Key: 'tag-value', Values: ['prod'] }]));
    assert.ok(matches(partial, [{ Key: 'tag-key', Values: ['env'] }]));
    assert.ok(matches(partial, [{ Key: 'all', Values: ['prod'] }]));
  });
});
