import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AwsError } from '../errors.js';
import { checkRepositoryName, checkMutability, describeRepository, mergeEcrTags, newRepository, parseRepositoryArn, repositoryArn } from './repository.js';
import { checkRepositoryPolicy } from './repository-policy.js';
import { matchesWildcard, wildcardCount } from './wildcard.js';

const context = { region: 'us-east-1', account: '123456789012', now: new Date(1_700_000_000_000), registryHost: '127.0.0.1:4566' };

describe('repositories', () => {
  test('names: ECR\'s pattern, matched whole', () => {
    for (const name of ['my-app', 'team/app', 'a1', 'a.b_c__d---e', 'x/y/z']) assert.doesNotThrow(() => checkRepositoryName(name), name);
    for (const name of ['My-App', 'a', '-a', 'a-', 'a//b', 'a/', 'a..b', 'a___b', 'has space', 'ü-x', 'a'.repeat(257)]) {
      assert.throws(
        () => checkRepositoryName(name),
        (error: unknown) =>
          error instanceof AwsError &&
          error.code === 'InvalidParameterException' &&
          error.message === "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*''",
        name,
      );
    }
  });

  test('a new repository: defaults, ARN, URI, tags', () => {
    const record = newRepository({ repositoryName: 'team/app', tags: [{ Key: 'team', Value: 'web' }] }, context);
    assert.equal(record.repositoryArn, 'arn:aws:ecr:us-east-1:123456789012:repository/team/app');
    assert.equal(record.repositoryUri, '127.0.0.1:4566/team/app');
    assert.equal(record.registryId, '123456789012');
    assert.equal(record.imageTagMutability, 'MUTABLE');
    assert.deepEqual(record.imageScanningConfiguration, { scanOnPush: false });
    assert.deepEqual(record.encryptionConfiguration, { encryptionType: 'AES256' });
    assert.deepEqual(record.tags, [{ key: 'team', value: 'web' }]);
    const shown = describeRepository(record, '127.0.0.1:5000');
    assert.equal(shown.repositoryUri, '127.0.0.1:5000/team/app');
    assert.equal(shown.createdAt, 1_700_000_000_000);
    assert.equal('tags' in shown, false);
  });

  test('settings recorded as given', () => {
    const record = newRepository(
      { repositoryName: 'kms', imageTagMutability: 'IMMUTABLE', imageScanningConfiguration: { scanOnPush: true }, encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'arn:aws:kms:us-east-1:123456789012:key/k' } },
      context,
    );
    assert.equal(record.imageTagMutability, 'IMMUTABLE');
    assert.deepEqual(record.imageScanningConfiguration, { scanOnPush: true });
    assert.deepEqual(record.encryptionConfiguration, { encryptionType: 'KMS', kmsKey: 'arn:aws:kms:us-east-1:123456789012:key/k' });
    assert.throws(() => newRepository({ repositoryName: 'x1', encryptionConfiguration: { encryptionType: 'AES256', kmsKey: 'k' } }, context), /InvalidParameter|KMS key/);
  });

  test('partitions and ARNs', () => {
    assert.equal(repositoryArn('cn-north-1', '123456789012', 'a/b'), 'arn:aws-cn:ecr:cn-north-1:123456789012:repository/a/b');
    assert.deepEqual(parseRepositoryArn('arn:aws:ecr:eu-west-1:123456789012:repository/a/b'), { partition: 'aws', region: 'eu-west-1', account: '123456789012', name: 'a/b' });
    assert.equal(parseRepositoryArn('arn:aws:ecs:eu-west-1:123456789012:cluster/a'), undefined);
  });

  test('tags: ECR\'s rules', () => {
    assert.throws(() => newRepository({ repositoryName: 'x1', tags: [{ Key: 'aws:x', Value: '' }] }, context), (error: unknown) => error instanceof AwsError && error.code === 'InvalidTagParameterException');
    const many = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: '' }));
    assert.throws(() => mergeEcrTags([], many), (error: unknown) => error instanceof AwsError && error.code === 'TooManyTagsException');
    assert.deepEqual(mergeEcrTags([{ key: 'a', value: '1' }], [{ Key: 'a', Value: '2' }, { Key: 'b', Value: '3' }]), [{ key: 'a', value: '2' }, { key: 'b', value: '3' }]);
  });

  test('mutability exclusion filters go with the *_WITH_EXCLUSION settings only', () => {
    assert.deepEqual(checkMutability({}), { imageTagMutability: 'MUTABLE' });
    assert.throws(() => checkMutability({ imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION' }), /must be specified/);
    assert.throws(() => checkMutability({ imageTagMutability: 'IMMUTABLE', imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'x' }] }), /can only be specified/);
    assert.deepEqual(checkMutability({ imageTagMutability: 'MUTABLE_WITH_EXCLUSION', imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'v*' }] }), {
      imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'v*' }],
    });
  });
});

describe('repository policies', () => {
  const invalid = (error: unknown) => error instanceof AwsError && error.message === "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'";

  test('a pull policy is accepted', () => {
    const policy = { Version: '2012-10-17', Statement: [{ Sid: 'pull', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::210987654321:root' }, Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] }] };
    assert.doesNotThrow(() => checkRepositoryPolicy(JSON.stringify(policy)));
    assert.doesNotThrow(() => checkRepositoryPolicy(JSON.stringify({ Version: '2008-10-17', Statement: { Effect: 'Deny', Principal: '*', Action: 'ecr:*' } })));
  });

  test('broken policies are refused with ECR\'s message', () => {
    for (const text of [
      'nope',
      '[]',
      JSON.stringify({ Version: '2012-10-17' }),
      JSON.stringify({ Statement: [{ Effect: 'Maybe', Principal: '*', Action: 'ecr:*' }] }),
      JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'ecr:*' }] }),
      JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*' }] }),
      JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'not an action' }] }),
      JSON.stringify({ Version: '2020-01-01', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:*' }] }),
    ]) {
      assert.throws(() => checkRepositoryPolicy(text), invalid, text);
    }
  });
});

describe('tag wildcards', () => {
  test('match whole tags', () => {
    assert.equal(matchesWildcard('prod*', 'prod'), true);
    assert.equal(matchesWildcard('prod*', 'prod-1'), true);
    assert.equal(matchesWildcard('prod*', 'xprod'), false);
    assert.equal(matchesWildcard('*test*1*2*3', 'a-test-x1y2z3'), true);
    assert.equal(matchesWildcard('*test*1*2*3', 'a-test-x1y2z3w'), false);
    assert.equal(matchesWildcard('a*a', 'a'), false);
    assert.equal(matchesWildcard('a*a', 'aa'), true);
    assert.equal(matchesWildcard('exact', 'exact'), true);
    assert.equal(matchesWildcard('exact', 'exactly'), false);
    assert.equal(matchesWildcard('*', ''), true);
    assert.equal(matchesWildcard('v.*', 'v1'), false);
    assert.equal(wildcardCount('*a*b*'), 3);
  });
});
