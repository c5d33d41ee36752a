import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ImageRecord, LayerRecord } from './records.js';
import { allowsReplicationFrom, replicationDestinations } from './registry-settings.js';
import { planReplication } from './replication.js';

const image = (digest: string, tags: string[], extra: Partial<ImageRecord> = {}): ImageRecord => ({
  repositoryName: 'app',
  imageDigest: digest,
  imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  manifestBase64: '',
  references: [`blob-${digest}`],
  imageSizeInBytes: 10,
  imageTags: tags,
  imagePushedAt: 1,
  ...extra,
});
const layer = (digest: string): LayerRecord => ({ repositoryName: 'app', layerDigest: digest, layerSize: 5, linkedAt: 1 });
const base = { repositoryName: 'app', source: '1/us-east-1', now: 100 };

describe('ECR replication plans', () => {
  test('new images are copied with their tags and blob links, marked as copies; a tag moves off the replica that had it', () => {
    const plan = planReplication({
      ...base,
      sourceImages: [image('a', ['v1', 'latest'])],
      sourceLayers: [layer('blob-a')],
      destinationImages: [image('old', ['latest'])],
      destinationLayers: new Set(),
    });
    const byDigest = Object.fromEntries(plan.images.map((i) => [i.imageDigest, i]));
    assert.deepEqual(byDigest.a!.imageTags, ['v1', 'latest']);
    assert.equal(byDigest.a!.replicatedFrom, '1/us-east-1');
    assert.equal(byDigest.a!.imagePushedAt, 100);
    assert.deepEqual(byDigest.old!.imageTags, []);
    assert.deepEqual(plan.layers.map((l) => l.layerDigest), ['blob-a']);
  });

  test('nothing to do when the destination already holds the images and tags; copies are not replicated again; immutable tags stay', () => {
    assert.deepEqual(planReplication({ ...base, sourceImages: [image('a', ['v1'])], sourceLayers: [], destinationImages: [image('a', ['v1'])], destinationLayers: new Set() }), { images: [], layers: [] });
    assert.deepEqual(planReplication({ ...base, sourceImages: [image('a', ['v1'], { replicatedFrom: '2/eu-west-1' })], sourceLayers: [], destinationImages: [], destinationLayers: new Set() }), { images: [], layers: [] });
    const immutable = planReplication({
      ...base,
      sourceImages: [image('a', ['v1'])],
      sourceLayers: [],
      destinationRepository: { repositoryName: 'app', registryId: '1', imageTagMutability: 'IMMUTABLE' },
      destinationImages: [image('b', ['v1'])],
      destinationLayers: new Set(),
    });
    assert.deepEqual(immutable.images.map((i) => [i.imageDigest, i.imageTags]), [['a', []]]);
  });

  test('destinations: rules whose prefix filters take the repository (none: every repository), each destination once', () => {
    const configuration = {
      rules: [
        { destinations: [{ region: 'us-west-2', registryId: '1' }], repositoryFilters: [{ filter: 'prod', filterType: 'PREFIX_MATCH' as const }] },
        { destinations: [{ region: 'us-west-2', registryId: '1' }, { region: 'eu-west-1', registryId: '2' }] },
      ],
    };
    assert.deepEqual(replicationDestinations(configuration, 'prod-api'), [{ region: 'us-west-2', registryId: '1' }, { region: 'eu-west-1', registryId: '2' }]);
    assert.deepEqual(replicationDestinations({ rules: [configuration.rules[0]!] }, 'dev-api'), []);
    assert.deepEqual(replicationDestinations(undefined, 'x'), []);
  });
});

describe('cross-account replication permission', () => {
  test('the destination registry policy must allow ecr:ReplicateImage to the source account; the same account needs nothing', () => {
    const policy = (principal: unknown, action: unknown = ['ecr:CreateRepository', 'ecr:ReplicateImage']) => JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: principal, Action: action, Resource: '*' }] });
    assert.ok(allowsReplicationFrom(undefined, '111111111111', '111111111111'));
    assert.ok(!allowsReplicationFrom(undefined, '111111111111', '222222222222'));
    assert.ok(allowsReplicationFrom(policy({ AWS: 'arn:aws:iam::111111111111:root' }), '111111111111', '222222222222'));
    assert.ok(allowsReplicationFrom(policy({ AWS: ['333333333333', '111111111111'] }), '111111111111', '222222222222'));
    assert.ok(!allowsReplicationFrom(policy({ AWS: 'arn:aws:iam::333333333333:root' }), '111111111111', '222222222222'));
    assert.ok(!allowsReplicationFrom(policy('*', 'ecr:BatchGetImage'), '111111111111', '222222222222'));
  });
});
