import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { answersTo, checkSecretName, lookupCandidates, parseSecretId } from './secret-id.js';

const SCOPE = { account: '123456789012', region: 'us-east-1' };
const record = { name: 'my-secret', arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:my-secret-AbC123' };

describe('SecretId: a name, a full ARN or a partial ARN', () => {
  test('a name is looked up as is', () => {
    const id = parseSecretId('my-secret');
    assert.deepEqual(lookupCandidates(id, SCOPE), ['my-secret']);
    assert.ok(answersTo(id, 'my-secret', record));
  });

  test('a full ARN names the secret without its suffix and must match exactly', () => {
    const id = parseSecretId(record.arn);
    assert.deepEqual(lookupCandidates(id, SCOPE), ['my-secret', 'my-secret-AbC123']);
    assert.ok(answersTo(id, 'my-secret', record));
    const wrongSuffix = parseSecretId('arn:aws:secretsmanager:us-east-1:123456789012:secret:my-secret-ZZZZZZ');
    assert.ok(!answersTo(wrongSuffix, 'my-secret', record));
  });

  test('a partial ARN whose name ends like a suffix is still found by its whole name', () => {
    // "my-secret" ends in "-secret", six letters: it could be a suffix, so both readings are tried.
    const id = parseSecretId('arn:aws:secretsmanager:us-east-1:123456789012:secret:my-secret');
    assert.deepEqual(lookupCandidates(id, SCOPE), ['my', 'my-secret']);
    assert.ok(!answersTo(id, 'my', { name: 'my', arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:my-XyZ987' }));
    assert.ok(answersTo(id, 'my-secret', record));
  });

  test("another account's or region's ARN names nothing here", () => {
    assert.deepEqual(lookupCandidates(parseSecretId('arn:aws:secretsmanager:us-east-1:999999999999:secret:my-secret'), SCOPE), []);
    assert.deepEqual(lookupCandidates(parseSecretId('arn:aws:secretsmanager:eu-west-1:123456789012:secret:my-secret'), SCOPE), []);
  });

  test('names: letters, digits and /_+=.@-', () => {
    assert.doesNotThrow(() => checkSecretName('prod/db_user+x=y.z@w-1'));
    assert.throws(() => checkSecretName('white space'), /Invalid name/);
    assert.throws(() => checkSecretName('a'.repeat(513)), /Invalid name/);
  });
});
