import { AwsError } from '../../domain/errors.js';
import { decodePageToken, page } from '../pagination.js';

/** IAM's Marker/MaxItems/IsTruncated paging over an already sorted list (100 items by default). */
export function markerPage<T>(items: readonly T[], idOf: (item: T) => string, marker: string | undefined, maxItems: number | undefined): { items: T[]; IsTruncated: boolean; Marker?: string } {
  let after: string | undefined;
  try {
    after = decodePageToken(marker, 'ValidationError');
  } catch {
    throw new AwsError('ValidationError', 'Invalid Marker.'); // unverified wording
  }
  const { items: slice, nextToken } = page(items, idOf, after, maxItems ?? 100);
  return { items: slice, IsTruncated: nextToken !== undefined, ...(nextToken !== undefined ? { Marker: nextToken } : {}) };
}
