import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isEcrImage, parseEcrImage, referenceFormatProblem, parseImageReference, pinnedReference, registryPull, resolvedRefName } from './image-reference.js';

const HOST = '127.0.0.1:4566';
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const SCOPE = { account: '123456789012', region: 'us-east-1' };

describe('parseImageReference', () => {
  const cases: [string, ReturnType<typeof parseImageReference>][] = [
    ['busybox', { repository: 'busybox' }],
    ['wharf-test/busybox:latest', { repository: 'wharf-test/busybox', tag: 'latest' }],
    ['localhost/app', { registry: 'localhost', repository: 'app' }],
    ['127.0.0.1:4566/team/app:1.2', { registry: '127.0.0.1:4566', repository: 'team/app', tag: '1.2' }],
    ['127.0.0.1:4566/app', { registry: '127.0.0.1:4566', repository: 'app' }],
    [`ghcr.io/org/app@${DIGEST}`, { registry: 'ghcr.io', repository: 'org/app', digest: DIGEST }],
    [`app:v1@${DIGEST}`, { repository: 'app', tag: 'v1', digest: DIGEST }],
    ['', undefined],
  ];
  for (const [image, expected] of cases) test(JSON.stringify(image), () => assert.deepEqual(parseImageReference(image), expected));
});

describe('parseEcrImage', () => {
  test('the AWS form names the account and region', () => {
    assert.deepEqual(parseEcrImage('123456789012.dkr.ecr.us-east-1.amazonaws.com/my-app:7'), {
      registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com', repository: 'my-app', tag: '7', form: 'aws', account: '123456789012', region: 'us-east-1',
    });
    assert.equal(parseEcrImage('210987654321.dkr.ecr.cn-north-1.amazonaws.com.cn/team/app')?.region, 'cn-north-1');
    assert.equal(parseEcrImage('123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app')?.region, 'us-gov-west-1');
    assert.equal(parseEcrImage(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@${DIGEST}`)?.digest, DIGEST);
  });

  test("Wharf's repositoryUri form, only when the registry host is known (localhost is the same host)", () => {
    assert.deepEqual(parseEcrImage(`${HOST}/my-app:1`, HOST), { registry: HOST, repository: 'my-app', tag: '1', form: 'wharf' });
    assert.equal(parseEcrImage(`localhost:4566/my-app`, HOST)?.form, 'wharf');
    assert.equal(parseEcrImage(`${HOST}/my-app:1`), undefined);
    assert.equal(parseEcrImage('127.0.0.1:5000/my-app:1', HOST), undefined);
  });

  const notEcr = ['nginx:latest', 'public.ecr.aws/nginx/nginx:latest', 'ghcr.io/org/app:1', '12345.dkr.ecr.us-east-1.amazonaws.com/app', '123456789012.dkr.ecr.us-east-1.amazonaws.com', 'localhost:5000/app'];
  for (const image of notEcr) test(`${image} is not ECR`, () => assert.equal(isEcrImage(image, HOST), false));
  test('no image is not ECR', () => assert.equal(isEcrImage(undefined, HOST), false));
});

describe('registryPull: what the engine is given', () => {
  test('the AWS form is rewritten to Wharf’s registry, with the AWS account and region for credentials', () => {
    const ecr = parseEcrImage('210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/app:v2')!;
    assert.deepEqual(registryPull(ecr, HOST, SCOPE), { reference: `${HOST}/team/app:v2`, repository: `${HOST}/team/app`, account: '210987654321', region: 'eu-west-1' });
  });

  test("Wharf's form keeps its repository and acts in the task's account and region", () => {
    const ecr = parseEcrImage(`localhost:4566/app`, HOST)!;
    assert.deepEqual(registryPull(ecr, HOST, SCOPE), { reference: `${HOST}/app:latest`, repository: `${HOST}/app`, account: SCOPE.account, region: SCOPE.region });
  });

  test('a digest wins over a tag', () => {
    const ecr = parseEcrImage(`123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1@${DIGEST}`)!;
    assert.equal(registryPull(ecr, HOST, SCOPE).reference, `${HOST}/app@${DIGEST}`);
  });

  test('the pinned reference and the name ECS gives a reference in pull errors', () => {
    assert.equal(pinnedReference(`${HOST}/app`, DIGEST), `${HOST}/app@${DIGEST}`);
    assert.equal(resolvedRefName('123456789012.dkr.ecr.us-east-1.amazonaws.com/app'), '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest');
    assert.equal(resolvedRefName('123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1'), '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1');
    assert.equal(resolvedRefName(`${HOST}/app@${DIGEST}`), `${HOST}/app@${DIGEST}`);
  });
});

describe('referenceFormatProblem: the engine would refuse these, so Wharf does before asking it', () => {
  test('well-formed references pass', () => {
    for (const image of [
      'busybox',
      'library/busybox:1.36',
      '127.0.0.1:4566/my-app:1',
      'localhost:5000/team/app__x.y-z:v1.0_rc',
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:' + 'a'.repeat(64),
      'Registry.Example.com/app:latest',
      '[::1]:5000/app',
      `app:${'t'.repeat(128)}`,
    ]) {
      assert.equal(referenceFormatProblem(image), undefined, image);
    }
  });

  test('empty path components, dot segments and stray characters are refused as docker refuses them', () => {
    for (const image of ['/fuzz', 'fuzz/', 'a//b', 'a/../b', './a', 'a b', 'a:', 'a@sha256:abc', 'a:-tag', `a:${'t'.repeat(129)}`, 'a/b:c:d', '-a', 'a-', 'a__b_']) {
      assert.equal(referenceFormatProblem(image), 'invalid reference format', image);
    }
  });

  test('uppercase in the repository path gets docker’s explanation; a name over 255 characters is refused', () => {
    assert.equal(referenceFormatProblem('library/BusyBox:1'), 'invalid reference format: repository name (library/BusyBox) must be lowercase');
    assert.match(referenceFormatProblem(`${'a'.repeat(256)}:1`) ?? '', /must not be more than 255 characters/);
    assert.equal(referenceFormatProblem(`${'a'.repeat(255)}:1`), undefined);
  });
});
