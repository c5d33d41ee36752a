import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SecretRecord } from './records.js';
import { arnInRegion, checkReplicaRegions, replicaOutcome, replicaRecord, requireNotReplica, withoutReplicas, withReplicas } from './replication.js';
import { checkResourcePolicy, grantsPublicAccess, policyFindings } from './resource-policy.js';
import { cancelRotation, configureRotation } from './rotation.js';

const primary: SecretRecord = {
  arn: 'arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf',
  name: 'db',
  tags: [],
  createdDate: 0,
  lastChangedDate: 0,
  versions: [],
  resourcePolicy: '{}',
};
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as { code: string }).code;
  }
  return 'none';
};

describe('secret replication', () => {
  test('a replica keeps the name and suffix in its own region, without the primary policy or replica list', () => {
    assert.equal(arnInRegion(primary.arn, 'eu-west-1'), 'arn:aws:secretsmanager:eu-west-1:1:secret:db-AbCdEf');
    const withOne = withReplicas(primary, 'us-east-1', [replicaOutcome({ Region: 'eu-west-1' }, false, false)]);
    assert.equal(withOne.primaryRegion, 'us-east-1');
    const replica = replicaRecord(withOne, 'us-east-1', withOne.replicationStatus![0]!);
    assert.equal(replica.primaryRegion, 'us-east-1');
    assert.equal(replica.resourcePolicy, undefined);
    assert.equal(replica.replicationStatus, undefined);
    assert.equal(code(() => requireNotReplica(replica, 'eu-west-1')), 'InvalidParameterException');
    assert.equal(code(() => requireNotReplica(withOne, 'us-east-1')), 'none');
    assert.deepEqual(withoutReplicas(withOne, ['eu-west-1']), primary);
  });

  test('an occupied region fails unless overwriting; bad, duplicate and own regions are refused', () => {
    assert.equal(replicaOutcome({ Region: 'eu-west-1' }, true, false).status, 'Failed');
    assert.equal(replicaOutcome({ Region: 'eu-west-1' }, true, true).status, 'InSync');
    assert.equal(code(() => checkReplicaRegions([{ Region: 'us-east-1' }], 'us-east-1')), 'InvalidParameterException');
    assert.equal(code(() => checkReplicaRegions([{ Region: 'mars' }], 'us-east-1')), 'InvalidParameterException');
    assert.equal(code(() => checkReplicaRegions([{ Region: 'eu-west-1' }, { Region: 'eu-west-1' }], 'us-east-1')), 'InvalidParameterException');
  });
});

describe('resource policies', () => {
  const policy = (statement: unknown) => JSON.stringify({ Version: '2012-10-17', Statement: statement });
  test('syntax and structure findings; public principals without a condition are public', () => {
    assert.equal(policyFindings('{').length, 1);
    assert.equal(policyFindings(policy([{ Effect: 'Allow', Action: 'x', Principal: '*' }])).length, 0);
    assert.match(policyFindings(policy([{ Effect: 'Allow', Principal: '*' }]))[0]!.ErrorMessage, /Action/);
    assert.ok(grantsPublicAccess(policy([{ Effect: 'Allow', Action: 'x', Principal: { AWS: ['*'] } }])));
    assert.ok(!grantsPublicAccess(policy([{ Effect: 'Allow', Action: 'x', Principal: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': '1' } } }])));
    assert.ok(!grantsPublicAccess(policy([{ Effect: 'Deny', Action: 'x', Principal: '*' }])));
    assert.equal(code(() => checkResourcePolicy(policy([{ Effect: 'Allow', Action: 'x', Principal: '*' }]), true)), 'PublicPolicyException');
    assert.equal(code(() => checkResourcePolicy('nope', false)), 'MalformedPolicyDocumentException');
  });
});

describe('rotation state', () => {
  test('RotateSecret needs a function (given or kept) and keeps the rules; Cancel turns rotation off and keeps them', () => {
    assert.equal(code(() => configureRotation(primary, {})), 'InvalidRequestException');
    const on = configureRotation(primary, { RotationLambdaARN: 'arn:l', RotationRules: { AutomaticallyAfterDays: 7 } });
    assert.deepEqual(on, { enabled: true, lambdaArn: 'arn:l', rules: { AutomaticallyAfterDays: 7 } });
    const again = configureRotation({ ...primary, rotation: on }, {});
    assert.equal(again.lambdaArn, 'arn:l');
    assert.deepEqual(cancelRotation({ ...primary, rotation: on }), { ...on, enabled: false });
    assert.equal(code(() => configureRotation(primary, { RotationLambdaARN: 'x', RotationRules: { AutomaticallyAfterDays: 0 } })), 'InvalidParameterException');
  });
});
