import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arnMatch, conditionHolds, ipInCidr, wildcardMatch } from './condition-operators.js';

const ctx = (entries: Record<string, string | string[]>) => Object.fromEntries(Object.entries(entries).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v : [v]]));

describe('condition operators', () => {
  const cases: [string, unknown, Record<string, string | string[]>, boolean][] = [
    ['StringEquals matches exactly', { StringEquals: { 'aws:PrincipalTag/team': 'db' } }, { 'aws:PrincipalTag/team': 'db' }, true],
    ['StringEquals is case-sensitive in values', { StringEquals: { 'aws:PrincipalTag/team': 'DB' } }, { 'aws:PrincipalTag/team': 'db' }, false],
    ['condition key names are case-insensitive', { StringEquals: { 'AWS:PRINCIPALTAG/TEAM': 'db' } }, { 'aws:principaltag/team': 'db' }, true],
    ['values of one key are ORed', { StringEquals: { 'aws:RequestedRegion': ['eu-west-1', 'us-east-1'] } }, { 'aws:RequestedRegion': 'us-east-1' }, true],
    ['keys are ANDed', { StringEquals: { 'aws:RequestedRegion': 'us-east-1', 'aws:PrincipalTag/team': 'db' } }, { 'aws:RequestedRegion': 'us-east-1', 'aws:PrincipalTag/team': 'web' }, false],
    ['StringEquals with the key absent is false', { StringEquals: { 'aws:PrincipalTag/team': 'db' } }, {}, false],
    ['StringNotEquals with the key absent is true', { StringNotEquals: { 'aws:PrincipalTag/team': 'db' } }, {}, true],
    ['StringNotEquals is a NOR over values', { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1', 'us-east-1'] } }, { 'aws:RequestedRegion': 'us-east-1' }, false],
    ['StringEqualsIgnoreCase', { StringEqualsIgnoreCase: { 'aws:PrincipalTag/team': 'DB' } }, { 'aws:PrincipalTag/team': 'db' }, true],
    ['StringNotEqualsIgnoreCase', { StringNotEqualsIgnoreCase: { 'aws:PrincipalTag/team': 'DB' } }, { 'aws:PrincipalTag/team': 'db' }, false],
    ['StringLike with *', { StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/ecs*' } }, { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/ecsTaskRole' }, true],
    ['StringLike with ?', { StringLike: { 's:k': 'a?c' } }, { 's:k': 'abc' }, true],
    ['StringNotLike', { StringNotLike: { 's:k': 'a*' } }, { 's:k': 'abc' }, false],
    ['...IfExists with the key absent is true', { StringEqualsIfExists: { 'aws:PrincipalTag/team': 'db' } }, {}, true],
    ['...IfExists with the key present still compares', { StringEqualsIfExists: { 'aws:PrincipalTag/team': 'db' } }, { 'aws:PrincipalTag/team': 'web' }, false],
    ['NumericLessThan', { NumericLessThan: { 's:n': '10' } }, { 's:n': '9' }, true],
    ['NumericLessThanEquals at the bound', { NumericLessThanEquals: { 's:n': '10' } }, { 's:n': '10' }, true],
    ['NumericGreaterThan', { NumericGreaterThan: { 's:n': '10' } }, { 's:n': '10' }, false],
    ['NumericGreaterThanEquals', { NumericGreaterThanEquals: { 's:n': 10 } }, { 's:n': '10' }, true],
    ['NumericEquals with a non-number is false', { NumericEquals: { 's:n': '10' } }, { 's:n': 'ten' }, false],
    ['NumericNotEquals', { NumericNotEquals: { 's:n': '10' } }, { 's:n': '11' }, true],
    ['DateLessThan against aws:CurrentTime', { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } }, { 'aws:CurrentTime': '2026-12-02T06:00:00.000Z' }, true],
    ['DateGreaterThan against aws:CurrentTime', { DateGreaterThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } }, { 'aws:CurrentTime': '2026-12-02T06:00:00.000Z' }, false],
    ['Date operators accept epoch seconds', { DateGreaterThanEquals: { 'aws:CurrentTime': '1700000000' } }, { 'aws:CurrentTime': '2026-12-02T06:00:00.000Z' }, true],
    ['DateEquals', { DateEquals: { 'aws:CurrentTime': '2026-12-02T06:00:00Z' } }, { 'aws:CurrentTime': '2026-12-02T06:00:00.000Z' }, true],
    ['Bool false on plain HTTP', { Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': 'false' }, false],
    ['Bool is case-insensitive', { Bool: { 'aws:SecureTransport': 'False' } }, { 'aws:SecureTransport': 'false' }, true],
    ['Bool accepts JSON booleans', { Bool: { 'aws:SecureTransport': false } }, { 'aws:SecureTransport': 'false' }, true],
    ['IpAddress in a CIDR', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { 'aws:SourceIp': '203.0.113.9' }, true],
    ['IpAddress outside', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { 'aws:SourceIp': '198.51.100.9' }, false],
    ['NotIpAddress outside', { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { 'aws:SourceIp': '198.51.100.9' }, true],
    ['ArnLike per part', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/*' } }, { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/app' }, true],
    ['ArnEquals accepts wildcards too', { ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/app' } }, { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/app' }, true],
    ['ArnNotLike', { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/*' } }, { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/app' }, false],
    ['ArnLike does not match a non-ARN', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/*' } }, { 'aws:PrincipalArn': 'nope' }, false],
    ['Null true: the key must be absent', { Null: { 'aws:PrincipalTag/team': 'true' } }, {}, true],
    ['Null true with the key present', { Null: { 'aws:PrincipalTag/team': 'true' } }, { 'aws:PrincipalTag/team': 'db' }, false],
    ['Null false: the key must be present', { Null: { 'aws:PrincipalTag/team': 'false' } }, { 'aws:PrincipalTag/team': 'db' }, true],
    ['ForAllValues: every value allowed', { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b'] } }, { 'aws:TagKeys': ['a', 'b'] }, true],
    ['ForAllValues: one value outside', { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b'] } }, { 'aws:TagKeys': ['a', 'c'] }, false],
    ['ForAllValues: the key absent is true', { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a'] } }, {}, true],
    ['ForAnyValue: one value inside', { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a'] } }, { 'aws:TagKeys': ['c', 'a'] }, true],
    ['ForAnyValue: the key absent is false', { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a'] } }, {}, false],
    ['ForAnyValue:StringLike', { 'ForAnyValue:StringLike': { 'aws:TagKeys': ['env*'] } }, { 'aws:TagKeys': ['team', 'environment'] }, true],
    ['an unknown operator never matches', { StringSortOf: { 's:k': 'a' } }, { 's:k': 'a' }, false],
    ['operator blocks are ANDed', { StringEquals: { 's:k': 'a' }, Bool: { 'aws:SecureTransport': 'true' } }, { 's:k': 'a', 'aws:SecureTransport': 'false' }, false],
  ];
  for (const [name, condition, context, expected] of cases) {
    it(name, () => assert.equal(conditionHolds(condition, ctx(context)), expected));
  }
  it('no Condition element holds', () => assert.equal(conditionHolds(undefined, {}), true));
});

describe('wildcards, ARNs and addresses', () => {
  it('wildcardMatch', () => {
    assert.equal(wildcardMatch('s3:Get*', 's3:GetObject'), true);
    assert.equal(wildcardMatch('s3:Get*', 's3:getobject'), false);
    assert.equal(wildcardMatch('s3:Get*', 's3:getobject', true), true);
    assert.equal(wildcardMatch('a.b', 'axb'), false, 'regex characters are literal');
  });
  it('arnMatch: a * does not cross into another part', () => {
    assert.equal(arnMatch('arn:aws:secretsmanager:*:*:secret:db-*', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf'), true);
    assert.equal(arnMatch('arn:aws:secretsmanager:*:*:secret:db-*', 'arn:aws:ssm:us-east-1:123456789012:parameter/db-x'), false);
    assert.equal(arnMatch('arn:aws:logs:*:*:log-group:/ecs/app:*', 'arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app:log-stream:x'), true);
  });
  it('ipInCidr', () => {
    assert.equal(ipInCidr('10.1.2.3', '10.0.0.0/8'), true);
    assert.equal(ipInCidr('11.1.2.3', '10.0.0.0/8'), false);
    assert.equal(ipInCidr('10.1.2.3', '10.1.2.3'), true);
    assert.equal(ipInCidr('10.1.2.3', '0.0.0.0/0'), true);
    assert.equal(ipInCidr('::1', '::1'), true);
  });
});
