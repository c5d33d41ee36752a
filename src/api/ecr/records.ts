import { repositoryNotFound } from '../../domain/ecr/errors.js';
import { ECR_KIND, type ImageRecord, type LayerRecord, type RepositoryRecord } from '../../domain/ecr/records.js';
import { checkRepositoryName } from '../../domain/ecr/repository.js';
import type { Scope, Store, StoredRecord } from '../../ports/store.js';
import type { RequestContext } from '../service.js';

/** Every ECR input names its registry (default: the caller's account) and most a repository. */
export interface RepositoryInput {
  readonly repositoryName: string;
  readonly registryId?: string;
}

export function registryOf(input: { registryId?: string }, ctx: RequestContext): string {
  return input.registryId ?? ctx.scope.account;
}

/**
 * The repository an operation acts on. Wharf serves one registry per
 * account: another account's registry id finds nothing, as it would without
 * cross-account permissions.
 */
export async function requireRepository(store: Store, ctx: RequestContext, input: RepositoryInput): Promise<StoredRecord<RepositoryRecord>> {
  checkRepositoryName(input.repositoryName);
  const registryId = registryOf(input, ctx);
  const record = registryId === ctx.scope.account ? await store.get<RepositoryRecord>(ECR_KIND.repository, ctx.scope, input.repositoryName) : undefined;
  if (!record) throw repositoryNotFound(input.repositoryName, registryId);
  return record;
}

/** The repository's images (ids `<repo>@<digest>` share the prefix). */
export function imagesOf(store: Store, scope: Scope, repositoryName: string): Promise<StoredRecord<ImageRecord>[]> {
  return store.list<ImageRecord>(ECR_KIND.image, scope, { prefix: `${repositoryName}@` });
}

export function layersOf(store: Store, scope: Scope, repositoryName: string): Promise<StoredRecord<LayerRecord>[]> {
  return store.list<LayerRecord>(ECR_KIND.layer, scope, { prefix: `${repositoryName}@` });
}
