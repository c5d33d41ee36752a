import { isIndexImage } from './images.js';
import type { LifecyclePolicy, LifecycleRule } from './lifecycle-policy.js';
import type { ImageRecord } from './records.js';
import { matchesWildcard } from './wildcard.js';

/**
 * Applies a lifecycle policy the way ECR's evaluator does (Amazon ECR User
 * Guide, "Lifecycle policy evaluation rules"):
 * - every rule looks at all images, and rules apply in rulePriority order;
 * - an image is expired by exactly one or zero rules;
 * - an image that matches the tag selection of a rule cannot be expired by a
 *   rule of lower priority, and rules never mark images marked by higher
 *   priority rules, but still count them as if they had not been expired;
 * - expiry goes oldest first by push time: `imageCountMoreThan N` sorts the
 *   matched images youngest first and expires all past the N-th;
 *   `sinceImagePushed N days` expires those pushed more than N days ago;
 * - `tagPrefixList` / `tagPatternList` select an image when every prefix /
 *   pattern matches one of its tags.
 * Wharf also keeps the child manifests a surviving index references, so an
 * "expire untagged" rule never breaks a multi-architecture image.
 */

export interface LifecycleImage {
  readonly imageDigest: string;
  readonly imageTags: readonly string[];
  /** Epoch ms. */
  readonly imagePushedAt: number;
  /** Child manifests, when the image is an index. */
  readonly childDigests?: readonly string[];
}

export interface LifecycleOutcome {
  /** Expired images, oldest first, with the rule that expired each. */
  readonly expired: readonly { imageDigest: string; rulePriority: number }[];
  /** The next moment an age rule would expire something more (epoch ms), if any. */
  readonly recheckAt?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function selects(rule: LifecycleRule, image: LifecycleImage): boolean {
  const { tagStatus, tagPrefixList, tagPatternList } = rule.selection;
  if (tagStatus === 'any') return true;
  if (tagStatus === 'untagged') return image.imageTags.length === 0;
  if (image.imageTags.length === 0) return false;
  if (tagPrefixList) return tagPrefixList.every((prefix) => image.imageTags.some((tag) => tag.startsWith(prefix)));
  if (tagPatternList) return tagPatternList.every((pattern) => image.imageTags.some((tag) => matchesWildcard(pattern, tag)));
  return false;
}

function youngestFirst(a: LifecycleImage, b: LifecycleImage): number {
  return b.imagePushedAt - a.imagePushedAt || (a.imageDigest < b.imageDigest ? -1 : a.imageDigest > b.imageDigest ? 1 : 0);
}

export function evaluateLifecycle(policy: LifecyclePolicy, images: readonly LifecycleImage[], now: number): LifecycleOutcome {
  const rules = [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority);
  const claimed = new Set<string>();
  const expired = new Map<string, number>();
  let recheckAt: number | undefined;

  for (const rule of rules) {
    const matched = images.filter((image) => selects(rule, image)).sort(youngestFirst);
    const { countType, countNumber } = rule.selection;
    let candidates: LifecycleImage[];
    if (countType === 'imageCountMoreThan') {
      candidates = matched.slice(countNumber);
    } else {
      const maxAge = countNumber * DAY_MS;
      candidates = matched.filter((image) => now - image.imagePushedAt > maxAge);
      for (const image of matched) {
        const at = image.imagePushedAt + maxAge + 1;
        if (at > now && !claimed.has(image.imageDigest) && !expired.has(image.imageDigest)) recheckAt = Math.min(recheckAt ?? Infinity, at);
      }
    }
    for (const image of candidates) {
      if (!claimed.has(image.imageDigest) && !expired.has(image.imageDigest)) expired.set(image.imageDigest, rule.rulePriority);
    }
    for (const image of matched) claimed.add(image.imageDigest);
  }

  // Children of an index that stays are kept (and so, transitively, nothing it needs goes).
  const kept = new Set(images.filter((image) => !expired.has(image.imageDigest)).map((image) => image.imageDigest));
  for (const image of images) {
    if (!kept.has(image.imageDigest)) continue;
    for (const child of image.childDigests ?? []) expired.delete(child);
  }

  const pushedAt = new Map(images.map((image) => [image.imageDigest, image.imagePushedAt]));
  const list = [...expired.entries()]
    .map(([imageDigest, rulePriority]) => ({ imageDigest, rulePriority }))
    .sort((a, b) => pushedAt.get(a.imageDigest)! - pushedAt.get(b.imageDigest)! || (a.imageDigest < b.imageDigest ? -1 : 1));
  return { expired: list, ...(recheckAt !== undefined ? { recheckAt } : {}) };
}

/** What the evaluator needs of a stored image. */
export function lifecycleImageOf(image: ImageRecord): LifecycleImage {
  return { imageDigest: image.imageDigest, imageTags: image.imageTags, imagePushedAt: image.imagePushedAt, ...(isIndexImage(image) ? { childDigests: image.references } : {}) };
}
