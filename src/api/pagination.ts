import { AwsError } from '../domain/errors.js';

/**
 * Opaque page tokens: the id of the last item returned, so a page survives
 * inserts and deletes between calls.
 */
export function encodePageToken(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId }), 'utf8').toString('base64url');
}

export function decodePageToken(token: string | undefined, errorCode = 'InvalidParameterException'): string | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through to the AWS answer for a token it did not issue
  }
  throw new AwsError(errorCode, 'Invalid nextToken: the token was not issued by this service or has been altered.');
}

export function checkMaxResults(maxResults: number | undefined, limit: number, fallback: number): number {
  if (maxResults === undefined) return fallback;
  if (maxResults < 1 || maxResults > limit) {
    throw new AwsError('InvalidParameterException', `maxResults must be between 1 and ${limit}.`);
  }
  return maxResults;
}

/**
 * One page of items with unique ids, in id order, and the token for the next.
 * The token is the last id shown, so the items must be in id order for the
 * next page to start where this one ended: a caller's list out of that order
 * (a store's other collation, a newest-first array keyed by position) would
 * skip or repeat items, so it is put in order here, once for every caller.
 */
export function page<T>(unordered: readonly T[], idOf: (item: T) => string, after: string | undefined, limit: number): { items: T[]; nextToken?: string } {
  const items = inIdOrder(unordered, idOf);
  const start = after === undefined ? 0 : items.findIndex((item) => idOf(item) > after);
  const slice = start < 0 ? [] : items.slice(start, start + limit);
  const more = start >= 0 && start + limit < items.length;
  return { items: slice, ...(more ? { nextToken: encodePageToken(idOf(slice[slice.length - 1]!)) } : {}) };
}

function inIdOrder<T>(items: readonly T[], idOf: (item: T) => string): readonly T[] {
  for (let i = 1; i < items.length; i++) {
    if (idOf(items[i - 1]!) >= idOf(items[i]!)) return [...items].sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0));
  }
  return items;
}
