import { decodePageToken, page } from '../pagination.js';

/** ELB's Marker/PageSize paging (PageSize 1-400 is checked by the model; 400 when absent). */
export function markerPage<T>(items: readonly T[], idOf: (item: T) => string, input: { Marker?: string; PageSize?: number }): { items: T[]; NextMarker?: string } {
  const result = page(items, idOf, decodePageToken(input.Marker, 'ValidationError'), input.PageSize ?? 400);
  return { items: result.items, ...(result.nextToken ? { NextMarker: result.nextToken } : {}) };
}
