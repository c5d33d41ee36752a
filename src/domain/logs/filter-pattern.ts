import { logsInvalidParameter } from './errors.js';

/**
 * CloudWatch Logs' filter pattern language for unstructured and JSON events:
 *
 * - terms: `ERROR timeout` (every term appears, case-sensitive);
 * - quoted phrases: `"connection refused"`;
 * - alternatives: `?ERROR ?WARN` (at least one of them appears);
 * - exclusions: `ERROR -healthcheck` (the term must not appear);
 * - JSON: `{ $.level = "error" }`, `{ $.latency > 500 }`, `{ $.user.id = 4* }`,
 *   `{ $.a = 1 && ($.b != "x" || $.c IS TRUE) }`, `{ $.x NOT EXISTS }`,
 *   `{ $.y IS NULL }`; `*` is a wildcard in string values.
 *
 * parseFilterPattern throws InvalidParameterException "Invalid filter pattern";
 * the result is a predicate over one message.
 */
export type FilterPattern =
  | { readonly kind: 'all' }
  | { readonly kind: 'terms'; readonly required: readonly string[]; readonly any: readonly string[]; readonly excluded: readonly string[] }
  | { readonly kind: 'json'; readonly expr: JsonExpr };

export type JsonOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type JsonValue = { readonly type: 'number'; readonly value: number } | { readonly type: 'string'; readonly value: string } | { readonly type: 'literal'; readonly value: 'true' | 'false' | 'null' };

export type JsonExpr =
  | { readonly kind: 'and' | 'or'; readonly left: JsonExpr; readonly right: JsonExpr }
  | { readonly kind: 'compare'; readonly path: readonly (string | number)[]; readonly op: JsonOp; readonly value: JsonValue }
  | { readonly kind: 'is'; readonly path: readonly (string | number)[]; readonly value: 'true' | 'false' | 'null' }
  | { readonly kind: 'exists'; readonly path: readonly (string | number)[]; readonly negated: boolean };

const invalid = () => logsInvalidParameter('Invalid filter pattern');

export function parseFilterPattern(text: string | undefined): FilterPattern {
  const source = (text ?? '').trim();
  if (source === '' || source === '""') return { kind: 'all' };
  if (source.startsWith('{')) return { kind: 'json', expr: parseJsonPattern(source) };
  if (source.startsWith('[')) throw logsInvalidParameter('Invalid filter pattern: space-delimited [...] patterns are not supported by Wharf');
  return parseTerms(source);
}

function parseTerms(source: string): FilterPattern {
  const required: string[] = [];
  const any: string[] = [];
  const excluded: string[] = [];
  let i = 0;
  while (i < source.length) {
    while (i < source.length && /\s/.test(source[i]!)) i++;
    if (i >= source.length) break;
    let bucket = required;
    if (source[i] === '?') {
      bucket = any;
      i++;
    } else if (source[i] === '-' && i + 1 < source.length && !/\s/.test(source[i + 1]!)) {
      bucket = excluded;
      i++;
    }
    let term = '';
    if (source[i] === '"') {
      i++;
      while (i < source.length && source[i] !== '"') {
        if (source[i] === '\\' && i + 1 < source.length) i++;
        term += source[i];
        i++;
      }
      if (source[i] !== '"') throw invalid();
      i++;
    } else {
      while (i < source.length && !/\s/.test(source[i]!)) term += source[i++];
    }
    if (term === '') throw invalid();
    bucket.push(term);
  }
  return { kind: 'terms', required, any, excluded };
}

// --- JSON patterns: a small recursive-descent parser ---

type Token = { t: 'sel'; path: (string | number)[] } | { t: 'op'; v: JsonOp } | { t: 'and' | 'or' | '(' | ')' } | { t: 'word'; v: string } | { t: 'str'; v: string };

function tokenize(body: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (body.startsWith('&&', i)) {
      tokens.push({ t: 'and' });
      i += 2;
    } else if (body.startsWith('||', i)) {
      tokens.push({ t: 'or' });
      i += 2;
    } else if (c === '(' || c === ')') {
      tokens.push({ t: c });
      i++;
    } else if (/[=!<>]/.test(c)) {
      const two = body.slice(i, i + 2);
      if (two === '!=' || two === '<=' || two === '>=') {
        tokens.push({ t: 'op', v: two });
        i += 2;
      } else if (c === '=' || c === '<' || c === '>') {
        tokens.push({ t: 'op', v: c });
        i++;
      } else throw invalid();
    } else if (c === '"') {
      let value = '';
      i++;
      while (i < body.length && body[i] !== '"') {
        if (body[i] === '\\' && i + 1 < body.length) i++;
        value += body[i++];
      }
      if (body[i] !== '"') throw invalid();
      i++;
      tokens.push({ t: 'str', v: value });
    } else if (c === '$') {
      let j = i + 1;
      const path: (string | number)[] = [];
      while (j < body.length) {
        if (body[j] === '.') {
          let name = '';
          j++;
          while (j < body.length && /[A-Za-z0-9_\-@$]/.test(body[j]!)) name += body[j++];
          if (!name) throw invalid();
          path.push(name);
        } else if (body[j] === '[') {
          const close = body.indexOf(']', j);
          if (close < 0) throw invalid();
          const index = body.slice(j + 1, close).trim();
          if (!/^\d+$/.test(index)) throw invalid();
          path.push(Number(index));
          j = close + 1;
        } else break;
      }
      if (path.length === 0) throw invalid();
      tokens.push({ t: 'sel', path });
      i = j;
    } else {
      let word = '';
      while (i < body.length && !/[\s()=!<>&|"]/.test(body[i]!)) word += body[i++];
      if (!word) throw invalid();
      tokens.push({ t: 'word', v: word });
    }
  }
  return tokens;
}

function parseJsonPattern(source: string): JsonExpr {
  if (!source.endsWith('}')) throw invalid();
  const tokens = tokenize(source.slice(1, -1));
  let pos = 0;
  const peek = () => tokens[pos];

  function orExpr(): JsonExpr {
    let left = andExpr();
    while (peek()?.t === 'or') {
      pos++;
      left = { kind: 'or', left, right: andExpr() };
    }
    return left;
  }
  function andExpr(): JsonExpr {
    let left = primary();
    while (peek()?.t === 'and') {
      pos++;
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  }
  function primary(): JsonExpr {
    const token = tokens[pos++];
    if (!token) throw invalid();
    if (token.t === '(') {
      const inner = orExpr();
      if (tokens[pos++]?.t !== ')') throw invalid();
      return inner;
    }
    if (token.t !== 'sel') throw invalid();
    const next = tokens[pos++];
    if (!next) throw invalid();
    if (next.t === 'word' && next.v.toUpperCase() === 'IS') {
      const what = tokens[pos++];
      const literal = what?.t === 'word' ? what.v.toLowerCase() : '';
      if (literal !== 'true' && literal !== 'false' && literal !== 'null') throw invalid();
      return { kind: 'is', path: token.path, value: literal };
    }
    if (next.t === 'word' && next.v.toUpperCase() === 'NOT') {
      const what = tokens[pos++];
      if (what?.t !== 'word' || what.v.toUpperCase() !== 'EXISTS') throw invalid();
      return { kind: 'exists', path: token.path, negated: true };
    }
    if (next.t === 'word' && next.v.toUpperCase() === 'EXISTS') return { kind: 'exists', path: token.path, negated: false };
    if (next.t !== 'op') throw invalid();
    const raw = tokens[pos++];
    let value: JsonValue;
    if (raw?.t === 'str') value = { type: 'string', value: raw.v };
    else if (raw?.t === 'word') {
      const lower = raw.v.toLowerCase();
      if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw.v)) value = { type: 'number', value: Number(raw.v) };
      else if (lower === 'true' || lower === 'false' || lower === 'null') value = { type: 'literal', value: lower };
      else value = { type: 'string', value: raw.v };
    } else throw invalid();
    if (next.v !== '=' && next.v !== '!=' && value.type !== 'number') throw invalid();
    return { kind: 'compare', path: token.path, op: next.v, value };
  }

  const expr = orExpr();
  if (pos !== tokens.length) throw invalid();
  return expr;
}

// --- matching ---

/** What `resolveJsonPath` answers for a path the document does not have. */
export const MISSING = Symbol('missing');

/** The value at a JSON selector's path (`$.a.b[0]`), or MISSING; own members only. */
export function resolveJsonPath(doc: unknown, path: readonly (string | number)[]): unknown {
  let at: unknown = doc;
  for (const step of path) {
    if (at === null || typeof at !== 'object') return MISSING;
    if (typeof step === 'number') {
      if (!Array.isArray(at) || step >= at.length) return MISSING;
      at = at[step];
    } else {
      if (Array.isArray(at) || !Object.prototype.hasOwnProperty.call(at, step)) return MISSING;
      at = (at as Record<string, unknown>)[step];
    }
  }
  return at;
}

function wildcard(pattern: string, text: string): boolean {
  if (!pattern.includes('*')) return pattern === text;
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, 's').test(text);
}

function equals(actual: unknown, value: JsonValue): boolean {
  if (value.type === 'number') return typeof actual === 'number' ? actual === value.value : typeof actual === 'string' && wildcard(String(value.value), actual);
  if (value.type === 'literal') return String(actual) === value.value && (actual === null || typeof actual === 'boolean');
  if (typeof actual === 'string') return wildcard(value.value, actual);
  if (typeof actual === 'number' || typeof actual === 'boolean') return wildcard(value.value, String(actual));
  return false;
}

function evaluate(expr: JsonExpr, doc: unknown): boolean {
  switch (expr.kind) {
    case 'and':
      return evaluate(expr.left, doc) && evaluate(expr.right, doc);
    case 'or':
      return evaluate(expr.left, doc) || evaluate(expr.right, doc);
    case 'exists':
      return (resolveJsonPath(doc, expr.path) !== MISSING) !== expr.negated;
    case 'is': {
      const actual = resolveJsonPath(doc, expr.path);
      return expr.value === 'null' ? actual === null : actual === (expr.value === 'true');
    }
    case 'compare': {
      const actual = resolveJsonPath(doc, expr.path);
      if (actual === MISSING) return false;
      switch (expr.op) {
        case '=':
          return equals(actual, expr.value);
        case '!=':
          return !equals(actual, expr.value);
        default: {
          if (typeof actual !== 'number' || expr.value.type !== 'number') return false;
          const v = expr.value.value;
          return expr.op === '<' ? actual < v : expr.op === '<=' ? actual <= v : expr.op === '>' ? actual > v : actual >= v;
        }
      }
    }
  }
}

export function matchesFilter(pattern: FilterPattern, message: string): boolean {
  switch (pattern.kind) {
    case 'all':
      return true;
    case 'terms':
      if (!pattern.required.every((term) => message.includes(term))) return false;
      if (pattern.excluded.some((term) => message.includes(term))) return false;
      return pattern.any.length === 0 || pattern.any.some((term) => message.includes(term));
    case 'json': {
      let doc: unknown;
      try {
        doc = JSON.parse(message);
      } catch {
        return false;
      }
      if (doc === null || typeof doc !== 'object') return false;
      return evaluate(pattern.expr, doc);
    }
  }
}
