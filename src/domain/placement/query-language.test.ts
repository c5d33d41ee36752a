import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AwsError } from '../errors.js';
import { evaluate, MAX_EXPRESSION_LENGTH, parseExpression, type QueryTarget } from './query-language.js';

const instance = (attributes: Record<string, string | undefined>, taskGroups: string[] = []): QueryTarget => ({ attributes: new Map(Object.entries(attributes)), taskGroups });
const small = instance({ 'ecs.instance-type': 't2.small', 'ecs.availability-zone': 'us-east-1a', gpu: undefined }, ['service:web']);
const large = instance({ 'ecs.instance-type': 'm5.large', 'ecs.availability-zone': 'us-east-1d' }, []);
const holds = (expression: string, target: QueryTarget) => evaluate(parseExpression(expression), target);

function refused(expression: string, pattern: RegExp): void {
  assert.throws(() => parseExpression(expression), (error: unknown) => error instanceof AwsError && error.code === 'InvalidParameterException' && pattern.test(error.message), expression);
}

describe('cluster query language subset', () => {
  test('string equality and inequality on attributes, in both spellings', () => {
    assert.equal(holds('attribute:ecs.instance-type == t2.small', small), true);
    assert.equal(holds('attribute:ecs.instance-type == t2.small', large), false);
    assert.equal(holds('attribute:ecs.instance-type equals t2.small', small), true);
    assert.equal(holds('attribute:ecs.availability-zone != us-east-1d', small), true);
    assert.equal(holds('attribute:ecs.availability-zone not_equals us-east-1d', large), false);
    assert.equal(holds('attribute:ecs.instance-type==t2.small', small), true, 'no spaces around the operator');
  });

  test('a missing attribute equals nothing and differs from everything', () => {
    assert.equal(holds('attribute:color == red', small), false);
    assert.equal(holds('attribute:color != red', small), true);
    assert.equal(holds('attribute:color in [red, blue]', small), false);
    assert.equal(holds('attribute:color !in [red]', small), true);
  });

  test('argument lists with in, !in and not_in; quoted values keep spaces and commas', () => {
    assert.equal(holds('attribute:ecs.availability-zone in [us-east-1a, us-east-1b]', small), true);
    assert.equal(holds('attribute:ecs.availability-zone in [us-east-1a, us-east-1b]', large), false);
    assert.equal(holds('attribute:ecs.availability-zone !in [us-east-1a]', large), true);
    assert.equal(holds('attribute:ecs.availability-zone not_in [us-east-1a]', small), false);
    assert.equal(holds("attribute:label in ['a, b', \"c d\"]", instance({ label: 'c d' })), true);
  });

  test('exists and !exists: an attribute without a value exists', () => {
    assert.equal(holds('attribute:gpu exists', small), true);
    assert.equal(holds('attribute:gpu exists', large), false);
    assert.equal(holds('attribute:gpu !exists', large), true);
    assert.equal(holds('attribute:gpu not_exists', small), false);
  });

  test('task:group: affinity and anti-affinity', () => {
    assert.equal(holds('task:group == service:web', small), true);
    assert.equal(holds('task:group == service:web', large), false);
    assert.equal(holds('not(task:group == service:web)', small), false);
    assert.equal(holds('not(task:group == service:web)', large), true);
    assert.equal(holds('task:group != service:web', large), true);
    assert.equal(holds('task:group exists', large), false);
  });

  test('and binds tighter than or; parentheses and not change that', () => {
    const zoneD = 'attribute:ecs.availability-zone == us-east-1d';
    assert.equal(holds(`attribute:ecs.instance-type == t2.small or ${zoneD} and attribute:x exists`, small), true);
    assert.equal(holds(`(attribute:ecs.instance-type == t2.small or ${zoneD}) and attribute:x exists`, small), false);
    assert.equal(holds(`attribute:ecs.instance-type == m5.large && ${zoneD}`, large), true);
    assert.equal(holds(`attribute:ecs.instance-type == t2.small || ${zoneD}`, large), true);
    assert.equal(holds(`not ${zoneD}`, large), false);
    assert.equal(holds(`!(${zoneD}) and attribute:ecs.instance-type exists`, small), true);
    assert.equal(holds(`attribute:ecs.instance-type == t2.small AND ${zoneD}`, small), false, 'keywords in any case');
  });

  test('what the subset does not have is refused, not ignored', () => {
    refused('attribute:ecs.instance-type =~ g2.*', /does not support the operator '=~'/);
    refused('attribute:ecs.instance-type matches g2.*', /does not support the operator 'matches'/);
    refused('runningTasksCount == 1', /does not support the subject 'runningTasksCount'/);
    refused('agentVersion < 1.14.5', /does not support the subject/);
    refused("ec2InstanceId in ['i-abcd1234']", /does not support the subject/);
  });

  test('malformed expressions are refused with a reason', () => {
    refused('', /empty expression/);
    refused('color == red', /unknown subject 'color'/);
    refused('attribute:color', /expected an operator/);
    refused('attribute:color ==', /expected a value/);
    refused('attribute:color in red', /expected '\['/);
    refused('attribute:color in [red', /expected '\]'/);
    refused('(attribute:color == red', /expected '\)'/);
    refused('attribute:color == red blue', /unexpected 'blue'/);
    refused("attribute:color == 'red", /unterminated/);
    refused('attribute:color ~~ red', /unknown operator|unexpected/);
    refused('attribute:color == red and', /ends too early/);
    refused('x'.repeat(MAX_EXPRESSION_LENGTH + 1), /at most 2000 characters/);
  });
});
