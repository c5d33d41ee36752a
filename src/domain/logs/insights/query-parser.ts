import { AwsError } from '../../errors.js';
import type { Command, Expr, Named, Query, SortKey } from './query-ast.js';

/**
 * A parser for the Logs Insights query language, for the commands ECS users
 * type: fields, display, filter, stats, sort, limit and parse, with the
 * expression language they use (comparisons, like, =~, regex, in, and/or/not,
 * arithmetic and a few functions). Anything else is refused with a
 * MalformedQueryException that names what is not supported, with the place
 * in the query (queryCompileError), as AWS reports compile errors.
 */
export const SUPPORTED_COMMANDS = ['fields', 'display', 'filter', 'stats', 'sort', 'limit', 'parse'] as const;
/** Other commands of the language, refused by name. */
const KNOWN_UNSUPPORTED = ['dedup', 'unmask', 'pattern', 'diff', 'unnest', 'filterIndex', 'source', 'SOURCE', 'lookup', 'anomaly'];
export const AGGREGATES = ['count', 'sum', 'avg', 'min', 'max'] as const;
export const SCALAR_FUNCTIONS = ['bin', 'ispresent', 'isempty', 'isblank', 'strlen', 'tolower', 'toupper', 'trim', 'ltrim', 'rtrim', 'concat', 'strcontains', 'substr', 'replace', 'abs', 'ceil', 'floor', 'greatest', 'least', 'coalesce'] as const;
/** The most rows `limit` may ask for, as StartQuery's limit in the model (the default is 10,000). */
export const MAX_LIMIT = 100_000;

export function malformedQuery(message: string, start = 0, end = start): AwsError {
  return new AwsError('MalformedQueryException', message, { extra: { queryCompileError: { location: { startCharOffset: start, endCharOffset: end }, message } } });
}

type TokenKind = 'ident' | 'num' | 'duration' | 'str' | 'regex' | 'op' | 'pipe' | 'eof';
interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly value?: string | number;
  readonly start: number;
  readonly end: number;
}

const DURATIONS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000, hr: 3_600_000, d: 86_400_000, w: 604_800_000, mo: 2_592_000_000, q: 7_776_000_000, y: 31_536_000_000 };
const KEYWORDS = new Set(['like', 'and', 'or', 'not', 'in', 'by', 'as', ...SUPPORTED_COMMANDS]);
const OPERATORS = ['==', '!=', '<=', '>=', '=~', '<', '>', '=', '(', ')', '[', ']', ',', '+', '-', '*', '/', '%', '!'];

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  // A '/' after an operand divides; anywhere else (after `like`, `=~`, `parse <field>`) it opens a regex.
  const operandEnded = () => {
    const last = tokens[tokens.length - 1];
    if (last?.kind === 'ident' && (KEYWORDS.has(last.text.toLowerCase()) || tokens[tokens.length - 2]?.text.toLowerCase() === 'parse')) return false;
    return last !== undefined && (last.kind === 'ident' || last.kind === 'num' || last.kind === 'str' || last.kind === 'duration' || last.kind === 'regex' || last.text === ')' || last.text === ']');
  };
  while (i < query.length) {
    const c = query[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < query.length && query[i] !== '\n') i++;
      continue;
    }
    const start = i;
    if (c === '|') {
      tokens.push({ kind: 'pipe', text: '|', start, end: ++i });
    } else if (c === '"' || c === "'") {
      let value = '';
      i++;
      while (i < query.length && query[i] !== c) {
        if (query[i] === '\\' && i + 1 < query.length) {
          const next = query[i + 1]!;
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          i += 2;
        } else value += query[i++];
      }
      if (i >= query.length) throw malformedQuery(`Unterminated string starting at position ${start}`, start, query.length);
      i++;
      tokens.push({ kind: 'str', text: query.slice(start, i), value, start, end: i });
    } else if (c === '`') {
      const close = query.indexOf('`', i + 1);
      if (close < 0) throw malformedQuery(`Unterminated quoted field name starting at position ${start}`, start, query.length);
      i = close + 1;
      tokens.push({ kind: 'ident', text: query.slice(start, i), value: query.slice(start + 1, close), start, end: i });
    } else if (c === '/' && !operandEnded()) {
      let j = i + 1;
      let source = '';
      while (j < query.length && query[j] !== '/') {
        if (query[j] === '\\' && j + 1 < query.length) {
          source += query[j]! + query[j + 1]!;
          j += 2;
        } else source += query[j++];
      }
      if (j >= query.length) throw malformedQuery(`Unterminated regular expression starting at position ${start}`, start, query.length);
      i = j + 1;
      tokens.push({ kind: 'regex', text: query.slice(start, i), value: source, start, end: i });
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(query[i + 1] ?? ''))) {
      while (i < query.length && /[0-9.]/.test(query[i]!)) i++;
      if (/[eE]/.test(query[i] ?? '') && /[-+0-9]/.test(query[i + 1] ?? '')) {
        i += 2;
        while (i < query.length && /[0-9]/.test(query[i]!)) i++;
      }
      const number = Number(query.slice(start, i));
      let unit = '';
      let j = i;
      while (j < query.length && /[a-z]/.test(query[j]!)) unit += query[j++];
      if (unit !== '' && DURATIONS[unit] !== undefined) {
        i = j;
        tokens.push({ kind: 'duration', text: query.slice(start, i), value: number * DURATIONS[unit]!, start, end: i });
      } else {
        if (!Number.isFinite(number)) throw malformedQuery(`Invalid number ${query.slice(start, i)}`, start, i);
        tokens.push({ kind: 'num', text: query.slice(start, i), value: number, start, end: i });
      }
    } else if (/[A-Za-z_@$]/.test(c)) {
      while (i < query.length && /[A-Za-z0-9_@$.\-]/.test(query[i]!)) {
        // A '-' belongs to a name only between name characters (`user-agent`), never before a space or digit-led operand.
        if (query[i] === '-' && !/[A-Za-z_]/.test(query[i + 1] ?? '')) break;
        i++;
      }
      const text = query.slice(start, i);
      tokens.push({ kind: 'ident', text, value: text, start, end: i });
    } else {
      const op = OPERATORS.find((candidate) => query.startsWith(candidate, i));
      if (!op) throw malformedQuery(`Unexpected character '${c}' at position ${i}`, i, i + 1);
      i += op.length;
      tokens.push({ kind: 'op', text: op, start, end: i });
    }
  }
  tokens.push({ kind: 'eof', text: '', start: query.length, end: query.length });
  return tokens;
}

/** JS has no inline (?i); Insights (Java-style) regexes put it first. */
export function compileRegex(source: string, start = 0, end = start): RegExp {
  let flags = '';
  let body = source;
  const inline = /^\(\?([imsx]+)\)/.exec(body);
  if (inline) {
    flags = [...new Set(inline[1]!.replace('x', ''))].join('');
    body = body.slice(inline[0].length);
  }
  try {
    return new RegExp(body, flags);
  } catch (error) {
    throw malformedQuery(`Invalid regular expression /${source}/: ${(error as Error).message}`, start, end);
  }
}

export function parseQuery(query: string): Query {
  const tokens = tokenize(query);
  let pos = 0;
  const peek = (offset = 0) => tokens[Math.min(pos + offset, tokens.length - 1)]!;
  const next = () => tokens[pos++]!;
  const isWord = (token: Token, word: string) => token.kind === 'ident' && token.text.toLowerCase() === word;
  const isOp = (token: Token, op: string) => token.kind === 'op' && token.text === op;
  const unexpected = (token: Token, wanted?: string): never => {
    const shown = token.kind === 'eof' ? 'the end of the query' : `'${token.text}'`;
    throw malformedQuery(`Unexpected ${shown} at position ${token.start}${wanted ? `; expected ${wanted}` : ''}`, token.start, token.end);
  };
  const expectOp = (op: string) => {
    const token = next();
    if (!isOp(token, op)) unexpected(token, `'${op}'`);
  };
  const textOf = (from: number, to: number) => query.slice(tokens[from]!.start, tokens[to - 1]!.end).trim();

  // --- expressions, lowest precedence first ---
  function orExpr(): Expr {
    let l = andExpr();
    while (isWord(peek(), 'or') || isOp(peek(), '||')) {
      next();
      l = { k: 'or', l, r: andExpr() };
    }
    return l;
  }
  function andExpr(): Expr {
    let l = notExpr();
    while (isWord(peek(), 'and') || isOp(peek(), '&&')) {
      next();
      l = { k: 'and', l, r: notExpr() };
    }
    return l;
  }
  function notExpr(): Expr {
    if (isWord(peek(), 'not') || isOp(peek(), '!')) {
      next();
      return { k: 'not', e: notExpr() };
    }
    return comparison();
  }
  function comparison(): Expr {
    const l = additive();
    const token = peek();
    if (token.kind === 'op' && ['=', '==', '!=', '<', '<=', '>', '>='].includes(token.text)) {
      next();
      const op = token.text === '==' ? '=' : (token.text as '=' | '!=' | '<' | '<=' | '>' | '>=');
      return { k: 'cmp', op, l, r: additive() };
    }
    if (isOp(token, '=~')) {
      next();
      return { k: 'like', l, r: additive(), negated: false };
    }
    let negated = false;
    if (isWord(token, 'not') && (isWord(peek(1), 'like') || isWord(peek(1), 'in'))) {
      next();
      negated = true;
    }
    if (isWord(peek(), 'like')) {
      next();
      return { k: 'like', l, r: additive(), negated };
    }
    if (isWord(peek(), 'in')) {
      next();
      const r = additive();
      if (r.k !== 'list') unexpected(tokens[pos - 1]!, 'a list such as [1, 2]');
      return { k: 'in', l, r, negated };
    }
    return l;
  }
  function additive(): Expr {
    let l = multiplicative();
    while (isOp(peek(), '+') || isOp(peek(), '-')) {
      const op = next().text as '+' | '-';
      l = { k: 'arith', op, l, r: multiplicative() };
    }
    return l;
  }
  function multiplicative(): Expr {
    let l = unary();
    while (isOp(peek(), '*') || isOp(peek(), '/') || isOp(peek(), '%')) {
      const op = next().text as '*' | '/' | '%';
      l = { k: 'arith', op, l, r: unary() };
    }
    return l;
  }
  function unary(): Expr {
    if (isOp(peek(), '-')) {
      next();
      return { k: 'neg', e: unary() };
    }
    return primary();
  }
  function primary(): Expr {
    const token = next();
    switch (token.kind) {
      case 'num':
        return { k: 'num', v: token.value as number };
      case 'duration':
        return { k: 'duration', ms: token.value as number };
      case 'str':
        return { k: 'str', v: token.value as string };
      case 'regex':
        return { k: 'regex', re: compileRegex(token.value as string, token.start, token.end) };
      case 'ident': {
        if (isOp(peek(), '(') && !token.text.startsWith('`')) return call(token);
        return { k: 'field', name: token.value as string };
      }
      case 'op':
        if (token.text === '(') {
          const inner = orExpr();
          expectOp(')');
          return inner;
        }
        if (token.text === '[') {
          const items: Expr[] = [];
          if (!isOp(peek(), ']')) {
            do items.push(orExpr());
            while (isOp(peek(), ',') && next());
          }
          expectOp(']');
          return { k: 'list', items };
        }
        if (token.text === '*') return { k: 'star' };
        return unexpected(token);
      default:
        return unexpected(token);
    }
  }
  function call(name: Token): Expr {
    const fn = name.text.toLowerCase();
    const known = (AGGREGATES as readonly string[]).includes(fn) || (SCALAR_FUNCTIONS as readonly string[]).includes(fn);
    if (!known) {
      throw malformedQuery(
        `The function ${name.text}() is not supported by Wharf's Logs Insights (supported: ${[...AGGREGATES, ...SCALAR_FUNCTIONS].join(', ')})`,
        name.start,
        name.end,
      );
    }
    expectOp('(');
    const args: Expr[] = [];
    if (!isOp(peek(), ')')) {
      do args.push(orExpr());
      while (isOp(peek(), ',') && next());
    }
    expectOp(')');
    return { k: 'call', fn, args };
  }

  // --- commands ---
  function named(allowAlias = true): Named {
    const from = pos;
    const expr = orExpr();
    const text = textOf(from, pos);
    if (allowAlias && isWord(peek(), 'as')) {
      next();
      const alias = next();
      if (alias.kind !== 'ident') unexpected(alias, 'a field name after as');
      return { expr, name: alias.value as string };
    }
    return { expr, name: expr.k === 'field' ? expr.name : text };
  }
  function list<T>(item: () => T): T[] {
    const items = [item()];
    while (isOp(peek(), ',')) {
      next();
      items.push(item());
    }
    return items;
  }
  const containsAggregate = (expr: Expr): boolean => {
    switch (expr.k) {
      case 'call':
        return (AGGREGATES as readonly string[]).includes(expr.fn) || expr.args.some(containsAggregate);
      case 'not':
      case 'neg':
        return containsAggregate(expr.e);
      case 'and':
      case 'or':
      case 'cmp':
      case 'arith':
      case 'like':
      case 'in':
        return containsAggregate(expr.l) || containsAggregate(expr.r);
      case 'list':
        return expr.items.some(containsAggregate);
      default:
        return false;
    }
  };

  function command(): Command {
    const head = next();
    if (head.kind !== 'ident') return unexpected(head, `a command (${SUPPORTED_COMMANDS.join(', ')})`);
    const name = head.text;
    switch (name.toLowerCase()) {
      case 'fields':
        return { c: 'fields', items: list(() => named()) };
      case 'display':
        return { c: 'display', items: list(() => named(false)) };
      case 'filter':
        return { c: 'filter', expr: orExpr() };
      case 'stats': {
        const aggregates = list(() => named());
        for (const aggregate of aggregates) {
          if (!containsAggregate(aggregate.expr)) throw malformedQuery(`stats needs an aggregation function (${AGGREGATES.join(', ')}); '${aggregate.name}' has none`, head.start, head.end);
        }
        let by: Named[] = [];
        if (isWord(peek(), 'by')) {
          next();
          by = list(() => named());
        }
        return { c: 'stats', aggregates, by };
      }
      case 'sort': {
        const keys = list((): SortKey => {
          const from = pos;
          const expr = orExpr();
          const text = textOf(from, pos);
          let descending = true;
          if (isWord(peek(), 'asc')) {
            next();
            descending = false;
          } else if (isWord(peek(), 'desc')) next();
          return { expr, text, descending };
        });
        return { c: 'sort', keys };
      }
      case 'limit': {
        const count = next();
        if (count.kind !== 'num' || !Number.isInteger(count.value) || (count.value as number) < 1) return unexpected(count, 'a positive whole number');
        if ((count.value as number) > MAX_LIMIT) throw malformedQuery(`limit must be at most ${MAX_LIMIT}`, count.start, count.end);
        return { c: 'limit', n: count.value as number };
      }
      case 'parse': {
        const field = primary();
        const pattern = next();
        if (pattern.kind === 'regex') {
          const re = compileRegex(pattern.value as string, pattern.start, pattern.end);
          const names = [...(pattern.value as string).matchAll(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1]!);
          if (names.length === 0) throw malformedQuery('A parse regular expression needs at least one named group, such as (?<user>\\S+)', pattern.start, pattern.end);
          return { c: 'parse', field, re, names };
        }
        if (pattern.kind !== 'str') return unexpected(pattern, 'a glob string or a regular expression');
        const glob = pattern.value as string;
        const parts = glob.split('*');
        if (!isWord(next(), 'as')) unexpected(tokens[pos - 1]!, 'as');
        const names = list(() => {
          const token = next();
          if (token.kind !== 'ident') unexpected(token, 'a field name');
          return token.value as string;
        });
        if (names.length !== parts.length - 1) throw malformedQuery(`The parse pattern has ${parts.length - 1} wildcards but ${names.length} field names`, pattern.start, pattern.end);
        const escaped = parts.map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
        const source = escaped.map((part, index) => (index === 0 ? part : (index === escaped.length - 1 && part === '' ? '(.*)' : '(.*?)') + part)).join('');
        return { c: 'parse', field, re: new RegExp(source, 's'), names };
      }
      default: {
        const known = KNOWN_UNSUPPORTED.includes(name);
        throw malformedQuery(
          known
            ? `The ${name} command is not supported by Wharf's Logs Insights (supported: ${SUPPORTED_COMMANDS.join(', ')})`
            : `Unknown command '${name}' at position ${head.start} (supported: ${SUPPORTED_COMMANDS.join(', ')})`,
          head.start,
          head.end,
        );
      }
    }
  }

  const commands: Command[] = [];
  if (peek().kind === 'eof') throw malformedQuery('The query is empty');
  while (true) {
    commands.push(command());
    const token = next();
    if (token.kind === 'eof') break;
    if (token.kind !== 'pipe') unexpected(token, "'|' or the end of the query");
  }
  return { commands };
}
