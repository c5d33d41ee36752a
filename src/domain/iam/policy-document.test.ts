import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkIdentityPolicy, checkTrustPolicy } from './policy-document.js';

const ecsTrust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] };

test('trust policies: JSON with principals and STS actions, no Resource', () => {
  checkTrustPolicy(JSON.stringify(ecsTrust));
  checkTrustPolicy(JSON.stringify({ Version: '2008-10-17', Statement: { Effect: 'Allow', Principal: { AWS: '*' }, Action: ['sts:AssumeRole', 'sts:TagSession'] } }));
  const cases: [unknown, string][] = [
    ['{not json', 'This policy contains invalid Json'],
    [{ Version: '2012-10-17' }, 'Syntax errors in policy.'],
    [{ Version: '2012-10-17', Statement: [] }, 'Syntax errors in policy.'],
    [{ Version: '2013-01-01', Statement: ecsTrust.Statement }, 'Syntax errors in policy.'],
    [{ Statement: [{ ...ecsTrust.Statement[0], Effect: 'Maybe' }] }, 'Syntax errors in policy.'],
    [{ Statement: [{ ...ecsTrust.Statement[0], Resource: '*' }] }, 'Has prohibited field Resource'],
    [{ Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] }, 'Missing required field Principal'],
    [{ Statement: [{ ...ecsTrust.Statement[0], Action: 's3:GetObject' }] }, 'AssumeRole policy may only specify STS AssumeRole actions.'],
  ];
  for (const [doc, message] of cases) {
    assert.throws(() => checkTrustPolicy(typeof doc === 'string' ? doc : JSON.stringify(doc)), { code: 'MalformedPolicyDocument', message }, JSON.stringify(doc));
  }
});

test('identity policies: version 2012-10-17, actions and resources, no principal', () => {
  checkIdentityPolicy(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }));
  const ok = { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' };
  const cases: [unknown, string][] = [
    ['nope', 'Syntax errors in policy.'],
    [{ Statement: [ok] }, 'Policy document must be version 2012-10-17 or greater.'],
    [{ Version: '2008-10-17', Statement: [ok] }, 'Policy document must be version 2012-10-17 or greater.'],
    [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Resource: '*' }] }, 'Policy statement must contain actions.'],
    [{ Version: '2012-10-17', Statement: [{ ...ok, Principal: '*' }] }, 'Policy document should not specify a principal.'],
    [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*' }] }, 'Policy statement must contain resources.'],
  ];
  for (const [doc, message] of cases) {
    assert.throws(() => checkIdentityPolicy(typeof doc === 'string' ? doc : JSON.stringify(doc)), { code: 'MalformedPolicyDocument', message }, JSON.stringify(doc));
  }
});
