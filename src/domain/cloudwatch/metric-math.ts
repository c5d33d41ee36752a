import { validationError } from './errors.js';

/**
 * CloudWatch metric math, the part Wharf implements: arithmetic (+ - * / ^,
 * unary minus, parentheses) on time series, arrays of series and scalars;
 * SUM, AVG, MIN, MAX, METRICS(), FILL, RATE, DIFF, ABS, CEIL, FLOOR, PERIOD.
 * Other functions are refused by name. Series are maps from period start
 * (epoch ms) to value; a point missing from either side of a binary
 * operation is missing from its result, as in CloudWatch.
 */

export type Node =
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'ref'; readonly id: string }
  | { readonly type: 'neg'; readonly operand: Node }
  | { readonly type: 'binary'; readonly op: '+' | '-' | '*' | '/' | '^'; readonly left: Node; readonly right: Node }
  | { readonly type: 'call'; readonly name: string; readonly args: readonly Node[] }
  | { readonly type: 'array'; readonly items: readonly Node[] };

export const SUPPORTED_FUNCTIONS = ['SUM', 'AVG', 'MIN', 'MAX', 'METRICS', 'FILL', 'RATE', 'DIFF', 'ABS', 'CEIL', 'FLOOR', 'PERIOD'] as const;

export interface Series {
  readonly label: string;
  readonly points: ReadonlyMap<number, number>;
  /** Seconds. */
  readonly period: number;
}

export type MathValue = { readonly type: 'scalar'; readonly value: number } | { readonly type: 'series'; readonly series: Series } | { readonly type: 'array'; readonly items: readonly Series[] };

function syntax(message: string): Error {
  return validationError(message);
}

type Token = { kind: 'num'; value: number } | { kind: 'id'; value: string } | { kind: 'str'; value: string } | { kind: 'op'; value: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const number = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (number) {
      tokens.push({ kind: 'num', value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (ident) {
      tokens.push({ kind: 'id', value: ident[0] });
      i += ident[0].length;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const end = text.indexOf(ch, i + 1);
      if (end < 0) throw syntax(`Syntax error: unterminated string at position ${i + 1}.`); // unverified wording
      tokens.push({ kind: 'str', value: text.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if ('+-*/^(),[]'.includes(ch)) {
      tokens.push({ kind: 'op', value: ch });
      i++;
      continue;
    }
    throw syntax(`Syntax error: unexpected character '${ch}' at position ${i + 1}.`); // unverified wording
  }
  return tokens;
}

/** Parses an expression; refuses syntax errors and functions Wharf does not implement. */
export function parseExpression(text: string): Node {
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at];
  const isOp = (value: string) => peek()?.kind === 'op' && peek()!.value === value;
  const expect = (value: string) => {
    if (!isOp(value)) throw syntax(`Syntax error: expected '${value}'${peek() ? ` near '${String(peek()!.value)}'` : ' at the end'}.`); // unverified wording
    at++;
  };
  const expression = (): Node => {
    let left = term();
    while (isOp('+') || isOp('-')) {
      const op = tokens[at++]!.value as '+' | '-';
      left = { type: 'binary', op, left, right: term() };
    }
    return left;
  };
  const term = (): Node => {
    let left = unary();
    while (isOp('*') || isOp('/')) {
      const op = tokens[at++]!.value as '*' | '/';
      left = { type: 'binary', op, left, right: unary() };
    }
    return left;
  };
  // Unary minus binds looser than ^ (-x ^ 2 is -(x ^ 2)); ^ is right-associative.
  const power = (): Node => {
    const base = primary();
    if (isOp('^')) {
      at++;
      return { type: 'binary', op: '^', left: base, right: unary() };
    }
    return base;
  };
  const unary = (): Node => {
    if (isOp('-')) {
      at++;
      return { type: 'neg', operand: unary() };
    }
    if (isOp('+')) {
      at++;
      return unary();
    }
    return power();
  };
  const list = (close: string): Node[] => {
    const items: Node[] = [];
    if (isOp(close)) {
      at++;
      return items;
    }
    for (;;) {
      items.push(expression());
      if (isOp(',')) {
        at++;
        continue;
      }
      expect(close);
      return items;
    }
  };
  const primary = (): Node => {
    const token = tokens[at];
    if (!token) throw syntax('Syntax error: the expression ends too early.'); // unverified wording
    at++;
    if (token.kind === 'num') return { type: 'number', value: token.value };
    if (token.kind === 'str') return { type: 'string', value: token.value };
    if (token.kind === 'op') {
      if (token.value === '(') {
        const inner = expression();
        expect(')');
        return inner;
      }
      if (token.value === '[') return { type: 'array', items: list(']') };
      throw syntax(`Syntax error: unexpected '${token.value}'.`); // unverified wording
    }
    if (isOp('(')) {
      at++;
      const name = token.value.toUpperCase();
      if (!(SUPPORTED_FUNCTIONS as readonly string[]).includes(name)) {
        throw validationError(`Unsupported function in metric math expression: ${token.value}. Wharf supports ${SUPPORTED_FUNCTIONS.join(', ')} and arithmetic.`);
      }
      return { type: 'call', name, args: list(')') };
    }
    if (token.value === 'REPEAT' || token.value === 'LINEAR') return { type: 'string', value: token.value };
    return { type: 'ref', id: token.value };
  };
  const node = expression();
  if (at < tokens.length) throw syntax(`Syntax error: unexpected '${String(tokens[at]!.value)}'.`); // unverified wording
  return node;
}

/** The query ids an expression refers to (METRICS() refers to every metric). */
export function referencedIds(node: Node): { ids: string[]; usesMetrics: boolean } {
  const ids = new Set<string>();
  let usesMetrics = false;
  const walk = (n: Node): void => {
    switch (n.type) {
      case 'ref':
        ids.add(n.id);
        return;
      case 'neg':
        return walk(n.operand);
      case 'binary':
        walk(n.left);
        walk(n.right);
        return;
      case 'call':
        if (n.name === 'METRICS') usesMetrics = true;
        n.args.forEach(walk);
        return;
      case 'array':
        n.items.forEach(walk);
        return;
      default:
        return;
    }
  };
  walk(node);
  return { ids: [...ids], usesMetrics };
}

export interface MathContext {
  /** Results of the other queries by id. */
  readonly values: ReadonlyMap<string, MathValue>;
  /** Every metric (MetricStat) query's series, in request order, for METRICS(). */
  readonly metrics: readonly { readonly id: string; readonly series: Series }[];
  /** The period starts of the requested range, for scalars and FILL. */
  readonly grid: readonly number[];
  readonly label: string;
}

function elementwise(series: Series, fn: (value: number) => number, label = series.label): Series {
  const points = new Map<number, number>();
  for (const [t, v] of series.points) {
    const result = fn(v);
    if (Number.isFinite(result)) points.set(t, result);
  }
  return { label, points, period: series.period };
}

function combine(left: Series, right: Series, fn: (a: number, b: number) => number, label: string): Series {
  const points = new Map<number, number>();
  for (const [t, a] of left.points) {
    const b = right.points.get(t);
    if (b === undefined) continue;
    const result = fn(a, b);
    if (Number.isFinite(result)) points.set(t, result);
  }
  return { label, points, period: Math.max(left.period, right.period) };
}

const OPS: Record<'+' | '-' | '*' | '/' | '^', (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '^': (a, b) => a ** b,
};

function binary(op: keyof typeof OPS, left: MathValue, right: MathValue, label: string): MathValue {
  const fn = OPS[op];
  if (left.type === 'scalar' && right.type === 'scalar') return { type: 'scalar', value: fn(left.value, right.value) };
  if (left.type === 'array' || right.type === 'array') {
    if (left.type === 'array' && right.type === 'array') throw validationError('Metric math cannot combine two arrays of time series.'); // unverified wording
    const items = left.type === 'array' ? left.items : (right as { items: readonly Series[] }).items;
    const other = left.type === 'array' ? right : left;
    return {
      type: 'array',
      items: items.map((series) => {
        const result = left.type === 'array' ? binary(op, { type: 'series', series }, other, series.label) : binary(op, other, { type: 'series', series }, series.label);
        return (result as { series: Series }).series;
      }),
    };
  }
  if (left.type === 'series' && right.type === 'series') return { type: 'series', series: combine(left.series, right.series, fn, label) };
  if (left.type === 'series') {
    const b = (right as { value: number }).value;
    return { type: 'series', series: elementwise(left.series, (a) => fn(a, b), label) };
  }
  const a = (left as { value: number }).value;
  return { type: 'series', series: elementwise((right as { series: Series }).series, (b) => fn(a, b), label) };
}

type Reducer = (values: readonly number[]) => number;
const REDUCERS: Record<'SUM' | 'AVG' | 'MIN' | 'MAX', Reducer> = {
  SUM: (values) => values.reduce((a, b) => a + b, 0),
  AVG: (values) => values.reduce((a, b) => a + b, 0) / values.length,
  MIN: (values) => Math.min(...values),
  MAX: (values) => Math.max(...values),
};

function reduce(name: keyof typeof REDUCERS, arg: MathValue, label: string): MathValue {
  const fn = REDUCERS[name];
  if (arg.type === 'scalar') return arg;
  if (arg.type === 'series') {
    const values = [...arg.series.points.values()];
    return values.length === 0 ? { type: 'series', series: { label, points: new Map(), period: arg.series.period } } : { type: 'scalar', value: fn(values) };
  }
  const byTime = new Map<number, number[]>();
  for (const series of arg.items) {
    for (const [t, v] of series.points) {
      const list = byTime.get(t) ?? [];
      list.push(v);
      byTime.set(t, list);
    }
  }
  const points = new Map<number, number>();
  for (const t of [...byTime.keys()].sort((a, b) => a - b)) points.set(t, fn(byTime.get(t)!));
  return { type: 'series', series: { label, points, period: Math.max(0, ...arg.items.map((series) => series.period)) } };
}

function eachSeries(value: MathValue, fn: (series: Series) => Series): MathValue {
  if (value.type === 'series') return { type: 'series', series: fn(value.series) };
  if (value.type === 'array') return { type: 'array', items: value.items.map(fn) };
  throw validationError('This function needs a time series, not a scalar.'); // unverified wording
}

function fill(series: Series, how: MathValue | { type: 'mode'; mode: 'REPEAT' | 'LINEAR' }, grid: readonly number[]): Series {
  const points = new Map<number, number>();
  const known = [...series.points.entries()].sort((a, b) => a[0] - b[0]);
  for (const t of grid) {
    const value = series.points.get(t);
    if (value !== undefined) {
      points.set(t, value);
      continue;
    }
    const before = [...known].reverse().find(([time]) => time < t);
    const after = known.find(([time]) => time > t);
    if (how.type === 'scalar') points.set(t, how.value);
    else if (how.type === 'mode' && how.mode === 'REPEAT') {
      if (before) points.set(t, before[1]);
    } else if (how.type === 'mode' && how.mode === 'LINEAR') {
      if (before && after) points.set(t, before[1] + ((after[1] - before[1]) * (t - before[0])) / (after[0] - before[0]));
    } else if (how.type === 'series') {
      const v = how.series.points.get(t);
      if (v !== undefined) points.set(t, v);
    }
  }
  for (const [t, v] of series.points) if (!points.has(t)) points.set(t, v);
  return { label: series.label, points: new Map([...points.entries()].sort((a, b) => a[0] - b[0])), period: series.period };
}

function consecutive(series: Series, fn: (prev: [number, number], next: [number, number]) => number): Series {
  const known = [...series.points.entries()].sort((a, b) => a[0] - b[0]);
  const points = new Map<number, number>();
  for (let i = 1; i < known.length; i++) points.set(known[i]![0], fn(known[i - 1]!, known[i]!));
  return { label: series.label, points, period: series.period };
}

/** Evaluates a parsed expression against the other queries' results. */
export function evaluateExpression(node: Node, ctx: MathContext): MathValue {
  const evalNode = (n: Node): MathValue => {
    switch (n.type) {
      case 'number':
        return { type: 'scalar', value: n.value };
      case 'string':
        throw validationError(`A string ("${n.value}") is only allowed as an argument of METRICS or FILL.`); // unverified wording
      case 'ref': {
        const value = ctx.values.get(n.id);
        if (!value) throw validationError(`The expression refers to an unknown id: ${n.id}.`); // unverified wording
        return value;
      }
      case 'neg':
        return binary('*', { type: 'scalar', value: -1 }, evalNode(n.operand), ctx.label);
      case 'binary':
        return binary(n.op, evalNode(n.left), evalNode(n.right), ctx.label);
      case 'array': {
        const items: Series[] = [];
        for (const item of n.items) {
          const value = evalNode(item);
          if (value.type === 'series') items.push(value.series);
          else if (value.type === 'array') items.push(...value.items);
          else throw validationError('An array may hold only time series.'); // unverified wording
        }
        return { type: 'array', items };
      }
      case 'call':
        return call(n.name, n.args);
    }
  };
  const call = (name: string, args: readonly Node[]): MathValue => {
    const arity = (min: number, max = min) => {
      if (args.length < min || args.length > max) throw validationError(`${name} takes ${min === max ? min : `${min} to ${max}`} argument(s), got ${args.length}.`); // unverified wording
    };
    switch (name) {
      case 'METRICS': {
        arity(0, 1);
        const filter = args[0]?.type === 'string' ? args[0].value : undefined;
        if (args[0] && args[0].type !== 'string') throw validationError('METRICS takes a string filter.'); // unverified wording
        return { type: 'array', items: ctx.metrics.filter((m) => filter === undefined || m.id.includes(filter) || m.series.label.includes(filter)).map((m) => m.series) };
      }
      case 'SUM':
      case 'AVG':
      case 'MIN':
      case 'MAX':
        arity(1);
        return reduce(name, evalNode(args[0]!), ctx.label);
      case 'FILL': {
        arity(2);
        const target = evalNode(args[0]!);
        const second = args[1]!;
        const how = second.type === 'string' && (second.value === 'REPEAT' || second.value === 'LINEAR') ? { type: 'mode' as const, mode: second.value as 'REPEAT' | 'LINEAR' } : evalNode(second);
        if (how.type === 'array') throw validationError('FILL takes a scalar, a time series, REPEAT or LINEAR as its second argument.'); // unverified wording
        return eachSeries(target, (series) => fill(series, how, ctx.grid));
      }
      case 'RATE':
        arity(1);
        return eachSeries(evalNode(args[0]!), (series) => consecutive(series, ([t0, v0], [t1, v1]) => (v1 - v0) / ((t1 - t0) / 1000)));
      case 'DIFF':
        arity(1);
        return eachSeries(evalNode(args[0]!), (series) => consecutive(series, ([, v0], [, v1]) => v1 - v0));
      case 'PERIOD': {
        arity(1);
        const value = evalNode(args[0]!);
        if (value.type === 'scalar') throw validationError('PERIOD needs a time series.'); // unverified wording
        return eachSeries(value, (series) => elementwise(series, () => series.period));
      }
      case 'ABS':
      case 'CEIL':
      case 'FLOOR': {
        arity(1);
        const fn = name === 'ABS' ? Math.abs : name === 'CEIL' ? Math.ceil : Math.floor;
        const value = evalNode(args[0]!);
        if (value.type === 'scalar') return { type: 'scalar', value: fn(value.value) };
        return eachSeries(value, (series) => elementwise(series, fn));
      }
      default:
        throw validationError(`Unsupported function in metric math expression: ${name}.`);
    }
  };
  return evalNode(node);
}
