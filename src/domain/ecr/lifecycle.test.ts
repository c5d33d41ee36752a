import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateLifecycle, selects, type LifecycleImage } from './lifecycle.js';
import { parseLifecyclePolicy, type LifecycleRule } from './lifecycle-policy.js';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2024, 5, 1);

function image(digest: string, tags: string[], daysAgo: number, childDigests?: string[]): LifecycleImage {
  return { imageDigest: digest, imageTags: tags, imagePushedAt: NOW - daysAgo * DAY, ...(childDigests ? { childDigests } : {}) };
}

function rule(priority: number, selection: Partial<LifecycleRule['selection']> & Pick<LifecycleRule['selection'], 'tagStatus' | 'countType' | 'countNumber'>) {
  return { rulePriority: priority, selection: { ...(selection.countType === 'sinceImagePushed' ? { countUnit: 'days' } : {}), ...selection }, action: { type: 'expire' } };
}

function expire(images: LifecycleImage[], rules: object[], now = NOW): string[] {
  const policy = parseLifecyclePolicy(JSON.stringify({ rules }));
  return evaluateLifecycle(policy, images, now).expired.map((item) => item.imageDigest);
}

// The repository of the user guide's "Filtering on multiple rules" examples.
const multiple = [image('A', ['beta-1', 'prod-1'], 10), image('B', ['beta-2', 'prod-2'], 9), image('C', ['beta-3'], 8)];

describe('lifecycle evaluation (the ECR user guide examples)', () => {
  test('multiple rules, example A: prod rule first; beta may not expire what the prod rule selects', () => {
    const rules = [
      rule(1, { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'imageCountMoreThan', countNumber: 1 }),
      rule(2, { tagStatus: 'tagged', tagPrefixList: ['beta'], countType: 'imageCountMoreThan', countNumber: 1 }),
    ];
    assert.deepEqual(expire(multiple, rules), ['A']);
  });

  test('multiple rules, example A with tagPatternList', () => {
    const rules = [
      rule(1, { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'imageCountMoreThan', countNumber: 1 }),
      rule(2, { tagStatus: 'tagged', tagPatternList: ['beta*'], countType: 'imageCountMoreThan', countNumber: 1 }),
    ];
    assert.deepEqual(expire(multiple, rules), ['A']);
  });

  test('multiple rules, example B: beta rule first expires A and B', () => {
    const rules = [
      rule(1, { tagStatus: 'tagged', tagPrefixList: ['beta'], countType: 'imageCountMoreThan', countNumber: 1 }),
      rule(2, { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'imageCountMoreThan', countNumber: 1 }),
    ];
    assert.deepEqual(expire(multiple, rules), ['A', 'B']);
  });

  test('multiple tags in one rule, example A: every prefix must match; older than 5 days', () => {
    const images = [
      image('A', ['alpha-1'], 12),
      image('B', ['beta-1'], 11),
      image('C', ['alpha-2', 'beta-2'], 10),
      image('D', ['alpha-3'], 4),
      image('E', ['beta-3'], 3),
      image('F', ['alpha-4', 'beta-4'], 2),
    ];
    const rules = [rule(1, { tagStatus: 'tagged', tagPrefixList: ['alpha', 'beta'], countType: 'sinceImagePushed', countNumber: 5 })];
    assert.deepEqual(expire(images, rules), ['C']);
  });

  test('multiple tags in one rule, example B: tags are not exclusive', () => {
    const images = [image('A', ['alpha-1', 'beta-1', 'gamma-1'], 10), image('B', ['alpha-2', 'beta-2'], 9), image('C', ['alpha-3', 'beta-3', 'gamma-2'], 8)];
    const rules = [rule(1, { tagStatus: 'tagged', tagPrefixList: ['alpha', 'beta'], countType: 'imageCountMoreThan', countNumber: 1 })];
    assert.deepEqual(expire(images, rules), ['A', 'B']);
  });

  test('keep only one untagged image (the guide\'s count example)', () => {
    const images = [image('u1', [], 3), image('u2', [], 2), image('u3', [], 1), image('t', ['v1'], 5)];
    const rules = [rule(1, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 })];
    assert.deepEqual(expire(images, rules), ['u1', 'u2']);
  });

  test('expire untagged images older than 14 days (the guide\'s age example)', () => {
    const images = [image('old', [], 15), image('young', [], 13), image('tagged-old', ['v1'], 30)];
    const rules = [rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 14 })];
    const outcome = evaluateLifecycle(parseLifecyclePolicy(JSON.stringify({ rules })), images, NOW);
    assert.deepEqual(outcome.expired, [{ imageDigest: 'old', rulePriority: 1 }]);
    // The young one crosses 14 days one day from now: that is when to look again.
    assert.equal(outcome.recheckAt, NOW + DAY + 1);
  });
});

describe('lifecycle evaluation rules', () => {
  test('a protecting rule (huge count) keeps what it selects from a later any rule', () => {
    const images = [image('p1', ['prod-1'], 30), image('p2', ['prod-2'], 20), image('d1', ['dev-1'], 25), image('d2', ['dev-2'], 1)];
    const rules = [
      rule(1, { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'imageCountMoreThan', countNumber: 9999 }),
      rule(2, { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 7 }),
    ];
    assert.deepEqual(expire(images, rules), ['d1']);
  });

  test('a lower rule still counts what higher rules selected, as if not expired', () => {
    // any-rule keeps the 2 youngest of all four; the two oldest are candidates, but p is protected by rule 1.
    const images = [image('p', ['prod'], 4), image('x', ['x'], 3), image('y', ['y'], 2), image('z', ['z'], 1)];
    const rules = [
      rule(1, { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'imageCountMoreThan', countNumber: 5 }),
      rule(2, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 2 }),
    ];
    assert.deepEqual(expire(images, rules), ['x']);
  });

  test('an image is expired by one rule only, the first that marks it', () => {
    const images = [image('a', [], 10), image('b', [], 9)];
    const outcome = evaluateLifecycle(
      parseLifecyclePolicy(JSON.stringify({ rules: [rule(3, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }), rule(9, { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 1 })] })),
      images,
      NOW,
    );
    assert.deepEqual(outcome.expired, [{ imageDigest: 'a', rulePriority: 3 }]);
  });

  test('count ties on push time break by digest, deterministically', () => {
    const images = [image('b', [], 1), image('a', [], 1), image('c', [], 1)];
    assert.deepEqual(expire(images, [rule(1, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 })]), ['b', 'c']);
  });

  test('age is strictly older than N days', () => {
    const exactly = [{ imageDigest: 'e', imageTags: [], imagePushedAt: NOW - 2 * DAY }];
    assert.deepEqual(expire(exactly, [rule(1, { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 2 })]), []);
    assert.deepEqual(expire(exactly, [rule(1, { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 2 })], NOW + 1), ['e']);
  });

  test('children of an index that stays are kept', () => {
    const images = [image('index', ['v1'], 5, ['amd64', 'arm64']), image('amd64', [], 5), image('arm64', [], 5), image('stray', [], 6)];
    assert.deepEqual(expire(images, [rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 1 })]), ['stray']);
  });

  test('children of an expired index may go with it', () => {
    const images = [image('index', [], 5, ['amd64']), image('amd64', [], 5)];
    assert.deepEqual(expire(images, [rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 1 })]), ['amd64', 'index']);
  });

  test('no images, nothing expires, nothing to recheck', () => {
    assert.deepEqual(evaluateLifecycle(parseLifecyclePolicy(JSON.stringify({ rules: [rule(1, { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 1 })] })), [], NOW), { expired: [] });
  });

  test('selection: tagged rules never select untagged images; patterns match whole tags', () => {
    const tagged = { rulePriority: 1, selection: { tagStatus: 'tagged', tagPatternList: ['v*-rc'], countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } } as const;
    assert.equal(selects(tagged, image('a', ['v1-rc'], 1)), true);
    assert.equal(selects(tagged, image('b', ['v1-rc2'], 1)), false);
    assert.equal(selects(tagged, image('c', [], 1)), false);
    const prefixed = { ...tagged, selection: { ...tagged.selection, tagPatternList: undefined, tagPrefixList: ['v'] } };
    assert.equal(selects(prefixed, image('d', ['v2', 'latest'], 1)), true);
  });
});
