/**
 * The registry judged by the real docker CLI and engine: log in with a
 * registry password, push an image built here, pull it back by tag after
 * removing it, push the same layers to a second repository (mounted, not
 * uploaded again), immutable tags, a wrong password, a missing repository,
 * and a lifecycle policy expiring what repeated pushes leave untagged.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { waitFor } from './harness.js';
import { ensureTestImage, TEST_IMAGE } from './test-images.js';
import { dockerCli, startRegistryWharf, type RegistryWharf } from './registry-helpers.js';

describe('registry with the docker CLI', () => {
  let wharf: RegistryWharf;
  let scratch: string;
  let docker: ReturnType<typeof dockerCli>;
  const images = new Set<string>();

  /** Builds an image FROM the busybox test image with one layer of its own. */
  const build = async (ref: string, marker: string) => {
    const context = mkdtempSync(join(scratch, 'ctx-'));
    writeFileSync(join(context, 'marker'), `${marker}\n`);
    writeFileSync(join(context, 'Dockerfile'), `FROM ${TEST_IMAGE}\nCOPY marker /marker\n`);
    await docker(['build', '-q', '-t', ref, context]);
    images.add(ref);
  };
  const pushedDigest = (output: string) => /digest: (sha256:[0-9a-f]{64})/.exec(output)?.[1];

  before(async () => {
    await ensureTestImage();
    scratch = mkdtempSync(join(tmpdir(), 'wharf-docker-'));
    docker = dockerCli(join(scratch, 'docker-config'));
    wharf = await startRegistryWharf();
    await wharf.createRepositories({ app: 'MUTABLE', 'app-copy': 'MUTABLE', 'team/fixed': 'IMMUTABLE', churn: 'MUTABLE' });
  });

  after(async () => {
    for (const ref of images) await docker(['rmi', '-f', ref], { allowFailure: true });
    await wharf?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('docker login refuses a wrong password and accepts the registry password', async () => {
    const refused = await docker(['login', '--username', 'AWS', '--password-stdin', wharf.registryHost], { input: 'wharf1.forged.password', allowFailure: true });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /unauthorized|401/i);
    const accepted = await docker(['login', '--username', 'AWS', '--password-stdin', wharf.registryHost], { input: await wharf.password() });
    assert.match(accepted.stdout, /Login Succeeded/);
  });

  test('push, remove locally, pull back the same digest, and push the layers to a second repository by mount', async () => {
    const marker = randomBytes(16).toString('hex');
    const ref = `${wharf.registryHost}/app:v1`;
    await build(ref, marker);
    const push = await docker(['push', ref]);
    const digest = pushedDigest(push.stdout);
    assert.ok(digest, push.stdout);
    assert.match(push.stdout, /Pushed/);

    await docker(['rmi', ref]);
    const pull = await docker(['pull', ref]);
    assert.match(pull.stdout, new RegExp(`Digest: ${digest}`));
    const repoDigests = JSON.parse((await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', ref])).stdout) as string[];
    assert.ok(repoDigests.includes(`${wharf.registryHost}/app@${digest}`), JSON.stringify(repoDigests));
    const content = await docker(['run', '--rm', ref, 'cat', '/marker']);
    assert.equal(content.stdout.trim(), marker);

    const copy = `${wharf.registryHost}/app-copy:v1`;
    await docker(['tag', ref, copy]);
    images.add(copy);
    const second = await docker(['push', copy]);
    assert.equal(pushedDigest(second.stdout), digest, 'the same manifest, so the same digest');
    assert.match(second.stdout, /Mounted from app/);
    assert.doesNotMatch(second.stdout, /: Pushed/);
  });

  test('an IMMUTABLE repository takes the same image again and refuses a changed one under the same tag', async () => {
    const ref = `${wharf.registryHost}/team/fixed:1.0`;
    await build(ref, randomBytes(16).toString('hex'));
    await docker(['push', ref]);
    await docker(['push', ref]);
    await build(ref, randomBytes(16).toString('hex'));
    const refused = await docker(['push', ref], { allowFailure: true });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr + refused.stdout, /tag invalid: The image tag '1\.0' already exists in the 'team\/fixed' repository and cannot be overwritten because the repository is immutable\./);
  });

  test('pushing to a repository that does not exist is refused: ECR does not create repositories on push', async () => {
    const ref = `${wharf.registryHost}/missing:v1`;
    await docker(['tag', TEST_IMAGE, ref]);
    images.add(ref);
    const refused = await docker(['push', ref], { allowFailure: true });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr + refused.stdout, /name unknown: The repository with name 'missing' does not exist in the registry with id '123456789012'/);
  });

  test('a lifecycle policy expires the untagged images docker pushes leave behind', async () => {
    // Three pushes of :latest leave two untagged images; "keep one untagged image" expires the older.
    const ref = `${wharf.registryHost}/churn:latest`;
    const digests: string[] = [];
    for (let i = 0; i < 3; i++) {
      await build(ref, randomBytes(16).toString('hex'));
      digests.push(pushedDigest((await docker(['push', ref])).stdout)!);
    }
    const untagged = await wharf.aws(['ecr', 'list-images', '--repository-name', 'churn', '--filter', 'tagStatus=UNTAGGED']);
    assert.deepEqual(untagged.imageIds.map((id: { imageDigest: string }) => id.imageDigest).sort(), digests.slice(0, 2).sort());
    const policy = { rules: [{ rulePriority: 1, description: 'keep one untagged', selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }] };
    await wharf.aws(['ecr', 'put-lifecycle-policy', '--repository-name', 'churn', '--lifecycle-policy-text', JSON.stringify(policy)]);
    const left = await waitFor(
      async () => (await wharf.aws(['ecr', 'list-images', '--repository-name', 'churn'])).imageIds.map((id: { imageDigest: string }) => id.imageDigest) as string[],
      (digestsLeft) => !digestsLeft.includes(digests[0]!),
      30_000,
      'the oldest untagged image to expire',
    );
    assert.deepEqual(left.sort(), digests.slice(1).sort(), 'the oldest untagged image expired; the newer untagged one and the tagged one stay');
    // Pulling the surviving tag still works.
    await docker(['rmi', ref]);
    assert.match((await docker(['pull', ref])).stdout, new RegExp(`Digest: ${digests[2]}`));
  });
});
