import type { ImageRecord, LayerRecord, RepositoryRecord } from './records.js';
import { isTagImmutable } from './images.js';

export interface ReplicationInput {
  readonly repositoryName: string;
  /** `<account>/<region>` of the source registry, kept on every copy. */
  readonly source: string;
  readonly sourceImages: readonly ImageRecord[];
  /** The source repository's blob links (sizes come from them). */
  readonly sourceLayers: readonly LayerRecord[];
  /** The destination repository, when it exists (its tag mutability is honoured). */
  readonly destinationRepository?: Pick<RepositoryRecord, 'repositoryName' | 'registryId' | 'imageTagMutability' | 'imageTagMutabilityExclusionFilters'>;
  readonly destinationImages: readonly ImageRecord[];
  readonly destinationLayers: ReadonlySet<string>;
  readonly now: number;
}

export interface ReplicationPlan {
  /** Images to write in the destination: new copies, or existing ones whose tags changed. */
  readonly images: ImageRecord[];
  /** Blob links the new copies need there. */
  readonly layers: LayerRecord[];
}

/**
 * What replication writes to one destination repository so it holds every
 * image of the source with the source's tags, as a push there would: a tag
 * moves onto the replicated image (unless immutable there). Nothing is
 * deleted (ECR does not replicate deletions), and copies that replication
 * made are not replicated again (it does not chain).
 */
export function planReplication(input: ReplicationInput): ReplicationPlan {
  const originals = input.sourceImages.filter((image) => image.replicatedFrom === undefined);
  const state = new Map(input.destinationImages.map((image) => [image.imageDigest, { ...image, imageTags: [...image.imageTags] }]));
  const created = new Set<string>();
  for (const source of originals) {
    if (!state.has(source.imageDigest)) {
      const { lastRecordedPullTime: _pull, imageScanStatus: _scan, ...rest } = source;
      state.set(source.imageDigest, { ...rest, imageTags: [], imagePushedAt: input.now, replicatedFrom: input.source });
      created.add(source.imageDigest);
    }
    const target = state.get(source.imageDigest)!;
    for (const tag of source.imageTags) {
      if (target.imageTags.includes(tag)) continue;
      const holder = [...state.values()].find((image) => image.imageTags.includes(tag));
      if (holder && input.destinationRepository && isTagImmutable(input.destinationRepository, tag)) continue;
      if (holder) holder.imageTags = holder.imageTags.filter((t) => t !== tag);
      target.imageTags.push(tag);
    }
  }
  const before = new Map(input.destinationImages.map((image) => [image.imageDigest, image.imageTags.join('\n')]));
  const images = [...state.values()].filter((image) => created.has(image.imageDigest) || before.get(image.imageDigest) !== image.imageTags.join('\n'));
  const sizes = new Map(input.sourceLayers.map((layer) => [layer.layerDigest, layer.layerSize]));
  const layers: LayerRecord[] = [];
  const linked = new Set(input.destinationLayers);
  for (const digest of created) {
    const image = state.get(digest)!;
    // An index references child manifests (images, copied above), not blobs.
    for (const blob of image.references) {
      if (linked.has(blob) || !sizes.has(blob)) continue;
      linked.add(blob);
      layers.push({ repositoryName: input.repositoryName, layerDigest: blob, layerSize: sizes.get(blob)!, linkedAt: input.now });
    }
  }
  return { images, layers };
}
