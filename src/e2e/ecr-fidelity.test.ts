import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteLifecyclePolicyCommand,
  DeleteRegistryPolicyCommand,
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  DescribeRegistryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetDownloadUrlForLayerCommand,
  GetLifecyclePolicyCommand,
  GetRegistryPolicyCommand,
  GetRegistryScanningConfigurationCommand,
  PutImageCommand,
  PutLifecyclePolicyCommand,
  PutRegistryPolicyCommand,
  PutRegistryScanningConfigurationCommand,
  PutReplicationConfigurationCommand,
  StartImageScanCommand,
} from '@aws-sdk/client-ecr';
import { DEFAULT_KEY } from '../cli/config.js';
import { rejection, startTestWharf, waitFor, type TestWharf } from './harness.js';

const ACCOUNT = '123456789012';
const OTHER = { id: 'AKIAOTHERACCOUNT0001', secret: 'other-account-secret', account: '210987654321' };
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const LIFECYCLE = JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 5 }, action: { type: 'expire' } }] });

/** A registry request with a Host header of our choosing (fetch will not send one), as docker sends it through a hosts entry. */
function raw(endpoint: string, method: string, path: string, options: { host: string; auth: string; body?: Buffer; contentType?: string }): Promise<{ status: number; body: string }> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method, path, headers: { host: options.host, authorization: options.auth, ...(options.contentType ? { 'content-type': options.contentType } : {}), 'content-length': options.body?.length ?? 0 } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const client = (wharf: TestWharf, region = 'us-east-1', keys = { id: DEFAULT_KEY.accessKeyId, secret: DEFAULT_KEY.secretAccessKey }) =>
  new ECRClient({ endpoint: wharf.endpoint, region, credentials: { accessKeyId: keys.id, secretAccessKey: keys.secret }, maxAttempts: 1 });

/** Pushes a one-layer image to `repository` through the registry, under `host`; returns its manifest and digest. */
async function pushImage(wharf: TestWharf, ecr: ECRClient, repository: string, tag: string, host: string) {
  const token = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData![0]!.authorizationToken!;
  const auth = `Basic ${token}`;
  const blob = async (bytes: Buffer) => {
    const response = await raw(wharf.endpoint, 'POST', `/v2/${repository}/blobs/uploads/?digest=${digestOf(bytes)}`, { host, auth, body: bytes, contentType: 'application/octet-stream' });
    assert.equal(response.status, 201, response.body);
    return digestOf(bytes);
  };
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, nonce: randomBytes(8).toString('hex') }));
  const layer = randomBytes(1024);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: await blob(config) },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: await blob(layer) }],
    }),
  );
  const put = await raw(wharf.endpoint, 'PUT', `/v2/${repository}/manifests/${tag}`, { host, auth, body: manifest, contentType: DOCKER_MANIFEST });
  assert.equal(put.status, 201, put.body);
  return { manifest, digest: digestOf(manifest), layerDigest: digestOf(layer), auth };
}

describe('ECR beyond the happy path, through the SDK', () => {
  let wharf: TestWharf;
  let ecr: ECRClient;
  let host: string;
  before(async () => {
    wharf = await startTestWharf({ WHARF_ACCESS_KEYS: `${OTHER.id}:${OTHER.secret}:${OTHER.account}` });
    ecr = client(wharf);
    host = new URL(wharf.endpoint).host;
  });
  after(() => wharf.stop());

  test('Get/DeleteLifecyclePolicy answer lastEvaluatedAt; KMS encryption without a key gets the AWS managed key ARN', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'kept' }));
    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'kept', lifecyclePolicyText: LIFECYCLE }));
    const got = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'kept' }));
    assert.ok(got.lastEvaluatedAt instanceof Date);
    const deleted = await ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: 'kept' }));
    assert.ok(deleted.lastEvaluatedAt instanceof Date);

    const kms = (await ecr.send(new CreateRepositoryCommand({ repositoryName: 'sealed', encryptionConfiguration: { encryptionType: 'KMS' } }))).repository!;
    assert.match(kms.encryptionConfiguration!.kmsKey!, /^arn:aws:kms:us-east-1:123456789012:key\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    const described = (await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['sealed'] }))).repositories![0]!;
    assert.equal(described.encryptionConfiguration!.kmsKey, kms.encryptionConfiguration!.kmsKey);
    const given = (await ecr.send(new CreateRepositoryCommand({ repositoryName: 'sealed-mine', encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'alias/mine' } }))).repository!;
    assert.equal(given.encryptionConfiguration!.kmsKey, 'alias/mine');
    const plain = (await ecr.send(new CreateRepositoryCommand({ repositoryName: 'plain' }))).repository!;
    assert.deepEqual(plain.encryptionConfiguration, { encryptionType: 'AES256' });
  });

  test('the registry takes pushes under AWS’s name for the caller’s registry, and refuses it for another account’s or region’s', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'named' }));
    const awsHost = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;
    const pushed = await pushImage(wharf, ecr, 'named', 'v1', awsHost);
    await pushImage(wharf, ecr, 'named', 'v2', host);
    const tags = (await ecr.send(new DescribeImagesCommand({ repositoryName: 'named' }))).imageDetails!.flatMap((i) => i.imageTags ?? []).sort();
    assert.deepEqual(tags, ['v1', 'v2']);
    const elsewhere = await raw(wharf.endpoint, 'GET', '/v2/named/tags/list', { host: '999999999999.dkr.ecr.us-east-1.amazonaws.com', auth: pushed.auth });
    assert.equal(elsewhere.status, 401);
    const otherRegion = await raw(wharf.endpoint, 'GET', '/v2/named/tags/list', { host: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`, auth: pushed.auth });
    assert.equal(otherRegion.status, 401);
    // The default naming stays the host docker reaches as is.
    assert.equal((await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['named'] }))).repositories![0]!.repositoryUri, `${host}/named`);
  });

  test('registry policy: put, get, delete, and the errors for none and for bad text', async () => {
    assert.match(await rejection(ecr.send(new GetRegistryPolicyCommand({}))), /^RegistryPolicyNotFoundException: Registry policy does not exist in the registry with id '123456789012'/);
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Replicate', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::210987654321:root' }, Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'], Resource: '*' }] });
    const put = await ecr.send(new PutRegistryPolicyCommand({ policyText: policy }));
    assert.deepEqual({ registryId: put.registryId, policyText: put.policyText }, { registryId: ACCOUNT, policyText: policy });
    assert.equal((await ecr.send(new GetRegistryPolicyCommand({}))).policyText, policy);
    assert.match(await rejection(ecr.send(new PutRegistryPolicyCommand({ policyText: '{"Statement": ' }))), /^InvalidParameterException/);
    assert.equal((await ecr.send(new DeleteRegistryPolicyCommand({}))).policyText, policy);
    assert.match(await rejection(ecr.send(new DeleteRegistryPolicyCommand({}))), /^RegistryPolicyNotFoundException/);
  });

  test('registry scanning configuration: BASIC with no rules by default; put and get; a frequency the scan type does not take is refused', async () => {
    const initial = await ecr.send(new GetRegistryScanningConfigurationCommand({}));
    assert.deepEqual({ registryId: initial.registryId, scanningConfiguration: initial.scanningConfiguration }, { registryId: ACCOUNT, scanningConfiguration: { scanType: 'BASIC', rules: [] } });
    const rules = [{ scanFrequency: 'SCAN_ON_PUSH' as const, repositoryFilters: [{ filter: 'prod-*', filterType: 'WILDCARD' as const }] }];
    const put = await ecr.send(new PutRegistryScanningConfigurationCommand({ scanType: 'BASIC', rules }));
    assert.deepEqual(put.registryScanningConfiguration, { scanType: 'BASIC', rules });
    assert.deepEqual((await ecr.send(new GetRegistryScanningConfigurationCommand({}))).scanningConfiguration, { scanType: 'BASIC', rules });
    assert.match(await rejection(ecr.send(new PutRegistryScanningConfigurationCommand({ scanType: 'BASIC', rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }] }))), /^InvalidParameterException/);
  });

  test('StartImageScan and DescribeImageScanFindings say, in ECR’s terms, that no scan could run here', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'scanned' }));
    const { digest } = await pushImage(wharf, ecr, 'scanned', 'latest', host);
    assert.match(await rejection(ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scanned', imageId: { imageTag: 'latest' } }))), /^ScanNotFoundException/);
    const started = await ecr.send(new StartImageScanCommand({ repositoryName: 'scanned', imageId: { imageTag: 'latest' } }));
    assert.equal(started.imageId!.imageDigest, digest);
    assert.equal(started.imageScanStatus!.status, 'FAILED');
    assert.match(started.imageScanStatus!.description!, /no vulnerability database/);
    const findings = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scanned', imageId: { imageDigest: digest } }));
    assert.equal(findings.imageScanStatus!.status, 'FAILED');
    assert.equal(findings.imageScanFindings, undefined, 'no findings are made up');
    assert.equal((await ecr.send(new DescribeImagesCommand({ repositoryName: 'scanned' }))).imageDetails![0]!.imageScanStatus!.status, 'FAILED');
    assert.match(await rejection(ecr.send(new StartImageScanCommand({ repositoryName: 'scanned', imageId: { imageTag: 'nope' } }))), /^ImageNotFoundException/);

    // Scan on push records the same outcome as soon as the image lands.
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'scanned-on-push', imageScanningConfiguration: { scanOnPush: true } }));
    const onPush = await pushImage(wharf, ecr, 'scanned-on-push', 'v1', host);
    const status = (await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scanned-on-push', imageId: { imageDigest: onPush.digest } }))).imageScanStatus!;
    assert.equal(status.status, 'FAILED');
  });

  test('replication: DescribeRegistry shows the rules, and pushed images are copied to the named regions’ repositories', async () => {
    const west = client(wharf, 'us-west-2');
    assert.match(await rejection(ecr.send(new PutReplicationConfigurationCommand({ replicationConfiguration: { rules: [{ destinations: [{ region: 'us-east-1', registryId: ACCOUNT }] }] } }))), /^InvalidParameterException/);
    const replicationConfiguration = { rules: [{ destinations: [{ region: 'us-west-2', registryId: ACCOUNT }], repositoryFilters: [{ filter: 'shared', filterType: 'PREFIX_MATCH' as const }] }] };
    await ecr.send(new PutReplicationConfigurationCommand({ replicationConfiguration }));
    assert.deepEqual((await ecr.send(new DescribeRegistryCommand({}))).replicationConfiguration, replicationConfiguration);

    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'shared-app' }));
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'private-app' }));
    const pushed = await pushImage(wharf, ecr, 'shared-app', 'v1', host);
    await pushImage(wharf, ecr, 'private-app', 'v1', host);
    const copied = await waitFor(
      () => west.send(new DescribeImagesCommand({ repositoryName: 'shared-app' })).catch(() => undefined),
      (answer) => (answer?.imageDetails ?? []).some((image) => image.imageTags?.includes('v1')),
      20_000,
      'the image replicated to us-west-2',
    );
    assert.equal(copied!.imageDetails![0]!.imageDigest, pushed.digest);
    const image = (await west.send(new BatchGetImageCommand({ repositoryName: 'shared-app', imageIds: [{ imageTag: 'v1' }] }))).images![0]!;
    assert.equal(image.imageManifest, pushed.manifest.toString('utf8'));
    const url = (await west.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'shared-app', layerDigest: pushed.layerDigest }))).downloadUrl!;
    const westToken = (await west.send(new GetAuthorizationTokenCommand({}))).authorizationData![0]!.authorizationToken!;
    const layer = await fetch(url, { headers: { authorization: `Basic ${westToken}` } });
    assert.equal(layer.status, 200);
    assert.equal(digestOf(Buffer.from(await layer.arrayBuffer())), pushed.layerDigest);
    assert.match(await rejection(west.send(new DescribeRepositoriesCommand({ repositoryNames: ['private-app'] }))), /^RepositoryNotFoundException/);

    // A tag moved in the source moves in the replica too.
    const second = await pushImage(wharf, ecr, 'shared-app', 'v1', host);
    await waitFor(
      () => west.send(new DescribeImagesCommand({ repositoryName: 'shared-app', imageIds: [{ imageTag: 'v1' }] })).catch(() => undefined),
      (answer) => answer?.imageDetails?.[0]?.imageDigest === second.digest,
      20_000,
      'the moved tag replicated',
    );
    const put = await ecr.send(new PutImageCommand({ repositoryName: 'shared-app', imageManifest: pushed.manifest.toString('utf8'), imageManifestMediaType: DOCKER_MANIFEST, imageTag: 'again' }));
    assert.equal(put.image!.imageId!.imageDigest, pushed.digest);
    await waitFor(
      () => west.send(new DescribeImagesCommand({ repositoryName: 'shared-app', imageIds: [{ imageTag: 'again' }] })).catch(() => undefined),
      (answer) => answer?.imageDetails?.[0]?.imageDigest === pushed.digest,
      20_000,
      'a PutImage tag replicated',
    );

    // Another account's registry takes copies once its registry policy lets this account replicate.
    const other = client(wharf, 'us-east-1', OTHER);
    const crossAccount = { rules: [{ destinations: [{ region: 'us-east-1', registryId: OTHER.account }, { region: 'us-west-2', registryId: ACCOUNT }], repositoryFilters: [{ filter: 'shared', filterType: 'PREFIX_MATCH' as const }] }] };
    await ecr.send(new PutReplicationConfigurationCommand({ replicationConfiguration: crossAccount }));
    await ecr.send(new PutImageCommand({ repositoryName: 'shared-app', imageManifest: pushed.manifest.toString('utf8'), imageManifestMediaType: DOCKER_MANIFEST, imageTag: 'v3' }));
    // The other account comes first in the rule, so once us-west-2 has v3 it was already passed over.
    await waitFor(
      () => west.send(new DescribeImagesCommand({ repositoryName: 'shared-app', imageIds: [{ imageTag: 'v3' }] })).catch(() => undefined),
      (answer) => answer?.imageDetails?.[0]?.imageDigest === pushed.digest,
      20_000,
      'v3 replicated within the account',
    );
    assert.match(await rejection(other.send(new DescribeRepositoriesCommand({ repositoryNames: ['shared-app'] }))), /^RepositoryNotFoundException/);
    const allow = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'], Resource: '*' }] });
    await other.send(new PutRegistryPolicyCommand({ policyText: allow }));
    const there = await waitFor(
      () => other.send(new DescribeImagesCommand({ repositoryName: 'shared-app', imageIds: [{ imageTag: 'v3' }] })).catch(() => undefined),
      (answer) => answer?.imageDetails?.[0]?.imageDigest === pushed.digest,
      20_000,
      'the image replicated to the other account',
    );
    assert.equal(there!.imageDetails![0]!.registryId, OTHER.account);
  });
});

describe('ECR with the AWS form of repositoryUri (WHARF_ECR_URI_STYLE=aws)', () => {
  let wharf: TestWharf;
  before(async () => {
    wharf = await startTestWharf({ WHARF_ECR_URI_STYLE: 'aws' });
  });
  after(() => wharf.stop());

  test('repositoryUri and proxyEndpoint name the registry as AWS does, and pushes under that name land', async () => {
    const ecr = client(wharf, 'eu-central-1');
    const created = (await ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }))).repository!;
    assert.equal(created.repositoryUri, `${ACCOUNT}.dkr.ecr.eu-central-1.amazonaws.com/team/app`);
    assert.equal((await ecr.send(new DescribeRepositoriesCommand({}))).repositories![0]!.repositoryUri, created.repositoryUri);
    assert.equal((await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData![0]!.proxyEndpoint, `https://${ACCOUNT}.dkr.ecr.eu-central-1.amazonaws.com`);
    const { digest } = await pushImage(wharf, ecr, 'team/app', 'v1', created.repositoryUri!.split('/')[0]!);
    assert.equal((await ecr.send(new DescribeImagesCommand({ repositoryName: 'team/app' }))).imageDetails![0]!.imageDigest, digest);
    await pushImage(wharf, ecr, 'team/app', 'v2', new URL(wharf.endpoint).host);
  });
});
