import type { RuleConditionRecord } from './records.js';

/**
 * ALB listener rule conditions, compiled once per configuration change into
 * predicates the proxy runs on every request. ALB's case rules: paths and
 * methods are case-sensitive; host names, header values and query strings
 * are not. `*` matches zero or more characters, `?` exactly one (methods take
 * no wildcards). Values within a condition are ORed, conditions are ANDed.
 */

/** What a rule may look at in a request; `header` takes a lower-case name. */
export interface RequestFacts {
  readonly method: string;
  /** The path without the query string, as sent. */
  readonly path: string;
  /** The query string without '?', as sent ('' when none). */
  readonly query: string;
  /** The Host header without its port. */
  readonly host: string;
  readonly sourceIp: string;
  header(name: string): string | undefined;
}

export type RequestPredicate = (request: RequestFacts) => boolean;

/** Glob match with `*` and `?` (iterative, backtracking only to the last `*`: linear in practice). */
export function wildcardMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    const c = pattern.charCodeAt(p);
    if (p < pattern.length && c === 42 /* * */) {
      star = p++;
      mark = t;
    } else if (p < pattern.length && (c === 63 /* ? */ || c === text.charCodeAt(t))) {
      p++;
      t++;
    } else if (star !== -1) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 42) p++;
  return p === pattern.length;
}

function anyPattern(patterns: readonly string[], caseInsensitive: boolean): (text: string) => boolean {
  const compiled = patterns.map((pattern) => (caseInsensitive ? pattern.toLowerCase() : pattern));
  const literal = compiled.every((pattern) => !pattern.includes('*') && !pattern.includes('?'));
  if (literal) {
    const set = new Set(compiled);
    return caseInsensitive ? (text) => set.has(text.toLowerCase()) : (text) => set.has(text);
  }
  return (text) => {
    const subject = caseInsensitive ? text.toLowerCase() : text;
    for (const pattern of compiled) if (wildcardMatch(pattern, subject)) return true;
    return false;
  };
}

/** `a=1&b=x+y` -> pairs, decoded as browsers encode forms; a malformed escape stays as sent. */
export function queryPairs(query: string): { key: string; value: string }[] {
  if (query === '') return [];
  return query.split('&').map((part) => {
    const eq = part.indexOf('=');
    const key = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    return { key: decode(key), value: decode(value) };
  });
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

function valuesOf(condition: RuleConditionRecord, config: { readonly values: readonly string[] } | undefined): readonly string[] {
  return config?.values ?? condition.values ?? [];
}

/** An IPv4 CIDR (or address) as a predicate; IPv6 ones match nothing yet. */
function cidrPredicate(cidr: string): (ip: string) => boolean {
  const [address, bitsText] = cidr.split('/');
  const base = ipv4ToInt(address ?? '');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (base === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return () => false;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (ip) => {
    const value = ipv4ToInt(ip.startsWith('::ffff:') ? ip.slice(7) : ip);
    return value !== undefined && ((value & mask) >>> 0) === ((base & mask) >>> 0);
  };
}

function ipv4ToInt(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    const octet = Number(part);
    if (part === '' || !Number.isInteger(octet) || octet < 0 || octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function compileCondition(condition: RuleConditionRecord): RequestPredicate {
  switch (condition.field) {
    case 'path-pattern': {
      const match = anyPattern(valuesOf(condition, condition.pathPatternConfig), false);
      return (request) => match(request.path);
    }
    case 'host-header': {
      const match = anyPattern(valuesOf(condition, condition.hostHeaderConfig), true);
      return (request) => match(request.host);
    }
    case 'http-header': {
      const config = condition.httpHeaderConfig;
      if (!config) return () => false;
      const name = config.httpHeaderName.toLowerCase();
      const match = anyPattern(config.values, true);
      return (request) => {
        const value = request.header(name);
        return value !== undefined && match(value);
      };
    }
    case 'http-request-method': {
      const methods = new Set(valuesOf(condition, condition.httpRequestMethodConfig));
      return (request) => methods.has(request.method);
    }
    case 'query-string': {
      const wanted = (condition.queryStringConfig?.values ?? []).map(({ key, value }) => ({
        key: key === undefined ? undefined : anyPattern([key], true),
        value: anyPattern([value], true),
      }));
      return (request) => {
        const pairs = queryPairs(request.query);
        return wanted.some(({ key, value }) => pairs.some((pair) => (key === undefined || key(pair.key)) && value(pair.value)));
      };
    }
    case 'source-ip': {
      const ranges = valuesOf(condition, condition.sourceIpConfig).map(cidrPredicate);
      return (request) => ranges.some((inRange) => inRange(request.sourceIp));
    }
    default:
      // A field this data plane does not know matches nothing rather than everything.
      return () => false;
  }
}

/** All conditions (AND); a rule without conditions matches every request. */
export function compileConditions(conditions: readonly RuleConditionRecord[]): RequestPredicate {
  const predicates = conditions.map(compileCondition);
  if (predicates.length === 0) return () => true;
  if (predicates.length === 1) return predicates[0]!;
  return (request) => {
    for (const predicate of predicates) if (!predicate(request)) return false;
    return true;
  };
}
