import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AwsError } from '../errors.js';
import type { SecretRecord, SecretTag } from './records.js';
import { addVersion, deletionDate, describeSecret, isPurged, matchesFilters, moveStage, selectVersion } from './secrets.js';

const NOW = new Date('2026-01-10T12:00:00Z');
const base: SecretRecord = {
  arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf',
  name: 'db',
  description: 'the database',
  tags: [{ Key: 'env', Value: 'prod' }],
  createdDate: NOW.getTime(),
  lastChangedDate: NOW.getTime(),
  versions: [],
};
const version = (versionId: string) => ({ versionId, createdDate: NOW.getTime(), sealed: `sealed-${versionId}`, binary: false });
const stagesOf = (secret: SecretRecord) => Object.fromEntries(secret.versions.map((v) => [v.versionId, v.stages]));
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return `${(error as AwsError).code}: ${(error as AwsError).message}`;
  }
  return 'no error';
};

describe('secret versions and staging labels', () => {
  test('a new value takes AWSCURRENT; the old current becomes AWSPREVIOUS; older ones lose every label', () => {
    let secret = addVersion(base, version('v1'), undefined, NOW);
    secret = addVersion(secret, version('v2'), undefined, NOW);
    assert.deepEqual(stagesOf(secret), { v1: ['AWSPREVIOUS'], v2: ['AWSCURRENT'] });
    secret = addVersion(secret, version('v3'), undefined, NOW);
    assert.deepEqual(stagesOf(secret), { v1: [], v2: ['AWSPREVIOUS'], v3: ['AWSCURRENT'] });
  });

  test('a custom stage moves alone, leaving AWSCURRENT where it was', () => {
    let secret = addVersion(base, version('v1'), undefined, NOW);
    secret = addVersion(secret, version('v2'), ['CANARY'], NOW);
    secret = addVersion(secret, version('v3'), ['CANARY'], NOW);
    assert.deepEqual(stagesOf(secret), { v1: ['AWSCURRENT'], v2: [], v3: ['CANARY'] });
  });

  test('selectVersion by id, stage, both, or AWSCURRENT; errors in AWS words', () => {
    let secret = addVersion(base, version('v1'), undefined, NOW);
    secret = addVersion(secret, version('v2'), undefined, NOW);
    assert.equal(selectVersion(secret, {}).versionId, 'v2');
    assert.equal(selectVersion(secret, { VersionStage: 'AWSPREVIOUS' }).versionId, 'v1');
    assert.equal(selectVersion(secret, { VersionId: 'v1', VersionStage: 'AWSPREVIOUS' }).versionId, 'v1');
    assert.equal(code(() => selectVersion(secret, { VersionStage: 'X' })), "ResourceNotFoundException: Secrets Manager can't find the specified secret value for staging label: X");
    assert.equal(code(() => selectVersion(secret, { VersionId: 'nope' })), "ResourceNotFoundException: Secrets Manager can't find the specified secret value for VersionId: nope");
    assert.match(code(() => selectVersion(secret, { VersionId: 'v1', VersionStage: 'AWSCURRENT' })), /^InvalidRequestException/);
    assert.equal(code(() => selectVersion(base, {})), "ResourceNotFoundException: Secrets Manager can't find the specified secret value for staging label: AWSCURRENT");
  });

  test('moveStage: AWSCURRENT moves with RemoveFromVersionId and leaves AWSPREVIOUS; without it, refused', () => {
    let secret = addVersion(base, version('v1'), undefined, NOW);
    secret = addVersion(secret, version('v2'), undefined, NOW);
    assert.match(code(() => moveStage(secret, 'AWSCURRENT', 'v1', undefined, NOW)), /^InvalidParameterException/);
    const moved = moveStage(secret, 'AWSCURRENT', 'v1', 'v2', NOW);
    assert.deepEqual(stagesOf(moved), { v1: ['AWSCURRENT'], v2: ['AWSPREVIOUS'] });
    const labelled = moveStage(moved, 'BLUE', 'v2', undefined, NOW);
    assert.deepEqual(stagesOf(labelled), { v1: ['AWSCURRENT'], v2: ['AWSPREVIOUS', 'BLUE'] });
    assert.deepEqual(stagesOf(moveStage(labelled, 'BLUE', undefined, 'v2', NOW)), { v1: ['AWSCURRENT'], v2: ['AWSPREVIOUS'] });
    assert.match(code(() => moveStage(labelled, 'BLUE', undefined, 'v1', NOW)), /^InvalidParameterException/);
  });

  test('describeSecret never carries a sealed value', () => {
    const secret = addVersion(base, version('v1'), undefined, NOW);
    const described = describeSecret(secret);
    assert.ok(!JSON.stringify(described).includes('sealed-'));
    assert.deepEqual(described.VersionIdsToStages, { v1: ['AWSCURRENT'] });
  });
});

describe('deletion', () => {
  test('the window is 7-30 days, 30 by default; force deletes now; both together are refused', () => {
    assert.equal(deletionDate({}, NOW), NOW.getTime() + 30 * 86_400_000);
    assert.equal(deletionDate({ RecoveryWindowInDays: 7 }, NOW), NOW.getTime() + 7 * 86_400_000);
    assert.equal(deletionDate({ ForceDeleteWithoutRecovery: true }, NOW), 'now');
    assert.match(code(() => deletionDate({ RecoveryWindowInDays: 6 }, NOW)), /^InvalidParameterException/);
    assert.match(code(() => deletionDate({ RecoveryWindowInDays: 31 }, NOW)), /^InvalidParameterException/);
    assert.equal(
      code(() => deletionDate({ RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true }, NOW)),
      "InvalidParameterException: You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
    );
  });

  test('a secret is gone once its deletion date has come', () => {
    const doomed = { ...base, deletionDate: NOW.getTime() + 1000 };
    assert.equal(isPurged(doomed, NOW), false);
    assert.equal(isPurged(doomed, new Date(NOW.getTime() + 1000)), true);
    assert.equal(isPurged(base, NOW), false);
  });
});

describe('ListSecrets filters', () => {
  test('prefix matches per key, every filter must hold, ! negates, all looks everywhere', () => {
    assert.ok(matchesFilters(base, [{ Key: 'name', Values: ['d'] }]));
    assert.ok(!matchesFilters(base, [{ Key: 'name', Values: ['b'] }]));
    assert.ok(matchesFilters(base, [{ Key: 'description', Values: ['the'] }, { Key: 'tag-key', Values: ['env'] }]));
    assert.ok(!matchesFilters(base, [{ Key: 'description', Values: ['the'] }, { Key: 'tag-value', Values: ['dev'] }]));
    assert.ok(matchesFilters(base, [{ Key: 'tag-value', Values: ['!dev'] }]));
    assert.ok(!matchesFilters(base, [{ Key: 'tag-value', Values: ['!prod'] }]));
    assert.ok(matchesFilters(base, [{ Key: 'all', Values: ['prod'] }]));
    assert.ok(!matchesFilters(base, [{ Key: 'name', Values: ['D'] }]), 'case-sensitive');
  });

  test('a tag stored without a Value or a Key (the model makes both optional) matches nothing and breaks nothing', () => {
    const partial = { ...base, tags: [{ Key: 'env' } as unknown as SecretTag, { Value: 'prod' } as unknown as SecretTag] };
    assert.ok(!matchesFilters(partial, [{ Key: 'tag-value', Values: ['dev'] }]));
    assert.ok(matchesFilters(partial, [{ Key: 'tag-value', Values: ['prod'] }]));
    assert.ok(matchesFilters(partial, [{ Key: 'tag-key', Values: ['env'] }]));
    assert.ok(matchesFilters(partial, [{ Key: 'all', Values: ['!x'] }]));
  });
});
