import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import {
  BatchCheckLayerAvailabilityCommand,
  BatchDeleteImageCommand,
  CompleteLayerUploadCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetDownloadUrlForLayerCommand,
  InitiateLayerUploadCommand,
  ListImagesCommand,
  PutImageCommand,
  UploadLayerPartCommand,
} from '@aws-sdk/client-ecr';
import { DEFAULT_KEY } from '../cli/config.js';
import { AWS_CLI, signedRequest, startTestWharf, waitFor, type TestWharf } from './harness.js';

const ACCOUNT = '123456789012';
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

function ecrClient(endpoint: string, region = 'us-east-1'): ECRClient {
  return new ECRClient({ endpoint, region, credentials: { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey }, maxAttempts: 1 });
}

/** Uploads `bytes` as one blob through InitiateLayerUpload / UploadLayerPart (in `parts` parts) / CompleteLayerUpload. */
async function uploadBlob(ecr: ECRClient, repositoryName: string, bytes: Buffer, parts = 1): Promise<string> {
  const digest = sha256(bytes);
  const { uploadId } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
  const step = Math.ceil(bytes.length / parts);
  for (let first = 0; first < bytes.length; first += step) {
    const part = bytes.subarray(first, Math.min(bytes.length, first + step));
    const { lastByteReceived } = await ecr.send(new UploadLayerPartCommand({ repositoryName, uploadId, partFirstByte: first, partLastByte: first + part.length - 1, layerPartBlob: part }));
    assert.equal(lastByteReceived, first + part.length - 1);
  }
  const done = await ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [digest] }));
  assert.equal(done.layerDigest, digest);
  return digest;
}

/** A schema 2 image of one config and one layer, uploaded; returns the manifest text. */
async function makeImage(ecr: ECRClient, repositoryName: string, seed: string): Promise<{ manifest: string; digest: string; config: Buffer; layer: Buffer }> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] }, seed }));
  const layer = Buffer.from(`layer bytes for ${seed} `.repeat(50));
  const configDigest = await uploadBlob(ecr, repositoryName, config);
  const layerDigest = await uploadBlob(ecr, repositoryName, layer, 3);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: configDigest },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: layerDigest }],
  });
  return { manifest, digest: sha256(Buffer.from(manifest)), config, layer };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ECR API through the aws CLI and the SDK', () => {
  let wharf: TestWharf;
  let ecr: ECRClient;
  let registryHost: string;

  before(async () => {
    wharf = await startTestWharf({ WHARF_SANDBOX_POOL: '0' });
    ecr = ecrClient(wharf.endpoint);
    registryHost = new URL(wharf.endpoint).host;
  });
  after(() => wharf.stop());

  test('create, describe and delete repositories, with ECR\'s shapes and errors', async () => {
    const { repository } = await wharf.aws([
      'ecr', 'create-repository', '--repository-name', 'team/my-app', '--image-tag-mutability', 'IMMUTABLE',
      '--image-scanning-configuration', 'scanOnPush=true', '--encryption-configuration', 'encryptionType=AES256', '--tags', 'Key=team,Value=web',
    ]);
    assert.equal(repository.repositoryArn, `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/team/my-app`);
    assert.equal(repository.registryId, ACCOUNT);
    assert.equal(repository.repositoryName, 'team/my-app');
    assert.equal(repository.repositoryUri, `${registryHost}/team/my-app`);
    assert.equal(repository.imageTagMutability, 'IMMUTABLE');
    assert.deepEqual(repository.imageScanningConfiguration, { scanOnPush: true });
    assert.deepEqual(repository.encryptionConfiguration, { encryptionType: 'AES256' });
    assert.ok(Math.abs(Date.parse(repository.createdAt) - Date.now()) < 60_000, repository.createdAt);

    const again = await wharf.awsFails(['ecr', 'create-repository', '--repository-name', 'team/my-app']);
    assert.equal(again.code, 254);
    assert.match(again.stderr, /An error occurred \(RepositoryAlreadyExistsException\) when calling the CreateRepository operation: The repository with name 'team\/my-app' already exists in the registry with id '123456789012'/);
    const badName = await wharf.awsFails(['ecr', 'create-repository', '--repository-name', 'My-App']);
    assert.match(badName.stderr, /\(InvalidParameterException\).*Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression/);

    const { repositories } = await wharf.aws(['ecr', 'describe-repositories', '--repository-names', 'team/my-app']);
    assert.deepEqual(repositories, [repository]);
    const missing = await wharf.awsFails(['ecr', 'describe-repositories', '--repository-names', 'team/my-app', 'nope']);
    assert.match(missing.stderr, /\(RepositoryNotFoundException\) when calling the DescribeRepositories operation: The repository with name 'nope' does not exist in the registry with id '123456789012'/);

    const tags = await wharf.aws(['ecr', 'list-tags-for-resource', '--resource-arn', repository.repositoryArn]);
    assert.deepEqual(tags.tags, [{ Key: 'team', Value: 'web' }]);
    await wharf.aws(['ecr', 'tag-resource', '--resource-arn', repository.repositoryArn, '--tags', 'Key=env,Value=dev']);
    await wharf.aws(['ecr', 'untag-resource', '--resource-arn', repository.repositoryArn, '--tag-keys', 'team']);
    assert.deepEqual((await wharf.aws(['ecr', 'list-tags-for-resource', '--resource-arn', repository.repositoryArn])).tags, [{ Key: 'env', Value: 'dev' }]);
    const tagGhost = await wharf.awsFails(['ecr', 'list-tags-for-resource', '--resource-arn', `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/ghost`]);
    assert.match(tagGhost.stderr, /\(RepositoryNotFoundException\).*'ghost' does not exist/);

    // Repositories are per region.
    const elsewhere = await wharf.aws(['ecr', 'describe-repositories'], { region: 'eu-west-1' });
    assert.deepEqual(elsewhere.repositories, []);

    const deleted = await wharf.aws(['ecr', 'delete-repository', '--repository-name', 'team/my-app']);
    assert.equal(deleted.repository.repositoryName, 'team/my-app');
    const gone = await wharf.awsFails(['ecr', 'delete-repository', '--repository-name', 'team/my-app']);
    assert.match(gone.stderr, /\(RepositoryNotFoundException\) when calling the DeleteRepository operation: The repository with name 'team\/my-app' does not exist in the registry with id '123456789012'/);
  });

  test('describe-repositories pages (SDK, maxResults and nextToken)', async () => {
    const ecrWest = ecrClient(wharf.endpoint, 'us-west-2');
    for (const name of ['page-a', 'page-b', 'page-c', 'page-d', 'page-e']) await ecrWest.send(new CreateRepositoryCommand({ repositoryName: name }));
    const names: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await ecrWest.send(new DescribeRepositoriesCommand({ maxResults: 2, ...(nextToken ? { nextToken } : {}) }));
      names.push(...page.repositories!.map((repository) => repository.repositoryName!));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    assert.deepEqual(names, ['page-a', 'page-b', 'page-c', 'page-d', 'page-e']);
    assert.equal(pages, 3);
    // The CLI pages on its own and shows them all.
    assert.equal((await wharf.aws(['ecr', 'describe-repositories', '--page-size', '2'], { region: 'us-west-2' })).repositories.length, 5);
  });

  test('get-login-password is the Basic password the registry takes; tokens last 12 hours', async () => {
    // Not execFileSync: this process serves the requests the CLI makes.
    const { stdout } = await promisify(execFile)(AWS_CLI, ['ecr', 'get-login-password', '--endpoint-url', wharf.endpoint], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: wharf.dataDir, AWS_ACCESS_KEY_ID: DEFAULT_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: DEFAULT_KEY.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1' },
    });
    const password = stdout.trim();
    assert.ok(password.length > 20);
    const basic = (secret: string) => `Basic ${Buffer.from(`AWS:${secret}`).toString('base64')}`;
    const ok = await fetch(`http://${registryHost}/v2/`, { headers: { authorization: basic(password) } });
    assert.equal(ok.status, 200);
    const wrong = await fetch(`http://${registryHost}/v2/`, { headers: { authorization: basic(`${password}x`) } });
    assert.equal(wrong.status, 401);

    const before = Date.now();
    const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}));
    assert.equal(authorizationData!.length, 1);
    const data = authorizationData![0]!;
    assert.equal(data.proxyEndpoint, `http://${registryHost}`);
    const decoded = Buffer.from(data.authorizationToken!, 'base64').toString('utf8');
    assert.ok(decoded.startsWith('AWS:'));
    assert.equal((await fetch(`http://${registryHost}/v2/`, { headers: { authorization: `Basic ${data.authorizationToken}` } })).status, 200);
    const hours = (data.expiresAt!.getTime() - before) / 3_600_000;
    assert.ok(hours > 11.9 && hours < 12.1, `expires in ${hours} h`);
  });

  test('layer uploads, PutImage, BatchGetImage, DescribeImages, ListImages, BatchDeleteImage round trip', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'round-trip' }));
    const image = await makeImage(ecr, 'round-trip', 'one');
    const [configDigest, layerDigest] = [sha256(image.config), sha256(image.layer)];

    const check = await ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName: 'round-trip', layerDigests: [configDigest, layerDigest, `sha256:${'0'.repeat(64)}`] }));
    assert.deepEqual(check.layers!.map((layer) => [layer.layerDigest, layer.layerAvailability, layer.layerSize]), [
      [configDigest, 'AVAILABLE', image.config.length],
      [layerDigest, 'AVAILABLE', image.layer.length],
    ]);
    assert.deepEqual(check.failures!.map((failure) => failure.failureCode), ['MissingLayerDigest']);

    const put = await ecr.send(new PutImageCommand({ repositoryName: 'round-trip', imageManifest: image.manifest, imageTag: 'v1' }));
    assert.deepEqual(put.image!.imageId, { imageDigest: image.digest, imageTag: 'v1' });
    assert.equal(put.image!.imageManifestMediaType, 'application/vnd.docker.distribution.manifest.v2+json');

    // Pushing the same manifest under the same tag again is refused with ECR's message (aws CLI).
    const same = await wharf.awsFails(['ecr', 'put-image', '--repository-name', 'round-trip', '--image-tag', 'v1', '--image-manifest', image.manifest]);
    assert.match(same.stderr, new RegExp(`\\(ImageAlreadyExistsException\\).*Image with digest '${image.digest}' and tag 'v1' already exists in the repository with name 'round-trip' in registry with id '123456789012'`));
    // A second tag on the same image.
    await wharf.aws(['ecr', 'put-image', '--repository-name', 'round-trip', '--image-tag', 'stable', '--image-manifest', image.manifest]);

    const got = await wharf.aws(['ecr', 'batch-get-image', '--repository-name', 'round-trip', '--image-ids', 'imageTag=v1', 'imageTag=nope']);
    assert.equal(got.images.length, 1);
    assert.equal(got.images[0].imageManifest, image.manifest);
    assert.deepEqual(got.images[0].imageId, { imageDigest: image.digest, imageTag: 'v1' });
    assert.deepEqual(got.failures, [{ imageId: { imageTag: 'nope' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' }]);

    const described = await ecr.send(new DescribeImagesCommand({ repositoryName: 'round-trip' }));
    assert.equal(described.imageDetails!.length, 1);
    const detail = described.imageDetails![0]!;
    assert.equal(detail.imageDigest, image.digest);
    assert.deepEqual([...detail.imageTags!].sort(), ['stable', 'v1']);
    assert.equal(detail.imageSizeInBytes, image.config.length + image.layer.length);
    assert.equal(detail.imageManifestMediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(detail.artifactMediaType, 'application/vnd.docker.container.image.v1+json');
    assert.equal(detail.registryId, ACCOUNT);
    assert.ok(detail.imagePushedAt instanceof Date && Math.abs(detail.imagePushedAt.getTime() - Date.now()) < 60_000);
    const notThere = await wharf.awsFails(['ecr', 'describe-images', '--repository-name', 'round-trip', '--image-ids', 'imageTag=ghost']);
    assert.match(notThere.stderr, /\(ImageNotFoundException\).*The image with imageId \{imageDigest:'null', imageTag:'ghost'\} does not exist within the repository with name 'round-trip' in the registry with id '123456789012'/);

    // The registry serves what the API stored, and the API's download URL is the registry's blob.
    const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}));
    const authorization = `Basic ${authorizationData![0]!.authorizationToken}`;
    const pulled = await fetch(`http://${registryHost}/v2/round-trip/manifests/stable`, { headers: { authorization, accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    assert.equal(pulled.status, 200);
    assert.equal(pulled.headers.get('docker-content-digest'), image.digest);
    assert.equal(await pulled.text(), image.manifest);
    const { downloadUrl } = await ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'round-trip', layerDigest }));
    assert.equal(downloadUrl, `http://${registryHost}/v2/round-trip/blobs/${layerDigest}`);
    const blob = await fetch(downloadUrl!, { headers: { authorization } });
    assert.deepEqual(Buffer.from(await blob.arrayBuffer()), image.layer);

    // A manifest naming a blob nobody uploaded.
    const orphan = JSON.parse(image.manifest);
    orphan.layers[0].digest = `sha256:${'1'.repeat(64)}`;
    const layersMissing = await wharf.awsFails(['ecr', 'put-image', '--repository-name', 'round-trip', '--image-tag', 'orphan', '--image-manifest', JSON.stringify(orphan)]);
    assert.match(layersMissing.stderr, /\(LayersNotFoundException\).*sha256:1111/);

    const listed = await ecr.send(new ListImagesCommand({ repositoryName: 'round-trip' }));
    assert.deepEqual(listed.imageIds!.map((id) => id.imageTag).sort(), ['stable', 'v1']);

    // Deleting a tag of two keeps the image; deleting the last tag deletes it.
    const first = await ecr.send(new BatchDeleteImageCommand({ repositoryName: 'round-trip', imageIds: [{ imageTag: 'v1' }] }));
    assert.deepEqual(first.imageIds, [{ imageDigest: image.digest, imageTag: 'v1' }]);
    assert.equal((await ecr.send(new DescribeImagesCommand({ repositoryName: 'round-trip' }))).imageDetails!.length, 1);
    const second = await wharf.aws(['ecr', 'batch-delete-image', '--repository-name', 'round-trip', '--image-ids', 'imageTag=stable', 'imageTag=v1']);
    assert.deepEqual(second.imageIds, [{ imageDigest: image.digest, imageTag: 'stable' }]);
    assert.deepEqual(second.failures, [{ imageId: { imageTag: 'v1' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' }]);
    assert.deepEqual((await ecr.send(new ListImagesCommand({ repositoryName: 'round-trip' }))).imageIds, []);
  });

  test('put-image-tag-mutability IMMUTABLE is enforced; a tag moved in a MUTABLE repository leaves the old image untagged', async () => {
    await wharf.aws(['ecr', 'create-repository', '--repository-name', 'mutability']);
    const one = await makeImage(ecr, 'mutability', 'm1');
    const two = await makeImage(ecr, 'mutability', 'm2');
    await ecr.send(new PutImageCommand({ repositoryName: 'mutability', imageManifest: one.manifest, imageTag: 'latest' }));
    await ecr.send(new PutImageCommand({ repositoryName: 'mutability', imageManifest: two.manifest, imageTag: 'latest' }));
    const untagged = await wharf.aws(['ecr', 'list-images', '--repository-name', 'mutability', '--filter', 'tagStatus=UNTAGGED']);
    assert.deepEqual(untagged.imageIds, [{ imageDigest: one.digest }]);

    const set = await wharf.aws(['ecr', 'put-image-tag-mutability', '--repository-name', 'mutability', '--image-tag-mutability', 'IMMUTABLE']);
    assert.deepEqual(set, { registryId: ACCOUNT, repositoryName: 'mutability', imageTagMutability: 'IMMUTABLE' });
    const refused = await wharf.awsFails(['ecr', 'put-image', '--repository-name', 'mutability', '--image-tag', 'latest', '--image-manifest', one.manifest]);
    assert.match(refused.stderr, /\(ImageTagAlreadyExistsException\) when calling the PutImage operation: The image tag 'latest' already exists in the 'mutability' repository and cannot be overwritten because the repository is immutable\./);
    // A new tag is fine.
    await wharf.aws(['ecr', 'put-image', '--repository-name', 'mutability', '--image-tag', 'v1', '--image-manifest', one.manifest]);
    // And the docker side refuses the same move.
    const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}));
    const denied = await fetch(`http://${registryHost}/v2/mutability/manifests/latest`, {
      method: 'PUT',
      headers: { authorization: `Basic ${authorizationData![0]!.authorizationToken}`, 'content-type': 'application/vnd.docker.distribution.manifest.v2+json' },
      body: one.manifest,
    });
    assert.equal(denied.status >= 400, true);
    assert.match(await denied.text(), /already exists in the 'mutability' repository and cannot be overwritten/);

    const scanning = await wharf.aws(['ecr', 'put-image-scanning-configuration', '--repository-name', 'mutability', '--image-scanning-configuration', 'scanOnPush=true']);
    assert.deepEqual(scanning.imageScanningConfiguration, { scanOnPush: true });
    const { repositories } = await wharf.aws(['ecr', 'describe-repositories', '--repository-names', 'mutability']);
    assert.equal(repositories[0].imageTagMutability, 'IMMUTABLE');
    assert.deepEqual(repositories[0].imageScanningConfiguration, { scanOnPush: true });
  });

  test('delete-repository refuses a repository with images unless --force', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'full' }));
    const image = await makeImage(ecr, 'full', 'f');
    await ecr.send(new PutImageCommand({ repositoryName: 'full', imageManifest: image.manifest, imageTag: 'x' }));
    const refused = await wharf.awsFails(['ecr', 'delete-repository', '--repository-name', 'full']);
    assert.match(refused.stderr, /\(RepositoryNotEmptyException\) when calling the DeleteRepository operation: The repository with name 'full' in registry with id '123456789012' cannot be deleted because it still contains images/);
    await wharf.aws(['ecr', 'delete-repository', '--repository-name', 'full', '--force']);
    // A new repository of the same name starts empty: no images, no blobs linked.
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'full' }));
    assert.deepEqual((await ecr.send(new ListImagesCommand({ repositoryName: 'full' }))).imageIds, []);
    const check = await ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName: 'full', layerDigests: [sha256(image.layer)] }));
    assert.deepEqual(check.layers, []);
  });

  test('repository policies: set, get, delete, with ECR\'s errors', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'policy' }));
    const none = await wharf.awsFails(['ecr', 'get-repository-policy', '--repository-name', 'policy']);
    assert.match(none.stderr, /\(RepositoryPolicyNotFoundException\).*Repository policy does not exist for the repository with name 'policy' in the registry with id '123456789012'/);
    const text = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'pull', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: ['ecr:BatchGetImage'] }] });
    const set = await wharf.aws(['ecr', 'set-repository-policy', '--repository-name', 'policy', '--policy-text', text]);
    assert.equal(set.policyText, text);
    assert.equal((await wharf.aws(['ecr', 'get-repository-policy', '--repository-name', 'policy'])).policyText, text);
    const bad = await wharf.awsFails(['ecr', 'set-repository-policy', '--repository-name', 'policy', '--policy-text', '{"Statement": []}']);
    assert.match(bad.stderr, /\(InvalidParameterException\).*Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'/);
    assert.equal((await wharf.aws(['ecr', 'delete-repository-policy', '--repository-name', 'policy'])).policyText, text);
    assert.match((await wharf.awsFails(['ecr', 'delete-repository-policy', '--repository-name', 'policy'])).stderr, /RepositoryPolicyNotFoundException/);
  });

  test('a lifecycle policy expires untagged images: previewed, then applied', async () => {
    await wharf.aws(['ecr', 'create-repository', '--repository-name', 'lifecycle']);
    const none = await wharf.awsFails(['ecr', 'get-lifecycle-policy', '--repository-name', 'lifecycle']);
    assert.match(none.stderr, /\(LifecyclePolicyNotFoundException\).*Lifecycle policy does not exist for the repository with name 'lifecycle' in the registry with id '123456789012'/);

    // Three pushes under one tag: the two older images end untagged.
    const images = [];
    for (const seed of ['l1', 'l2', 'l3']) {
      const image = await makeImage(ecr, 'lifecycle', seed);
      await ecr.send(new PutImageCommand({ repositoryName: 'lifecycle', imageManifest: image.manifest, imageTag: 'latest' }));
      images.push(image);
      await pause(20);
    }
    const untagged = await wharf.aws(['ecr', 'list-images', '--repository-name', 'lifecycle', '--filter', 'tagStatus=UNTAGGED']);
    assert.deepEqual((untagged.imageIds as { imageDigest: string }[]).map((id) => id.imageDigest).sort(), [images[0]!.digest, images[1]!.digest].sort());

    const badPolicy = await wharf.awsFails(['ecr', 'put-lifecycle-policy', '--repository-name', 'lifecycle', '--lifecycle-policy-text', JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 0 }, action: { type: 'expire' } }] })]);
    assert.match(badPolicy.stderr, /\(InvalidParameterException\).*Lifecycle policy validation failure: numeric instance is lower than the required minimum \(minimum: 1, found: 0\)/);

    const policy = JSON.stringify({
      rules: [{ rulePriority: 1, description: 'Keep only one untagged image, expire all others', selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }],
    });
    const started = await wharf.aws(['ecr', 'start-lifecycle-policy-preview', '--repository-name', 'lifecycle', '--lifecycle-policy-text', policy]);
    assert.equal(started.status, 'IN_PROGRESS');
    const preview = await wharf.aws(['ecr', 'get-lifecycle-policy-preview', '--repository-name', 'lifecycle']);
    assert.equal(preview.status, 'COMPLETE');
    assert.deepEqual(preview.previewResults.map((result: { imageDigest: string; appliedRulePriority: number; action: unknown }) => [result.imageDigest, result.appliedRulePriority, result.action]), [
      [images[0]!.digest, 1, { type: 'EXPIRE' }],
    ]);
    assert.deepEqual(preview.summary, { expiringImageTotalCount: 1 });
    // A preview changes nothing.
    assert.equal((await wharf.aws(['ecr', 'list-images', '--repository-name', 'lifecycle'])).imageIds.length, 3);

    const put = await wharf.aws(['ecr', 'put-lifecycle-policy', '--repository-name', 'lifecycle', '--lifecycle-policy-text', policy]);
    assert.deepEqual(put, { registryId: ACCOUNT, repositoryName: 'lifecycle', lifecyclePolicyText: policy });
    const after = await waitFor(
      () => wharf.aws(['ecr', 'list-images', '--repository-name', 'lifecycle']),
      (listed: { imageIds: { imageDigest: string }[] }) => listed.imageIds.length === 2,
      15_000,
      'the oldest untagged image to expire',
    );
    assert.deepEqual(after.imageIds.map((id: { imageDigest: string }) => id.imageDigest).sort(), [images[1]!.digest, images[2]!.digest].sort());
    const got = await wharf.aws(['ecr', 'get-lifecycle-policy', '--repository-name', 'lifecycle']);
    assert.equal(got.lifecyclePolicyText, policy);
    assert.ok(Math.abs(Date.parse(got.lastEvaluatedAt) - Date.now()) < 60_000, got.lastEvaluatedAt);

    // Applied on pushes too: one more push under the tag leaves two untagged, and the older goes.
    const fourth = await makeImage(ecr, 'lifecycle', 'l4');
    await ecr.send(new PutImageCommand({ repositoryName: 'lifecycle', imageManifest: fourth.manifest, imageTag: 'latest' }));
    const final = await waitFor(
      () => ecr.send(new ListImagesCommand({ repositoryName: 'lifecycle' })),
      (listed) => listed.imageIds!.length === 2,
      15_000,
      'the next untagged image to expire',
    );
    assert.deepEqual(final.imageIds!.map((id) => id.imageDigest).sort(), [images[2]!.digest, fourth.digest].sort());

    const deleted = await wharf.aws(['ecr', 'delete-lifecycle-policy', '--repository-name', 'lifecycle']);
    assert.equal(deleted.lifecyclePolicyText, policy);
    assert.match((await wharf.awsFails(['ecr', 'delete-lifecycle-policy', '--repository-name', 'lifecycle'])).stderr, /LifecyclePolicyNotFoundException/);
  });

  test('upload errors: unknown uploads, parts out of order, a digest that does not match', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'uploads' }));
    const { uploadId } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'uploads' }));
    await assert.rejects(
      ecr.send(new UploadLayerPartCommand({ repositoryName: 'uploads', uploadId, partFirstByte: 5, partLastByte: 9, layerPartBlob: Buffer.from('hello') })),
      (error: Error) => error.name === 'InvalidLayerPartException',
    );
    await ecr.send(new UploadLayerPartCommand({ repositoryName: 'uploads', uploadId, partFirstByte: 0, partLastByte: 4, layerPartBlob: Buffer.from('hello') }));
    await assert.rejects(
      ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'uploads', uploadId, layerDigests: [sha256(Buffer.from('other'))] })),
      (error: Error) => error.name === 'InvalidLayerException',
    );
    // The upload is still there after a wrong digest; the right one completes it.
    await ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'uploads', uploadId, layerDigests: [sha256(Buffer.from('hello'))] }));
    await assert.rejects(
      ecr.send(new UploadLayerPartCommand({ repositoryName: 'uploads', uploadId, partFirstByte: 5, partLastByte: 5, layerPartBlob: Buffer.from('!') })),
      (error: Error) => error.name === 'UploadNotFoundException',
    );
    await assert.rejects(
      ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'no-such-repo' })),
      (error: Error) => error.name === 'RepositoryNotFoundException' && error.message === "The repository with name 'no-such-repo' does not exist in the registry with id '123456789012'",
    );
  });

  test('odd inputs get ECR-shaped client errors, never an InternalFailure', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'odd' }));
    const { uploadId } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'odd' }));
    const T = 'AmazonEC2ContainerRegistry_V20150921.';
    const cases: [string, object, string][] = [
      ['PutImage', { repositoryName: 'odd', imageManifest: 'not json' }, 'InvalidParameterException'],
      ['PutImage', { repositoryName: 'odd', imageManifest: 'null' }, 'InvalidParameterException'],
      ['PutImage', { repositoryName: 'odd', imageManifest: '{"schemaVersion":2,"config":{"digest":"sha256:00"},"layers":[null]}' }, 'InvalidParameterException'],
      ['PutImage', { repositoryName: 'odd', imageManifest: '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"digest":"md5:abc"}]}' }, 'ReferencedImagesNotFoundException'],
      ['PutImage', { repositoryName: 'odd', imageManifest: '{"schemaVersion":2,"config":{"digest":"md5:00"},"layers":[]}' }, 'LayersNotFoundException'],
      ['PutImage', { repositoryName: 'odd', imageManifest: '{}', imageDigest: 'sha256:00' }, 'ImageDigestDoesNotMatchException'],
      ['BatchDeleteImage', { repositoryName: 'odd', imageIds: [{}] }, ''],
      ['BatchGetImage', { repositoryName: 'odd', imageIds: [{ imageDigest: 'nope' }] }, ''],
      ['DescribeImages', { repositoryName: 'odd', imageIds: [{}] }, 'ImageNotFoundException'],
      ['TagResource', { resourceArn: 'arn:aws:ecr:us-east-1:123456789012:cluster/x', tags: [] }, 'InvalidParameterException'],
      ['TagResource', { resourceArn: 'not an arn', tags: [{ Key: 'aws:x', Value: 'v' }] }, 'InvalidTagParameterException'],
      ['PutLifecyclePolicy', { repositoryName: 'odd', lifecyclePolicyText: JSON.stringify({ rules: [{ rulePriority: 1, selection: null, action: { type: 'expire' } }], pad: 'x'.repeat(100) }) }, 'InvalidParameterException'],
      ['PutLifecyclePolicy', { repositoryName: 'odd', lifecyclePolicyText: JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1, tagPrefixList: 'x' }, action: { type: 'expire' } }] }) }, 'InvalidParameterException'],
      ['UploadLayerPart', { repositoryName: 'odd', uploadId, partFirstByte: 0, partLastByte: 0, layerPartBlob: '!!!' }, 'InvalidLayerPartException'],
      ['UploadLayerPart', { repositoryName: 'odd', uploadId: '00000000-0000-0000-0000-000000000000', partFirstByte: 0, partLastByte: 0, layerPartBlob: 'YQ==' }, 'UploadNotFoundException'],
      ['CompleteLayerUpload', { repositoryName: 'odd', uploadId, layerDigests: ['sha256:00'] }, 'EmptyUploadException'],
      ['CompleteLayerUpload', { repositoryName: 'odd', uploadId, layerDigests: ['sha256:00', 'sha256:11'] }, 'InvalidParameterException'],
      ['GetDownloadUrlForLayer', { repositoryName: 'odd', layerDigest: 'a:b' }, 'LayersNotFoundException'],
      ['DescribeRepositories', { repositoryNames: ['UPPER'] }, 'InvalidParameterException'],
      ['PutImageTagMutability', { repositoryName: 'odd', imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION' }, 'InvalidParameterException'],
      ['GetLifecyclePolicyPreview', { repositoryName: 'odd' }, 'LifecyclePolicyPreviewNotFoundException'],
      ['StartLifecyclePolicyPreview', { repositoryName: 'odd' }, 'LifecyclePolicyNotFoundException'],
      ['CreateRepository', { repositoryName: 'odd-kms', encryptionConfiguration: { encryptionType: 'AES256', kmsKey: 'k' } }, 'InvalidParameterException'],
    ];
    for (const [operation, body, code] of cases) {
      const result = await signedRequest(wharf.endpoint, { target: T + operation, body: JSON.stringify(body), service: 'ecr' });
      const parsed = JSON.parse(result.body);
      if (code === '') {
        assert.equal(result.status, 200, `${operation} ${result.body}`);
        assert.equal(parsed.failures.length, 1, `${operation} ${result.body}`);
        continue;
      }
      assert.equal(result.status, 400, `${operation} ${JSON.stringify(body).slice(0, 80)} -> ${result.body}`);
      assert.equal(parsed.__type, code, `${operation} -> ${result.body}`);
    }
  });
});
