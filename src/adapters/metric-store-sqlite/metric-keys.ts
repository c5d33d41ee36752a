import type { MetricDimension } from '../../ports/metric-store.js';

/**
 * How a metric's identity is stored and listed, the same in every metric
 * store (SQLite, PostgreSQL): the canonical dimension text, ListMetrics'
 * dimension filters and its paging cursor.
 */

/** The exact dimension set as stored: sorted by name then value, so order never matters. */
export function canonicalDimensions(dimensions: readonly MetricDimension[]): string {
  const pairs = dimensions.map((d) => [d.name, d.value] as const);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return JSON.stringify(pairs);
}

export function parseDimensions(dims: string): MetricDimension[] {
  return (JSON.parse(dims) as [string, string][]).map(([name, value]) => ({ name, value }));
}

export function matchesFilters(dimensions: readonly MetricDimension[], filters: readonly { readonly name: string; readonly value?: string }[]): boolean {
  return filters.every((filter) => dimensions.some((d) => d.name === filter.name && (filter.value === undefined || d.value === filter.value)));
}

/** A listed metric's position (namespace, name, canonical dimensions) as an opaque cursor. */
export function encodeCursor(position: readonly [string, string, string]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeCursor(cursor: string): [string, string, string] | undefined {
  try {
    const position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(position) && position.length === 3 && position.every((part) => typeof part === 'string')) return position as [string, string, string];
  } catch {
    // An unreadable cursor starts from the beginning rather than failing a listing.
  }
  return undefined;
}
