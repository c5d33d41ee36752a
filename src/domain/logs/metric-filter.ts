import { logsInvalidParameter } from './errors.js';
import { matchesFilter, MISSING, parseFilterPattern, resolveJsonPath, type FilterPattern, type JsonExpr } from './filter-pattern.js';

/**
 * Metric filters: which events a filter matches (the filter pattern rules of
 * filter-pattern.ts) and what each matching event adds to a CloudWatch
 * metric. A filter is checked once when it is put, compiled once per log
 * group and then applied to every batch that group ingests.
 *
 * - metricValue: a number ("1"), or a JSON selector (`$.latency`) read from
 *   the event (events where it is not a number add nothing);
 * - dimensions: up to 3, each a JSON selector (events without it add nothing);
 *   not with a defaultValue, and only for JSON patterns, as AWS rules;
 * - defaultValue: emitted for each minute of ingested events in which no event
 *   matched, so a count falls to 0 instead of having no data.
 */
export interface MetricTransformationSpec {
  readonly metricName: string;
  readonly metricNamespace: string;
  readonly metricValue: string;
  readonly defaultValue?: number;
  readonly dimensions?: Readonly<Record<string, string>>;
  readonly unit?: string;
}

export interface MetricFilterSpec {
  readonly filterName: string;
  readonly filterPattern: string;
  readonly metricTransformations: readonly MetricTransformationSpec[];
}

/** What one batch adds to one metric: the shape of the metric store's points. */
export interface MetricFilterDatum {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly { readonly name: string; readonly value: string }[];
  readonly timestamp: number;
  readonly unit: string;
  readonly values: readonly { readonly value: number; readonly count: number }[];
}

type Path = readonly (string | number)[];
type Source = { readonly kind: 'literal'; readonly value: number } | { readonly kind: 'json'; readonly path: Path };

export interface CompiledMetricFilter {
  readonly name: string;
  readonly pattern: FilterPattern;
  readonly transformation: MetricTransformationSpec;
  readonly value: Source;
  readonly dimensions: readonly { readonly name: string; readonly path: Path }[];
}

const MAX_DIMENSIONS = 3;
const MINUTE = 60_000;

/** `$.a.b[0]` as a path, or undefined. */
export function parseJsonSelector(text: string): Path | undefined {
  if (!/^\$(\.[A-Za-z0-9_\-@$]+|\[\d+\])+$/.test(text)) return undefined;
  const path: (string | number)[] = [];
  for (const match of text.slice(1).matchAll(/\.([A-Za-z0-9_\-@$]+)|\[(\d+)\]/g)) path.push(match[1] !== undefined ? match[1] : Number(match[2]));
  return path;
}

function valueSource(text: string): Source {
  const trimmed = text.trim();
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(trimmed)) return { kind: 'literal', value: Number(trimmed) };
  const path = parseJsonSelector(trimmed);
  if (path) return { kind: 'json', path };
  if (/^\$[A-Za-z0-9_]+$/.test(trimmed)) {
    throw logsInvalidParameter(`Invalid metric value: ${trimmed} names a field of a space-delimited pattern, which Wharf does not support; use a JSON selector ($.field) or a number`);
  }
  throw logsInvalidParameter(`Invalid metric value: ${trimmed}`); // unverified wording
}

/** Checks a filter as PutMetricFilter does and compiles it; throws InvalidParameterException. */
export function compileMetricFilter(spec: MetricFilterSpec): CompiledMetricFilter {
  const pattern = parseFilterPattern(spec.filterPattern);
  const transformation = spec.metricTransformations[0];
  if (!transformation || spec.metricTransformations.length !== 1) throw logsInvalidParameter('A metric filter has exactly one metric transformation.');
  const dimensionEntries = Object.entries(transformation.dimensions ?? {});
  if (dimensionEntries.length > 0 && transformation.defaultValue !== undefined) {
    throw logsInvalidParameter('Invalid metric transformation: dimensions and default value are mutually exclusive properties');
  }
  if (dimensionEntries.length > 0 && pattern.kind !== 'json') throw logsInvalidParameter('The specified filter pattern does not support dimensions');
  if (dimensionEntries.length > MAX_DIMENSIONS) throw logsInvalidParameter(`A metric transformation can have at most ${MAX_DIMENSIONS} dimensions.`); // unverified wording
  const dimensions = dimensionEntries.map(([name, selector]) => {
    const path = parseJsonSelector(selector.trim());
    if (!path) throw logsInvalidParameter(`Invalid dimension value for ${name}: ${selector}; a dimension's value is a field of the event ($.field)`); // unverified wording
    return { name, path };
  });
  const value = valueSource(transformation.metricValue);
  return { name: spec.filterName, pattern, transformation, value, dimensions };
}


function parseJson(message: string): unknown {
  try {
    return JSON.parse(message);
  } catch {
    return undefined;
  }
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function asDimensionValue(value: unknown): string | undefined {
  if (value === MISSING || value === null || typeof value === 'object') return undefined;
  return String(value);
}

/** What a batch of events adds to the metrics of these filters (empty when nothing matched and no default applies). */
export function metricDataFor(filters: readonly CompiledMetricFilter[], events: readonly { readonly timestamp: number; readonly message: string }[]): MetricFilterDatum[] {
  const out = new Map<string, { datum: Omit<MetricFilterDatum, 'values'>; values: Map<number, number> }>();
  const add = (filter: CompiledMetricFilter, dimensions: { name: string; value: string }[], timestamp: number, value: number) => {
    const t = filter.transformation;
    const second = Math.floor(timestamp / 1000) * 1000;
    const key = JSON.stringify([t.metricNamespace, t.metricName, dimensions, t.unit ?? 'None', second]);
    let entry = out.get(key);
    if (!entry) {
      entry = { datum: { namespace: t.metricNamespace, metricName: t.metricName, dimensions, timestamp: second, unit: t.unit ?? 'None' }, values: new Map() };
      out.set(key, entry);
    }
    entry.values.set(value, (entry.values.get(value) ?? 0) + 1);
  };
  for (const filter of filters) {
    const needsDoc = filter.value.kind === 'json' || filter.dimensions.length > 0;
    const minutes = new Map<number, boolean>();
    for (const event of events) {
      const minute = Math.floor(event.timestamp / MINUTE) * MINUTE;
      const matched = matchesFilter(filter.pattern, event.message);
      if (!minutes.get(minute)) minutes.set(minute, matched);
      if (!matched) continue;
      const doc = needsDoc ? parseJson(event.message) : undefined;
      const value = filter.value.kind === 'literal' ? filter.value.value : asNumber(resolveJsonPath(doc, filter.value.path));
      if (value === undefined) continue;
      const dimensions: { name: string; value: string }[] = [];
      for (const dimension of filter.dimensions) {
        const dimensionValue = asDimensionValue(resolveJsonPath(doc, dimension.path));
        if (dimensionValue === undefined) break;
        dimensions.push({ name: dimension.name, value: dimensionValue });
      }
      if (dimensions.length !== filter.dimensions.length) continue;
      add(filter, dimensions, event.timestamp, value);
    }
    const fallback = filter.transformation.defaultValue;
    if (fallback !== undefined) for (const [minute, matched] of minutes) if (!matched) add(filter, [], minute, fallback);
  }
  return [...out.values()].map(({ datum, values }) => ({ ...datum, values: [...values].map(([value, count]) => ({ value, count })) }));
}

function selectorsOf(pattern: FilterPattern): string[] {
  if (pattern.kind !== 'json') return [];
  const found: string[] = [];
  const walk = (expr: JsonExpr): void => {
    if (!('path' in expr)) {
      walk(expr.left);
      walk(expr.right);
      return;
    }
    found.push('$' + expr.path.map((step) => (typeof step === 'number' ? `[${step}]` : `.${step}`)).join(''));
  };
  walk(pattern.expr);
  return [...new Set(found)];
}

/** TestMetricFilter: the messages the pattern matches (numbered from 1), with the values of the fields the pattern reads. */
export function testMetricFilter(filterPattern: string, messages: readonly string[]) {
  const pattern = parseFilterPattern(filterPattern);
  const selectors = selectorsOf(pattern);
  const matches: { eventNumber: number; eventMessage: string; extractedValues: Record<string, string> }[] = [];
  messages.forEach((message, index) => {
    if (!matchesFilter(pattern, message)) return;
    const extractedValues: Record<string, string> = {};
    if (selectors.length > 0) {
      const doc = parseJson(message);
      for (const selector of selectors) {
        const value = resolveJsonPath(doc, parseJsonSelector(selector) ?? []);
        if (value !== MISSING) extractedValues[selector] = typeof value === 'string' ? value : JSON.stringify(value);
      }
    }
    matches.push({ eventNumber: index + 1, eventMessage: message, extractedValues });
  });
  return matches;
}
