import { evaluateLifecycle, lifecycleImageOf } from '../domain/ecr/lifecycle.js';
import { parseLifecyclePolicy } from '../domain/ecr/lifecycle-policy.js';
import { ECR_KIND, type ImageRecord, type RepositoryRecord, type UploadRecord } from '../domain/ecr/records.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { StaleWriteError, type Scope, type Store, type WriteOp } from '../ports/store.js';
import { againAfter, done, WorkQueue, type ReconcileResult } from './work-queue.js';

export interface EcrLifecycleOptions {
  /** How often every repository with a policy is looked at again (age rules need time to pass). */
  readonly resyncMs?: number;
  /** When given, ECR API upload records whose BlobStore session was swept are removed on each resync. */
  readonly blobs?: BlobStore;
}

function repositoryKey(scope: Scope, name: string): string {
  return `${scope.account}|${scope.region}|${name}`;
}

function parseKey(key: string): { scope: Scope; name: string } {
  const [account, region, ...rest] = key.split('|') as [string, string, ...string[]];
  return { scope: { account, region }, name: rest.join('|') };
}

/**
 * Applies ECR lifecycle policies: when a policy is put, when images are
 * pushed or retagged, and on a resync every few minutes, it evaluates the
 * repository's policy (domain/ecr/lifecycle.ts) and deletes the expired
 * image records in one write that expects the versions it read, so an image
 * retagged meanwhile is judged again instead of lost. Blobs stay: they are
 * shared by content across repositories and accounts, and a push in progress
 * holds blobs no image references yet.
 */
export class EcrLifecycleController {
  private readonly queue: WorkQueue;
  private unsubscribers: (() => void)[] = [];

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: EcrLifecycleOptions = {},
  ) {
    this.queue = new WorkQueue('ecr-lifecycle', (key) => this.reconcile(key), logger, {
      concurrency: 2,
      resyncMs: options.resyncMs ?? 5 * 60_000,
      listKeys: () => this.resyncKeys(),
    });
  }

  start(): void {
    this.unsubscribers.push(this.store.watch(ECR_KIND.repository, (change) => this.queue.add(repositoryKey(change.scope, change.id))));
    this.unsubscribers.push(
      this.store.watch(ECR_KIND.image, (change) => {
        const at = change.id.lastIndexOf('@');
        if (at > 0) this.queue.add(repositoryKey(change.scope, change.id.slice(0, at)));
      }),
    );
    this.queue.start();
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    await this.queue.stop();
  }

  private async resyncKeys(): Promise<string[]> {
    await this.sweepUploads();
    return (await this.store.listAll<RepositoryRecord>(ECR_KIND.repository)).filter((record) => record.doc.lifecyclePolicyText !== undefined).map((record) => repositoryKey(record.scope, record.id));
  }

  /** Upload records whose bytes the BlobStore swept (abandoned uploads) go too. */
  private async sweepUploads(): Promise<void> {
    const blobs = this.options.blobs;
    if (!blobs) return;
    for (const upload of await this.store.listAll<UploadRecord>(ECR_KIND.upload)) {
      if ((await blobs.uploadSize(upload.doc.blobUploadId)) !== undefined) continue;
      try {
        await this.store.write([{ op: 'delete', kind: ECR_KIND.upload, scope: upload.scope, id: upload.id, expect: upload.version }]);
      } catch (error) {
        if (!(error instanceof StaleWriteError)) throw error;
      }
    }
  }

  /** One repository: evaluate its policy now and delete what it expires. Exposed for tests. */
  async reconcile(key: string): Promise<ReconcileResult> {
    const { scope, name } = parseKey(key);
    const repository = await this.store.get<RepositoryRecord>(ECR_KIND.repository, scope, name);
    const text = repository?.doc.lifecyclePolicyText;
    if (!repository || text === undefined) return done;
    let policy;
    try {
      policy = parseLifecyclePolicy(text);
    } catch (error) {
      // PutLifecyclePolicy checked it; a policy stored by an older Wharf that this one refuses is left alone.
      this.logger.warn({ err: error, repository: repository.doc.repositoryArn }, 'stored lifecycle policy does not parse; not applied');
      return done;
    }
    const images = await this.store.list<ImageRecord>(ECR_KIND.image, scope, { prefix: `${name}@` });
    const now = this.clock.now().getTime();
    const outcome = evaluateLifecycle(policy, images.map((image) => lifecycleImageOf(image.doc)), now);

    if (outcome.expired.length > 0) {
      const byDigest = new Map(images.map((image) => [image.doc.imageDigest, image]));
      const ops: WriteOp[] = outcome.expired.map(({ imageDigest }) => {
        const image = byDigest.get(imageDigest)!;
        return { op: 'delete', kind: ECR_KIND.image, scope, id: image.id, expect: image.version };
      });
      ops.push({ op: 'put', kind: ECR_KIND.repository, scope, id: repository.id, doc: { ...repository.doc, lifecyclePolicyLastEvaluatedAt: now }, expect: repository.version });
      try {
        await this.store.write(ops);
      } catch (error) {
        // A push, retag or policy change since the read: judge the new state.
        if (error instanceof StaleWriteError) return againAfter(0);
        throw error;
      }
      this.logger.info(
        { repository: repository.doc.repositoryArn, expired: outcome.expired.map((item) => ({ digest: item.imageDigest, rulePriority: item.rulePriority })) },
        'lifecycle policy expired images',
      );
    }
    const resync = this.options.resyncMs ?? 5 * 60_000;
    return outcome.recheckAt !== undefined && outcome.recheckAt - now < resync ? againAfter(Math.max(1, outcome.recheckAt - now)) : done;
  }
}
