import type { Command, Expr, Named, Query } from './query-ast.js';
import { AGGREGATES } from './query-parser.js';

/**
 * Runs a parsed Logs Insights query over events fed in one at a time. The
 * leading per-record commands (filter, fields, parse, display) run as events
 * arrive, so only matching records are kept; from the first stats, sort or
 * limit on, the kept records go through the rest of the pipeline at the end.
 * Without a sort, records are ordered newest first, as Insights shows them.
 *
 * Each event becomes a record of fields: @timestamp, @message, @logStream,
 * @log (account:group), @ingestionTime, @ptr, and the fields of a JSON
 * message (nested ones as `a.b`, array members as `a.0`).
 */
export type Value = string | number | boolean | null | undefined;
type InsightsRecord = Map<string, Value>;

export interface QueryEvent {
  readonly account: string;
  readonly group: string;
  readonly stream: string;
  readonly timestamp: number;
  readonly ingestionTime: number;
  readonly message: string;
  /** Opaque pointer to the event (GetLogRecord's logRecordPointer). */
  readonly ptr: string;
}

export interface ResultField {
  readonly field: string;
  readonly value: string;
}

const TIME_FIELDS = ['@timestamp', '@ingestionTime'];
/** Fields not shown unless asked for. */
const HIDDEN_BY_DEFAULT = new Set(['@ingestionTime', '@ptr']);
/** Insights discovers at most this many fields in one JSON event. */
const MAX_DISCOVERED = 200;

export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function flatten(value: unknown, prefix: string, into: InsightsRecord): void {
  if (into.size >= MAX_DISCOVERED + 6) return;
  if (Array.isArray(value)) value.forEach((item, index) => flatten(item, `${prefix}.${index}`, into));
  else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) flatten(item, prefix ? `${prefix}.${key}` : key, into);
  else if (prefix && !into.has(prefix)) into.set(prefix, value as Value);
}

export function recordOf(event: QueryEvent): InsightsRecord {
  const record: InsightsRecord = new Map<string, Value>([
    ['@timestamp', event.timestamp],
    ['@message', event.message],
    ['@logStream', event.stream],
    ['@log', `${event.account}:${event.group}`],
    ['@ingestionTime', event.ingestionTime],
    ['@ptr', event.ptr],
  ]);
  const text = event.message.trimStart();
  if (text.startsWith('{')) {
    try {
      flatten(JSON.parse(text), '', record);
    } catch {
      // not JSON after all: only the @ fields
    }
  }
  return record;
}

// --- values ---

function toNumber(value: Value): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && value.trim() !== '') {
    const number = Number(value);
    return Number.isFinite(number) ? number : undefined;
  }
  return undefined;
}

const present = (value: Value) => value !== undefined && value !== null;
const toText = (value: Value) => (value === undefined || value === null ? '' : String(value));

function truthy(value: Value): boolean {
  return value !== undefined && value !== null && value !== false && value !== 0 && value !== '';
}

function compare(a: Value, b: Value): number | undefined {
  if (!present(a) || !present(b)) return undefined;
  const x = toNumber(a);
  const y = toNumber(b);
  if (x !== undefined && y !== undefined && (typeof a === 'number' || typeof b === 'number' || (typeof a === 'string' && typeof b === 'string'))) return x - y;
  const s = String(a);
  const t = String(b);
  return s < t ? -1 : s > t ? 1 : 0;
}

function looseEquals(a: Value, b: Value): boolean {
  if (!present(a) || !present(b)) return false;
  if (typeof a === 'number' || typeof b === 'number') {
    const x = toNumber(a);
    const y = toNumber(b);
    return x !== undefined && y !== undefined && x === y;
  }
  return String(a) === String(b);
}

// --- expressions ---

type Aggregated = Map<Expr, Value>;

function evaluate(expr: Expr, record: InsightsRecord, aggregated?: Aggregated): Value {
  const ev = (e: Expr) => evaluate(e, record, aggregated);
  switch (expr.k) {
    case 'field':
      return record.get(expr.name);
    case 'num':
      return expr.v;
    case 'str':
      return expr.v;
    case 'duration':
      return expr.ms;
    case 'regex':
      return expr.re.source;
    case 'star':
      return 1;
    case 'list':
      return expr.items.map(ev).join(',');
    case 'not':
      return !truthy(ev(expr.e));
    case 'neg': {
      const n = toNumber(ev(expr.e));
      return n === undefined ? undefined : -n;
    }
    case 'and':
      return truthy(ev(expr.l)) && truthy(ev(expr.r));
    case 'or':
      return truthy(ev(expr.l)) || truthy(ev(expr.r));
    case 'cmp': {
      const l = ev(expr.l);
      const r = ev(expr.r);
      if (expr.op === '=') return looseEquals(l, r);
      if (expr.op === '!=') return present(l) && present(r) && !looseEquals(l, r);
      const order = compare(l, r);
      if (order === undefined) return false;
      return expr.op === '<' ? order < 0 : expr.op === '<=' ? order <= 0 : expr.op === '>' ? order > 0 : order >= 0;
    }
    case 'arith': {
      const l = toNumber(ev(expr.l));
      const r = toNumber(ev(expr.r));
      if (l === undefined || r === undefined) return undefined;
      switch (expr.op) {
        case '+':
          return l + r;
        case '-':
          return l - r;
        case '*':
          return l * r;
        case '/':
          return r === 0 ? undefined : l / r;
        case '%':
          return r === 0 ? undefined : l % r;
      }
      return undefined;
    }
    case 'like': {
      const l = ev(expr.l);
      if (!present(l)) return false;
      const text = String(l);
      const matched = expr.r.k === 'regex' ? expr.r.re.test(text) : text.includes(toText(ev(expr.r)));
      return matched !== expr.negated;
    }
    case 'in': {
      const l = ev(expr.l);
      if (!present(l)) return false;
      const items = expr.r.k === 'list' ? expr.r.items : [];
      return items.some((item) => looseEquals(l, ev(item))) !== expr.negated;
    }
    case 'call':
      if (aggregated && aggregated.has(expr)) return aggregated.get(expr);
      return callFunction(expr.fn, expr.args, record, aggregated);
  }
}

function callFunction(fn: string, args: readonly Expr[], record: InsightsRecord, aggregated?: Aggregated): Value {
  const ev = (e: Expr | undefined) => (e === undefined ? undefined : evaluate(e, record, aggregated));
  const first = () => ev(args[0]);
  const numbers = () => args.map((arg) => toNumber(ev(arg))).filter((n): n is number => n !== undefined);
  switch (fn) {
    case 'bin': {
      const size = toNumber(first());
      const at = toNumber(record.get('@timestamp'));
      return size === undefined || size <= 0 || at === undefined ? undefined : Math.floor(at / size) * size;
    }
    case 'ispresent':
      return present(first());
    case 'isempty':
      return toText(first()) === '';
    case 'isblank':
      return toText(first()).trim() === '';
    case 'strlen':
      return present(first()) ? toText(first()).length : undefined;
    case 'tolower':
      return present(first()) ? toText(first()).toLowerCase() : undefined;
    case 'toupper':
      return present(first()) ? toText(first()).toUpperCase() : undefined;
    case 'trim':
      return present(first()) ? toText(first()).trim() : undefined;
    case 'ltrim':
      return present(first()) ? toText(first()).trimStart() : undefined;
    case 'rtrim':
      return present(first()) ? toText(first()).trimEnd() : undefined;
    case 'concat':
      return args.map((arg) => toText(ev(arg))).join('');
    case 'strcontains':
      return present(first()) && toText(first()).includes(toText(ev(args[1])));
    case 'substr': {
      if (!present(first())) return undefined;
      const start = toNumber(ev(args[1])) ?? 0;
      const length = args[2] !== undefined ? toNumber(ev(args[2])) : undefined;
      return toText(first()).substr(start, length);
    }
    case 'replace':
      return present(first()) ? toText(first()).split(toText(ev(args[1]))).join(toText(ev(args[2]))) : undefined;
    case 'abs': {
      const n = toNumber(first());
      return n === undefined ? undefined : Math.abs(n);
    }
    case 'ceil': {
      const n = toNumber(first());
      return n === undefined ? undefined : Math.ceil(n);
    }
    case 'floor': {
      const n = toNumber(first());
      return n === undefined ? undefined : Math.floor(n);
    }
    case 'greatest': {
      const ns = numbers();
      return ns.length ? Math.max(...ns) : undefined;
    }
    case 'least': {
      const ns = numbers();
      return ns.length ? Math.min(...ns) : undefined;
    }
    case 'coalesce':
      return args.map((arg) => ev(arg)).find(present);
    default:
      // An aggregate outside stats.
      return undefined;
  }
}

// --- stats ---

interface Accumulator {
  count: number;
  sum: number;
  min: number | undefined;
  max: number | undefined;
}

function aggregateCalls(expr: Expr, into: Expr[] = []): Expr[] {
  switch (expr.k) {
    case 'call':
      if ((AGGREGATES as readonly string[]).includes(expr.fn)) into.push(expr);
      else expr.args.forEach((arg) => aggregateCalls(arg, into));
      break;
    case 'not':
    case 'neg':
      aggregateCalls(expr.e, into);
      break;
    case 'and':
    case 'or':
    case 'cmp':
    case 'arith':
    case 'like':
    case 'in':
      aggregateCalls(expr.l, into);
      aggregateCalls(expr.r, into);
      break;
    default:
      break;
  }
  return into;
}

/** One stats command's groups and accumulators, fed record by record so a large scan keeps only the groups. */
class StatsRun {
  private readonly calls: Extract<Expr, { k: 'call' }>[];
  private readonly groups = new Map<string, { keys: Value[]; accumulators: Accumulator[] }>();

  constructor(
    private readonly aggregates: readonly Named[],
    private readonly by: readonly Named[],
  ) {
    this.calls = aggregates.flatMap((aggregate) => aggregateCalls(aggregate.expr)) as Extract<Expr, { k: 'call' }>[];
  }

  private fresh(keys: Value[]) {
    return { keys, accumulators: this.calls.map((): Accumulator => ({ count: 0, sum: 0, min: undefined, max: undefined })) };
  }

  add(record: InsightsRecord): void {
    const keys = this.by.map((item) => evaluate(item.expr, record));
    const id = JSON.stringify(keys);
    let group = this.groups.get(id);
    if (!group) {
      group = this.fresh(keys);
      this.groups.set(id, group);
    }
    this.calls.forEach((call, index) => {
      const accumulator = group.accumulators[index]!;
      const arg = call.args[0];
      if (call.fn === 'count') {
        if (arg === undefined || arg.k === 'star' || present(evaluate(arg, record))) accumulator.count++;
        return;
      }
      const n = arg === undefined ? undefined : toNumber(evaluate(arg, record));
      if (n === undefined) return;
      accumulator.count++;
      accumulator.sum += n;
      accumulator.min = accumulator.min === undefined ? n : Math.min(accumulator.min, n);
      accumulator.max = accumulator.max === undefined ? n : Math.max(accumulator.max, n);
    });
  }

  rows(): InsightsRecord[] {
    // A stats without `by` over no records still answers (count 0), as Insights does.
    if (this.groups.size === 0 && this.by.length === 0) this.groups.set('[]', this.fresh([]));
    const ordered = [...this.groups.values()].sort((a, b) => {
      for (let i = 0; i < a.keys.length; i++) {
        const order = compare(a.keys[i], b.keys[i]);
        if (order) return order;
      }
      return 0;
    });
    return ordered.map((group) => {
      const aggregated: Aggregated = new Map();
      this.calls.forEach((call, index) => {
        const a = group.accumulators[index]!;
        aggregated.set(call, call.fn === 'count' ? a.count : a.count === 0 ? undefined : call.fn === 'sum' ? a.sum : call.fn === 'avg' ? a.sum / a.count : call.fn === 'min' ? a.min : a.max);
      });
      const row: InsightsRecord = new Map();
      this.by.forEach((item, index) => row.set(item.name, group.keys[index]));
      for (const aggregate of this.aggregates) row.set(aggregate.name, evaluate(aggregate.expr, new Map(), aggregated));
      return row;
    });
  }
}

function runStats(records: InsightsRecord[], aggregates: readonly Named[], by: readonly Named[]): InsightsRecord[] {
  const stats = new StatsRun(aggregates, by);
  for (const record of records) stats.add(record);
  return stats.rows();
}

// --- the pipeline ---

const isTimeExpr = (expr: Expr) => (expr.k === 'field' && TIME_FIELDS.includes(expr.name)) || (expr.k === 'call' && expr.fn === 'bin');

export interface QueryOutcome {
  readonly rows: ResultField[][];
  readonly recordsMatched: number;
}

export class QueryRun {
  private readonly streaming: Command[] = [];
  private readonly rest: Command[];
  private kept: InsightsRecord[] = [];
  private matched = 0;
  /** When the pipeline starts with stats, records fold into it as they come. */
  private readonly stats: StatsRun | undefined;
  /** Without a sort, only the newest rows can survive a leading limit: how many to keep. */
  private readonly keepNewest: number | undefined;

  constructor(
    private readonly query: Query,
    private readonly limit: number,
  ) {
    const firstBlocking = query.commands.findIndex((command) => command.c === 'stats' || command.c === 'sort' || command.c === 'limit');
    const split = firstBlocking < 0 ? query.commands.length : firstBlocking;
    this.streaming = query.commands.slice(0, split);
    const first = query.commands[split];
    this.stats = first?.c === 'stats' ? new StatsRun(first.aggregates, first.by) : undefined;
    this.rest = query.commands.slice(this.stats ? split + 1 : split);
    const sorted = query.commands.some((command) => command.c === 'sort');
    if (!this.stats && !sorted) this.keepNewest = first?.c === 'limit' ? Math.min(first.n, limit) : first === undefined ? limit : undefined;
  }

  /** Applies one command to one record; false when the record is dropped. */
  private static apply(command: Command, record: InsightsRecord): boolean {
    switch (command.c) {
      case 'filter':
        return truthy(evaluate(command.expr, record));
      case 'fields':
      case 'display':
        for (const item of command.items) if (item.expr.k !== 'field' || item.expr.name !== item.name) record.set(item.name, evaluate(item.expr, record));
        return true;
      case 'parse': {
        const source = evaluate(command.field, record);
        if (!present(source)) return true;
        const match = command.re.exec(String(source));
        if (!match) return true;
        command.names.forEach((name, index) => {
          const value = match.groups?.[name] ?? match[index + 1];
          if (value !== undefined) record.set(name, value);
        });
        return true;
      }
      default:
        return true;
    }
  }

  add(event: QueryEvent): void {
    const record = recordOf(event);
    for (const command of this.streaming) if (!QueryRun.apply(command, record)) return;
    this.matched++;
    if (this.stats) {
      this.stats.add(record);
      return;
    }
    this.kept.push(record);
    if (this.keepNewest !== undefined && this.kept.length >= 4 * this.keepNewest + 1000) this.kept = QueryRun.newestFirst(this.kept).slice(0, this.keepNewest);
  }

  private static newestFirst(records: InsightsRecord[]): InsightsRecord[] {
    return records.sort((a, b) => (b.get('@timestamp') as number) - (a.get('@timestamp') as number));
  }

  get recordsMatched(): number {
    return this.matched;
  }

  finish(): QueryOutcome {
    let records = this.kept.slice();
    const hasSort = this.query.commands.some((command) => command.c === 'sort');
    if (!hasSort) QueryRun.newestFirst(records);
    let aggregated = false;
    const timeNames = new Set(TIME_FIELDS);
    let projection: string[] | undefined;
    const project = (items: readonly Named[], replace: boolean) => {
      for (const item of items) if (isTimeExpr(item.expr)) timeNames.add(item.name);
      const names = items.map((item) => item.name);
      projection = replace || !projection ? names : [...projection, ...names.filter((name) => !projection!.includes(name))];
    };
    for (const command of this.streaming) if (command.c === 'fields' || command.c === 'display') project(command.items, command.c === 'display');
    const foldedStats = this.stats;
    const statsCommand = this.query.commands[this.streaming.length];
    if (foldedStats && statsCommand?.c === 'stats') {
      records = foldedStats.rows();
      aggregated = true;
      for (const item of statsCommand.by) if (isTimeExpr(item.expr)) timeNames.add(item.name);
      projection = [...statsCommand.by, ...statsCommand.aggregates].map((item) => item.name);
    }
    for (const command of this.rest) {
      switch (command.c) {
        case 'stats':
          records = runStats(records, command.aggregates, command.by);
          aggregated = true;
          for (const item of command.by) if (isTimeExpr(item.expr)) timeNames.add(item.name);
          projection = [...command.by, ...command.aggregates].map((item) => item.name);
          break;
        case 'sort':
          records.sort((a, b) => {
            for (const key of command.keys) {
              const x = a.has(key.text) ? a.get(key.text) : evaluate(key.expr, a);
              const y = b.has(key.text) ? b.get(key.text) : evaluate(key.expr, b);
              if (!present(x) || !present(y)) {
                if (present(x) !== present(y)) return present(x) ? -1 : 1;
                continue;
              }
              const order = compare(x, y) ?? 0;
              if (order) return key.descending ? -order : order;
            }
            return 0;
          });
          break;
        case 'limit':
          records = records.slice(0, command.n);
          break;
        default:
          records = records.filter((record) => QueryRun.apply(command, record));
          if (command.c === 'fields' || command.c === 'display') project(command.items, command.c === 'display');
      }
    }
    records = records.slice(0, this.limit);
    const rows = records.map((record) => {
      const names = projection ?? [...record.keys()].filter((name) => !HIDDEN_BY_DEFAULT.has(name));
      const row: ResultField[] = [];
      for (const name of names) {
        const value = record.get(name);
        if (!present(value)) continue;
        row.push({ field: name, value: timeNames.has(name) && typeof value === 'number' ? formatTimestamp(value) : typeof value === 'boolean' ? (value ? '1' : '0') : String(value) });
      }
      if (!aggregated && record.has('@ptr')) row.push({ field: '@ptr', value: String(record.get('@ptr')) });
      return row;
    });
    return { rows, recordsMatched: this.matched };
  }
}
