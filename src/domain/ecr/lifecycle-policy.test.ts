import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AwsError } from '../errors.js';
import { parseLifecyclePolicy } from './lifecycle-policy.js';

const SCHEMA = "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ";

function rule(overrides: Record<string, unknown> = {}, selection: Record<string, unknown> = {}) {
  return {
    rulePriority: 1,
    description: 'd',
    selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1, ...selection },
    action: { type: 'expire' },
    ...overrides,
  };
}

function refuses(text: string | object, message: string | RegExp) {
  assert.throws(
    () => parseLifecyclePolicy(typeof text === 'string' ? text : JSON.stringify(text)),
    (error: unknown) => error instanceof AwsError && error.code === 'InvalidParameterException' && (typeof message === 'string' ? error.message === message : message.test(error.message)),
  );
}

describe('lifecycle policy text', () => {
  test('the user guide\'s examples parse, sorted by priority', () => {
    const policy = parseLifecyclePolicy(
      JSON.stringify({
        rules: [
          { rulePriority: 2, selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }, action: { type: 'expire' } },
          { rulePriority: 1, description: 'prod', selection: { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'imageCountMoreThan', countNumber: 3 }, action: { type: 'expire' } },
        ],
      }),
    );
    assert.deepEqual(policy.rules.map((item) => item.rulePriority), [1, 2]);
    assert.deepEqual(policy.rules[0]!.selection, { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'imageCountMoreThan', countNumber: 3 });
    assert.equal(policy.rules[1]!.selection.countUnit, 'days');
  });

  test('not JSON, or not an object', () => {
    refuses('{nope', `${SCHEMA}Could not map policyString into LifecyclePolicy.'`);
    refuses('[1]', `${SCHEMA}Could not map policyString into LifecyclePolicy.'`);
  });

  test('schema: missing and unknown properties, types, enums, minimums', () => {
    refuses({ nothing: 1 }, `${SCHEMA}object has missing required properties (["rules"])'`);
    refuses({ rules: [] }, `${SCHEMA}array is too short: must have at least 1 elements but instance has 0 elements'`);
    refuses({ rules: ['x'] }, `${SCHEMA}instance type (string) does not match any allowed primitive type (allowed: ["object"])'`);
    refuses({ rules: [{ selection: rule().selection }] }, `${SCHEMA}object has missing required properties (["action","rulePriority"])'`);
    refuses({ rules: [rule({ extra: true })] }, `${SCHEMA}object instance has properties which are not allowed by the schema: (["extra"])'`);
    refuses({ rules: [rule({ rulePriority: 0 })] }, `${SCHEMA}numeric instance is lower than the required minimum (minimum: 1, found: 0)'`);
    refuses({ rules: [rule({ rulePriority: '1' })] }, `${SCHEMA}instance type (string) does not match any allowed primitive type (allowed: ["integer"])'`);
    refuses({ rules: [rule({ action: { type: 'delete' } })] }, `${SCHEMA}instance value ("delete") not found in enum (possible values: ["expire"])'`);
    refuses({ rules: [rule({}, { tagStatus: 'TAGGED' })] }, `${SCHEMA}instance value ("TAGGED") not found in enum (possible values: ["tagged","untagged","any"])'`);
    refuses({ rules: [rule({}, { countType: 'sinceImagePulled' })] }, /not found in enum/);
    refuses({ rules: [rule({}, { countNumber: 0 })] }, `${SCHEMA}numeric instance is lower than the required minimum (minimum: 1, found: 0)'`);
    refuses({ rules: [rule({}, { countNumber: 1.5 })] }, /allowed: \["integer"\]/);
    refuses({ rules: [rule({}, { countUnit: 'hours', countType: 'sinceImagePushed' })] }, /instance value \("hours"\) not found in enum \(possible values: \["days"\]\)/);
    refuses({ rules: [rule({}, { storageClass: 'archive' })] }, /not allowed by the schema: \(\["storageClass"\]\)/);
  });

  test('rule conflicts', () => {
    refuses({ rules: [rule({}, { tagStatus: 'tagged' })] }, 'Lifecycle policy validation failure: Must specify tagPrefixList or tagPatternList when tagStatus=TAGGED.');
    refuses({ rules: [rule({}, { tagPrefixList: ['v'] })] }, /can only be specified when tagStatus=TAGGED/);
    refuses({ rules: [rule({}, { tagStatus: 'tagged', tagPrefixList: ['v'], tagPatternList: ['v*'] })] }, /cannot both be specified/);
    refuses({ rules: [rule({}, { tagStatus: 'tagged', tagPatternList: ['a*b*c*d*e*f'] })] }, /more than 4 wildcards/);
    refuses({ rules: [rule({}, { countType: 'sinceImagePushed' })] }, /countUnit must be specified/);
    refuses({ rules: [rule({}, { countUnit: 'days' })] }, /countUnit can only be specified/);
    refuses({ rules: [rule(), rule()] }, /Rule priorities must be unique/);
    refuses({ rules: [rule(), rule({ rulePriority: 2 })] }, 'Lifecycle policy validation failure: Only one rule can select Untagged images per storage class');
    refuses(
      { rules: [rule({ rulePriority: 1 }, { tagStatus: 'any' }), rule({ rulePriority: 2 })] },
      'Lifecycle policy validation failure: Rule for tagStatus=ANY must have the lowest priority per storage class',
    );
  });

  test('an any rule last, a tagged pattern with four wildcards, are fine', () => {
    const policy = parseLifecyclePolicy(
      JSON.stringify({ rules: [rule({ rulePriority: 5 }, { tagStatus: 'tagged', tagPatternList: ['*a*b*c*'] }), rule({ rulePriority: 10 }, { tagStatus: 'any' })] }),
    );
    assert.equal(policy.rules.length, 2);
  });
});
