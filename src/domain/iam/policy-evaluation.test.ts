import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actionTarget, parameterArn } from './action-map.js';
import { awsManagedPolicy } from './managed-policies.js';
import { accessDeniedMessage, evaluate, type AuthorizationRequest, type SourcePolicy } from './policy-evaluation.js';
import { authorizeRoleSession, roleAntiPatterns, roleSessionContext, trustAllows } from './role-authorization.js';
import type { RoleRecord } from './roles.js';

const ACCOUNT = '123456789012';
const SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:db-AbCdEf`;
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/ecsTaskRole/task-1`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/ecsTaskRole`;

const identity = (id: string, ...Statement: unknown[]): SourcePolicy => ({ id, type: 'identity', document: { Version: '2012-10-17', Statement } });
const request = (action: string, resource: string, context: Record<string, string[]> = {}): AuthorizationRequest => ({ action, resource, principal: { arns: [SESSION, ROLE_ARN], account: ACCOUNT }, context });

describe('policy evaluation (the IAM User Guide examples)', () => {
  it('nothing applies: implicit deny', () => {
    const result = evaluate([], request('secretsmanager:GetSecretValue', SECRET));
    assert.equal(result.decision, 'implicitDeny');
    assert.deepEqual(result.matched, []);
  });

  it('an Allow allows and names the statement', () => {
    const result = evaluate([identity('read-db', { Sid: 'ReadDb', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: SECRET })], request('secretsmanager:GetSecretValue', SECRET));
    assert.equal(result.decision, 'allowed');
    assert.deepEqual(result.matched, [{ sourcePolicyId: 'read-db', sourcePolicyType: 'identity', statementIndex: 0, sid: 'ReadDb', effect: 'Allow' }]);
  });

  it('an explicit Deny wins over any Allow, in any policy', () => {
    const result = evaluate(
      [identity('admin', { Effect: 'Allow', Action: '*', Resource: '*' }), identity('no-secrets', { Effect: 'Deny', Action: 'secretsmanager:*', Resource: '*' })],
      request('secretsmanager:GetSecretValue', SECRET),
    );
    assert.equal(result.decision, 'explicitDeny');
    assert.equal(result.matched[0]!.sourcePolicyId, 'no-secrets');
  });

  it('actions match without regard to case, with wildcards', () => {
    const policy = identity('p', { Effect: 'Allow', Action: ['SecretsManager:Get*'], Resource: '*' });
    assert.equal(evaluate([policy], request('secretsmanager:GetSecretValue', SECRET)).decision, 'allowed');
    assert.equal(evaluate([policy], request('secretsmanager:PutSecretValue', SECRET)).decision, 'implicitDeny');
    assert.equal(evaluate([identity('q', { Effect: 'Allow', Action: 'ecr:Batch?etImage', Resource: '*' })], request('ecr:BatchGetImage', '*')).decision, 'allowed');
  });

  it('NotAction with Allow allows everything else', () => {
    const policy = identity('p', { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' });
    assert.equal(evaluate([policy], request('ecs:ListClusters', '*')).decision, 'allowed');
    assert.equal(evaluate([policy], request('iam:CreateRole', '*')).decision, 'implicitDeny');
  });

  it('NotAction with Deny denies everything else (the "deny all but" example)', () => {
    const policies = [identity('all', { Effect: 'Allow', Action: '*', Resource: '*' }), identity('only-logs', { Effect: 'Deny', NotAction: 'logs:*', Resource: '*' })];
    assert.equal(evaluate(policies, request('logs:PutLogEvents', '*')).decision, 'allowed');
    assert.equal(evaluate(policies, request('ecs:RunTask', '*')).decision, 'explicitDeny');
  });

  it('resources compare case-sensitively and part by part', () => {
    const policy = identity('p', { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: `arn:aws:secretsmanager:*:${ACCOUNT}:secret:db-??????` });
    assert.equal(evaluate([policy], request('secretsmanager:GetSecretValue', SECRET)).decision, 'allowed');
    assert.equal(evaluate([policy], request('secretsmanager:GetSecretValue', SECRET.replace('db-', 'DB-'))).decision, 'implicitDeny');
    assert.equal(evaluate([policy], request('secretsmanager:GetSecretValue', SECRET.replace(ACCOUNT, '210987654321'))).decision, 'implicitDeny');
  });

  it('NotResource', () => {
    const policy = identity('p', { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', NotResource: `arn:aws:secretsmanager:*:*:secret:prod-*` });
    assert.equal(evaluate([policy], request('secretsmanager:GetSecretValue', SECRET)).decision, 'allowed');
    assert.equal(evaluate([policy], request('secretsmanager:GetSecretValue', SECRET.replace('db-', 'prod-'))).decision, 'implicitDeny');
  });

  it('a statement without Resource or NotResource never applies in an identity policy', () => {
    assert.equal(evaluate([identity('p', { Effect: 'Allow', Action: '*' })], request('ecs:ListClusters', '*')).decision, 'implicitDeny');
  });

  it('conditions gate a statement', () => {
    const policy = identity('p', { Effect: 'Allow', Action: 'ssm:GetParameters', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } });
    assert.equal(evaluate([policy], request('ssm:GetParameters', '*', { 'aws:requestedregion': ['eu-west-1'] })).decision, 'allowed');
    assert.equal(evaluate([policy], request('ssm:GetParameters', '*', { 'aws:requestedregion': ['us-east-1'] })).decision, 'implicitDeny');
  });

  it('the "deny outside these addresses" example', () => {
    const policies = [
      identity('all', { Effect: 'Allow', Action: '*', Resource: '*' }),
      identity('ip', { Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '203.0.113.0/24'] } } }),
    ];
    assert.equal(evaluate(policies, request('ecs:RunTask', '*', { 'aws:sourceip': ['203.0.113.7'] })).decision, 'allowed');
    assert.equal(evaluate(policies, request('ecs:RunTask', '*', { 'aws:sourceip': ['198.51.100.7'] })).decision, 'explicitDeny');
  });

  it('policy variables in Resource', () => {
    const policy = identity('p', { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: `arn:aws:ssm:*:*:parameter/\${aws:PrincipalTag/team}/*` });
    const arn = `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/db/password`;
    assert.equal(evaluate([policy], request('ssm:GetParameter', arn, { 'aws:principaltag/team': ['db'] })).decision, 'allowed');
    assert.equal(evaluate([policy], request('ssm:GetParameter', arn, { 'aws:principaltag/team': ['web'] })).decision, 'implicitDeny');
    assert.equal(evaluate([policy], request('ssm:GetParameter', arn)).decision, 'implicitDeny', 'an unknown variable matches nothing');
  });

  it('a resource policy naming the role allows on its own (same account)', () => {
    const resourcePolicy: SourcePolicy = { id: 'secret', type: 'resource', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ROLE_ARN }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] } };
    assert.equal(evaluate([resourcePolicy], request('secretsmanager:GetSecretValue', SECRET)).decision, 'allowed');
    const other: SourcePolicy = { ...resourcePolicy, document: { Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/other` }, Action: '*', Resource: '*' }] } };
    assert.equal(evaluate([other], request('secretsmanager:GetSecretValue', SECRET)).decision, 'implicitDeny');
  });

  it('a resource policy allowing the account delegates to identity policies', () => {
    const delegate: SourcePolicy = { id: 'repo', type: 'resource', document: { Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'ecr:*' }] } };
    assert.equal(evaluate([delegate], request('ecr:BatchGetImage', '*')).decision, 'implicitDeny');
    assert.equal(evaluate([delegate, identity('p', { Effect: 'Allow', Action: 'ecr:BatchGetImage', Resource: '*' })], request('ecr:BatchGetImage', '*')).decision, 'allowed');
  });

  it('a resource policy Deny wins over the identity Allow', () => {
    const deny: SourcePolicy = { id: 'repo', type: 'resource', document: { Statement: [{ Effect: 'Deny', Principal: '*', Action: 'ecr:BatchGetImage' }] } };
    const result = evaluate([identity('p', { Effect: 'Allow', Action: 'ecr:*', Resource: '*' }), deny], request('ecr:BatchGetImage', `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/app`));
    assert.equal(result.decision, 'explicitDeny');
    assert.equal(result.deniedBy, 'resource');
  });

  it("AWS's access denied sentences", () => {
    const req = { action: 'secretsmanager:GetSecretValue', resource: SECRET };
    assert.equal(
      accessDeniedMessage(SESSION, req, { decision: 'implicitDeny', matched: [] }),
      `User: ${SESSION} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${SECRET} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
    );
    assert.equal(
      accessDeniedMessage(SESSION, req, { decision: 'explicitDeny', matched: [], deniedBy: 'identity' }),
      `User: ${SESSION} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${SECRET} with an explicit deny in an identity-based policy`,
    );
  });
});

const role = (overrides: Partial<RoleRecord> = {}): RoleRecord => ({
  RoleName: 'ecsTaskRole',
  RoleId: 'AROAEXAMPLE',
  Arn: ROLE_ARN,
  Path: '/',
  CreateDate: 0,
  AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
  MaxSessionDuration: 3600,
  Tags: [{ Key: 'team', Value: 'db' }],
  inlinePolicies: {},
  attachedPolicies: [],
  ...overrides,
});

describe('roles: managed policies, trust, context', () => {
  const facts = { now: new Date('2026-12-02T06:00:00Z'), region: 'us-east-1', secureTransport: false };
  const req = (action: string, resource: string) => ({ action, resource, principal: { arns: [SESSION, ROLE_ARN], account: ACCOUNT }, context: roleSessionContext(role(), facts) });

  it('AmazonECSTaskExecutionRolePolicy allows pulls and log writes, not secrets', () => {
    const execution = role({ attachedPolicies: ['arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy'] });
    assert.equal(authorizeRoleSession(execution, req('ecr:BatchGetImage', 'arn:aws:ecr:us-east-1:1:repository/a')).decision, 'allowed');
    assert.equal(authorizeRoleSession(execution, req('logs:PutLogEvents', '*')).decision, 'allowed');
    assert.equal(authorizeRoleSession(execution, req('logs:CreateLogGroup', '*')).decision, 'implicitDeny');
    assert.equal(authorizeRoleSession(execution, req('secretsmanager:GetSecretValue', SECRET)).decision, 'implicitDeny');
  });

  it('the other managed policies ECS users attach', () => {
    const withPolicy = (name: string) => role({ attachedPolicies: [`arn:aws:iam::aws:policy/${name}`] });
    assert.equal(authorizeRoleSession(withPolicy('SecretsManagerReadWrite'), req('secretsmanager:GetSecretValue', SECRET)).decision, 'allowed');
    assert.equal(authorizeRoleSession(withPolicy('AmazonEC2ContainerRegistryReadOnly'), req('ecr:PutImage', '*')).decision, 'implicitDeny');
    assert.equal(authorizeRoleSession(withPolicy('CloudWatchLogsFullAccess'), req('logs:CreateLogGroup', '*')).decision, 'allowed');
    assert.equal(authorizeRoleSession(withPolicy('AmazonECS_FullAccess'), req('ecs:RunTask', '*')).decision, 'allowed');
    assert.equal(authorizeRoleSession(withPolicy('ReadOnlyAccess'), req('ecs:DescribeTasks', '*')).decision, 'allowed');
    assert.equal(authorizeRoleSession(withPolicy('ReadOnlyAccess'), req('ecs:RunTask', '*')).decision, 'implicitDeny');
    assert.equal(authorizeRoleSession(withPolicy('AdministratorAccess'), req('iam:CreateRole', '*')).decision, 'allowed');
    assert.equal(awsManagedPolicy('arn:aws:iam::123456789012:policy/Mine'), undefined, 'customer managed policies grant nothing');
  });

  it('inline and attached policies together; a broken inline document grants nothing', () => {
    const both = role({ inlinePolicies: { 'read-db': JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: SECRET }] }), broken: '{' }, attachedPolicies: ['arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy'] });
    assert.equal(authorizeRoleSession(both, req('secretsmanager:GetSecretValue', SECRET)).decision, 'allowed');
    assert.equal(authorizeRoleSession(both, req('ecr:GetAuthorizationToken', '*')).decision, 'allowed');
  });

  it('aws:PrincipalTag comes from the role tags, aws:PrincipalArn is the role', () => {
    const tagged = role({ inlinePolicies: { p: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'db', 'aws:PrincipalArn': ROLE_ARN } } }] }) } });
    assert.equal(authorizeRoleSession(tagged, req('ecs:ListClusters', '*')).decision, 'allowed');
  });

  it('trust: ecs-tasks.amazonaws.com, an AWS principal, or nobody', () => {
    assert.equal(trustAllows(role(), { service: 'ecs-tasks.amazonaws.com' }).decision, 'allowed');
    assert.equal(trustAllows(role(), { service: 'lambda.amazonaws.com' }).decision, 'implicitDeny');
    assert.equal(trustAllows(role(), { arns: [`arn:aws:iam::${ACCOUNT}:root`], account: ACCOUNT }).decision, 'implicitDeny');
    const accountTrust = role({ AssumeRolePolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] }) });
    assert.equal(trustAllows(accountTrust, { arns: [SESSION], account: ACCOUNT }).decision, 'allowed');
    assert.equal(trustAllows(accountTrust, { arns: ['arn:aws:iam::210987654321:root'], account: '210987654321' }).decision, 'implicitDeny');
  });
});

describe('role anti-patterns', () => {
  it('one role as both execution and task role; a task role allowing *:*', () => {
    assert.deepEqual(roleAntiPatterns(role(), `arn:aws:iam::${ACCOUNT}:role/other`), []);
    assert.equal(roleAntiPatterns(role(), ROLE_ARN).length, 1);
    const admin = role({ attachedPolicies: ['arn:aws:iam::aws:policy/AdministratorAccess'] });
    assert.match(roleAntiPatterns(admin, undefined)[0]!, /allows every action on every resource \(arn:aws:iam::aws:policy\/AdministratorAccess\)/);
    const scoped = role({ attachedPolicies: ['arn:aws:iam::aws:policy/SecretsManagerReadWrite'] });
    assert.deepEqual(roleAntiPatterns(scoped, undefined), []);
  });
});

describe('action map', () => {
  const scope = { partition: 'aws', account: ACCOUNT, region: 'us-east-1' };
  it('service prefixes follow IAM, not the signing name', () => {
    assert.equal(actionTarget('monitoring', 'PutMetricData', {}, scope).action, 'cloudwatch:PutMetricData');
    assert.equal(actionTarget('elasticloadbalancing', 'CreateLoadBalancer', {}, scope).action, 'elasticloadbalancing:CreateLoadBalancer');
    assert.equal(actionTarget('application-autoscaling', 'RegisterScalableTarget', {}, scope).action, 'application-autoscaling:RegisterScalableTarget');
    assert.deepEqual(actionTarget('ecs', 'ListClusters', {}, scope).resources, [{ arn: '*' }]);
  });
  it('resources of the calls the pitfalls touch', () => {
    assert.deepEqual(actionTarget('secretsmanager', 'GetSecretValue', { SecretId: 'db' }, scope).resources, [{ secretId: 'db' }]);
    assert.deepEqual(actionTarget('secretsmanager', 'GetSecretValue', { SecretId: SECRET }, scope).resources, [{ arn: SECRET }]);
    assert.deepEqual(actionTarget('ssm', 'GetParameters', { Names: ['/app/db', 'plain'] }, scope).resources, [{ arn: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/app/db` }, { arn: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/plain` }]);
    assert.deepEqual(actionTarget('ecr', 'GetAuthorizationToken', {}, scope).resources, [{ arn: '*' }]);
    assert.deepEqual(actionTarget('ecr', 'BatchGetImage', { repositoryName: 'app' }, scope).resources, [{ arn: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/app` }]);
    assert.deepEqual(actionTarget('logs', 'CreateLogGroup', { logGroupName: '/ecs/app' }, scope).resources, [{ arn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/ecs/app` }]);
    assert.deepEqual(actionTarget('logs', 'PutLogEvents', { logGroupName: '/ecs/app', logStreamName: 's' }, scope).resources, [{ arn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/ecs/app:log-stream:s` }]);
    assert.equal(parameterArn(scope, '/app/db:3'), `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/app/db`);
  });
});
