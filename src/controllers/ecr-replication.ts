import { ECR_KIND, imageRecordId, layerRecordId, REGISTRY_ID, type ImageRecord, type LayerRecord, type RegistryRecord, type RepositoryRecord } from '../domain/ecr/records.js';
import { allowsReplicationFrom, replicationDestinations } from '../domain/ecr/registry-settings.js';
import { planReplication } from '../domain/ecr/replication.js';
import { newRepository } from '../domain/ecr/repository.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { StaleWriteError, type Scope, type Store, type WriteOp } from '../ports/store.js';
import { againAfter, done, WorkQueue, type ReconcileResult } from './work-queue.js';

const keyOf = (scope: Scope, name: string) => `${scope.account}|${scope.region}|${name}`;

function parseKey(key: string): { scope: Scope; name: string } {
  const [account, region, ...rest] = key.split('|') as [string, string, ...string[]];
  return { scope: { account, region }, name: rest.join('|') };
}

/**
 * ECR replication within this Wharf: when images are pushed or retagged in a
 * repository whose registry has replication rules (PutReplicationConfiguration),
 * and when the rules change, it copies the repository's images to each
 * destination registry (account and region), creating the repository there
 * with ECR's defaults when absent; another account's registry only when its
 * registry policy allows this one ecr:ReplicateImage. Blobs are stored once by content, so a copy
 * is records only: the image and its blob links. Deletions are not replicated.
 */
export class EcrReplicationController {
  private readonly queue: WorkQueue;
  private unsubscribers: (() => void)[] = [];

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    logger: Logger,
    options: { resyncMs?: number } = {},
  ) {
    this.queue = new WorkQueue('ecr-replication', (key) => this.reconcile(key), logger, { concurrency: 2, resyncMs: options.resyncMs ?? 5 * 60_000, listKeys: () => this.allKeys() });
  }

  start(): void {
    this.unsubscribers.push(
      this.store.watch(ECR_KIND.image, (change) => {
        const at = change.id.lastIndexOf('@');
        if (at > 0) this.queue.add(keyOf(change.scope, change.id.slice(0, at)));
      }),
    );
    // New rules apply to the images already there, and a destination's new registry policy may let copies in:
    // every repository under replication is looked at again.
    this.unsubscribers.push(this.store.watch(ECR_KIND.registry, () => void this.enqueueAll()));
    this.queue.start();
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    await this.queue.stop();
  }

  private async enqueueAll(): Promise<void> {
    for (const key of await this.allKeys()) this.queue.add(key);
  }

  private async allKeys(): Promise<string[]> {
    const keys: string[] = [];
    for (const registry of await this.store.listAll<RegistryRecord>(ECR_KIND.registry)) {
      if ((registry.doc.replicationConfiguration?.rules ?? []).length === 0) continue;
      for (const repository of await this.store.list<RepositoryRecord>(ECR_KIND.repository, registry.scope)) keys.push(keyOf(registry.scope, repository.id));
    }
    return keys;
  }

  /** One source repository: bring every destination up to it. Exposed for tests. */
  async reconcile(key: string): Promise<ReconcileResult> {
    const { scope, name } = parseKey(key);
    const registry = await this.store.get<RegistryRecord>(ECR_KIND.registry, scope, REGISTRY_ID);
    const destinations = replicationDestinations(registry?.doc.replicationConfiguration, name);
    if (destinations.length === 0) return done;
    const repository = await this.store.get<RepositoryRecord>(ECR_KIND.repository, scope, name);
    if (!repository) return done;
    const sourceImages = (await this.store.list<ImageRecord>(ECR_KIND.image, scope, { prefix: `${name}@` })).map((r) => r.doc);
    const sourceLayers = (await this.store.list<LayerRecord>(ECR_KIND.layer, scope, { prefix: `${name}@` })).map((r) => r.doc);
    const now = this.clock.now();
    let stale = false;
    for (const destination of destinations) {
      const target: Scope = { account: destination.registryId, region: destination.region };
      // Another account's registry takes copies only when its registry policy allows this one to replicate.
      const targetRegistry = await this.store.get<RegistryRecord>(ECR_KIND.registry, target, REGISTRY_ID);
      if (!allowsReplicationFrom(targetRegistry?.doc.policyText, scope.account, target.account)) continue;
      const existing = await this.store.get<RepositoryRecord>(ECR_KIND.repository, target, name);
      const images = await this.store.list<ImageRecord>(ECR_KIND.image, target, { prefix: `${name}@` });
      const layers = await this.store.list<LayerRecord>(ECR_KIND.layer, target, { prefix: `${name}@` });
      const plan = planReplication({
        repositoryName: name,
        source: `${scope.account}/${scope.region}`,
        sourceImages,
        sourceLayers,
        ...(existing ? { destinationRepository: existing.doc } : {}),
        destinationImages: images.map((r) => r.doc),
        destinationLayers: new Set(layers.map((r) => r.doc.layerDigest)),
        now: now.getTime(),
      });
      if (plan.images.length === 0 && plan.layers.length === 0 && existing) continue;
      const versions = new Map(images.map((r) => [r.doc.imageDigest, r.version]));
      const ops: WriteOp[] = [];
      if (!existing) {
        const created = newRepository({ repositoryName: name }, { region: target.region, account: target.account, now, registryHost: repository.doc.repositoryUri.slice(0, -name.length - 1) });
        ops.push({ op: 'put', kind: ECR_KIND.repository, scope: target, id: name, doc: created, expect: 'absent' });
      }
      for (const layer of plan.layers) ops.push({ op: 'put', kind: ECR_KIND.layer, scope: target, id: layerRecordId(name, layer.layerDigest), doc: layer, expect: 'absent' });
      for (const image of plan.images) ops.push({ op: 'put', kind: ECR_KIND.image, scope: target, id: imageRecordId(name, image.imageDigest), doc: image, expect: versions.get(image.imageDigest) ?? 'absent' });
      try {
        await this.store.write(ops);
      } catch (error) {
        if (!(error instanceof StaleWriteError)) throw error;
        stale = true;
      }
    }
    return stale ? againAfter(0) : done;
  }
}
