import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isEcrImage, secretSource } from './images.js';

describe('isEcrImage', () => {
  const ecr = [
    '123456789012.dkr.ecr.us-east-1.amazonaws.com/my-app:latest',
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app@sha256:abc',
    '123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app',
    '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app:1',
  ];
  const notEcr = [
    'nginx:latest',
    'public.ecr.aws/nginx/nginx:latest',
    'ghcr.io/org/app:1',
    '12345.dkr.ecr.us-east-1.amazonaws.com/app',
    '123456789012.dkr.ecr.us-east-1.amazonaws.com',
    'localhost:5000/app',
  ];
  for (const image of ecr) test(`${image} is private ECR`, () => assert.equal(isEcrImage(image), true));
  for (const image of notEcr) test(`${image} is not`, () => assert.equal(isEcrImage(image), false));
  test('no image is not ECR', () => assert.equal(isEcrImage(undefined), false));
});

describe('secretSource', () => {
  test('Secrets Manager ARNs (any partition) go to ASM', () => {
    assert.equal(secretSource('arn:aws:secretsmanager:us-east-1:1:secret:db'), 'asm');
    assert.equal(secretSource('arn:aws-cn:secretsmanager:cn-north-1:1:secret:db'), 'asm');
  });
  test('parameter names and SSM ARNs go to Parameter Store', () => {
    assert.equal(secretSource('/app/db'), 'ssm');
    assert.equal(secretSource('db-password'), 'ssm');
    assert.equal(secretSource('arn:aws:ssm:us-east-1:1:parameter/app/db'), 'ssm');
  });
});
