import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkDestinationTarget, checkPolicyDocument, checkSubscriptionTarget, serviceOfArn, unreachableTarget } from './destinations.js';

const fails = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  return 'ok';
};

test('targets are named by the ARN service; roleArn goes with Kinesis and Firehose, never Lambda', () => {
  assert.equal(serviceOfArn('arn:aws:lambda:us-east-1:123456789012:function:f'), 'lambda');
  assert.equal(serviceOfArn('nonsense'), 'other');
  assert.equal(fails(() => checkSubscriptionTarget('arn:aws:lambda:us-east-1:123456789012:function:f', 'arn:aws:iam::123456789012:role/r')), 'destinationArn for vendor lambda cannot be used with roleArn');
  assert.equal(fails(() => checkSubscriptionTarget('arn:aws:kinesis:us-east-1:123456789012:stream/s', undefined)), 'destinationArn for vendor kinesis cannot be used without roleArn');
  assert.equal(checkSubscriptionTarget('arn:aws:firehose:us-east-1:123456789012:deliverystream/d', 'arn:aws:iam::123456789012:role/r'), 'firehose');
  assert.match(fails(() => checkSubscriptionTarget('arn:aws:s3:::bucket', undefined)), /Invalid destinationArn/);
});

test('unreachable targets fail with AWS test-delivery wording; destinations target streams; policies are JSON objects', () => {
  assert.match(fails(() => unreachableTarget('lambda')), /^Could not execute the lambda function/);
  assert.match(fails(() => unreachableTarget('kinesis')), /Kinesis stream/);
  assert.equal(checkDestinationTarget('arn:aws:kinesis:us-east-1:123456789012:stream/s'), 'kinesis');
  assert.match(fails(() => checkDestinationTarget('arn:aws:lambda:us-east-1:123456789012:function:f')), /Invalid targetArn/);
  assert.equal(fails(() => checkPolicyDocument('{"Version":"2012-10-17"}')), 'ok');
  assert.match(fails(() => checkPolicyDocument('{nope')), /not valid JSON/);
  assert.match(fails(() => checkPolicyDocument('[1]')), /not a JSON object/);
});
