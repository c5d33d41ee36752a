/**
 * IAM condition operators, as the IAM User Guide's "condition operators"
 * reference describes them. Pure: the request context is plain data and the
 * current time arrives in it (aws:CurrentTime / aws:EpochTime).
 *
 * Rules that matter (and are easy to get wrong):
 * - several values for one key are ORed; several keys and operators are ANDed;
 * - a key absent from the request makes a positive operator false and a
 *   negated one (StringNotEquals, ArnNotLike, NotIpAddress, ...) true;
 * - `...IfExists` is true when the key is absent;
 * - `ForAllValues:` is true when every request value matches (and when the key
 *   is absent or empty); `ForAnyValue:` needs at least one matching value;
 * - condition key names are case-insensitive, values are not (except IgnoreCase).
 */

/** Request context: lower-cased condition key -> its values (a single-valued key has one). */
export type ConditionContext = Readonly<Record<string, readonly string[]>>;

type ValueTest = (requestValue: string, policyValue: string) => boolean;

/** Converts policy text with `*` and `?` wildcards into an anchored regular expression. */
export function wildcardRegExp(pattern: string, ignoreCase = false): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
}

export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*') && !pattern.includes('?')) return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  return wildcardRegExp(pattern, ignoreCase).test(value);
}

/** ARNs compare part by part (`arn:partition:service:region:account:resource`), each part with wildcards. */
export function arnMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  const p = splitArn(pattern);
  const v = splitArn(value);
  if (!p || !v) return false;
  return p.every((part, i) => wildcardMatch(part, v[i]!));
}

function splitArn(text: string): string[] | undefined {
  const parts = text.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

function number(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** ISO 8601 dates or epoch seconds, as IAM accepts both. */
function date(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function compareWith(parse: (text: string) => number | undefined, cmp: (a: number, b: number) => boolean): ValueTest {
  return (request, policy) => {
    const a = parse(request);
    const b = parse(policy);
    return a !== undefined && b !== undefined && cmp(a, b);
  };
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

/** IPv4 addresses against CIDR blocks (a bare address is a /32). IPv6 is compared textually. */
export function ipInCidr(address: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const a = ipv4(address);
  const b = ipv4(base ?? '');
  if (a === undefined || b === undefined) return address.toLowerCase() === cidr.toLowerCase();
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(b / size);
}

/** The base operators: `negated` ones are true when no policy value matches. */
const OPERATORS: Readonly<Record<string, { test: ValueTest; negated: boolean }>> = {
  stringequals: { test: (r, p) => r === p, negated: false },
  stringnotequals: { test: (r, p) => r === p, negated: true },
  stringequalsignorecase: { test: (r, p) => r.toLowerCase() === p.toLowerCase(), negated: false },
  stringnotequalsignorecase: { test: (r, p) => r.toLowerCase() === p.toLowerCase(), negated: true },
  stringlike: { test: (r, p) => wildcardMatch(p, r), negated: false },
  stringnotlike: { test: (r, p) => wildcardMatch(p, r), negated: true },
  numericequals: { test: compareWith(number, (a, b) => a === b), negated: false },
  numericnotequals: { test: compareWith(number, (a, b) => a === b), negated: true },
  numericlessthan: { test: compareWith(number, (a, b) => a < b), negated: false },
  numericlessthanequals: { test: compareWith(number, (a, b) => a <= b), negated: false },
  numericgreaterthan: { test: compareWith(number, (a, b) => a > b), negated: false },
  numericgreaterthanequals: { test: compareWith(number, (a, b) => a >= b), negated: false },
  dateequals: { test: compareWith(date, (a, b) => a === b), negated: false },
  datenotequals: { test: compareWith(date, (a, b) => a === b), negated: true },
  datelessthan: { test: compareWith(date, (a, b) => a < b), negated: false },
  datelessthanequals: { test: compareWith(date, (a, b) => a <= b), negated: false },
  dategreaterthan: { test: compareWith(date, (a, b) => a > b), negated: false },
  dategreaterthanequals: { test: compareWith(date, (a, b) => a >= b), negated: false },
  bool: { test: (r, p) => r.toLowerCase() === p.toLowerCase(), negated: false },
  binaryequals: { test: (r, p) => r === p, negated: false },
  ipaddress: { test: (r, p) => ipInCidr(r, p), negated: false },
  notipaddress: { test: (r, p) => ipInCidr(r, p), negated: true },
  arnequals: { test: (r, p) => arnMatch(p, r), negated: false },
  arnlike: { test: (r, p) => arnMatch(p, r), negated: false },
  arnnotequals: { test: (r, p) => arnMatch(p, r), negated: true },
  arnnotlike: { test: (r, p) => arnMatch(p, r), negated: true },
};

function policyValues(raw: unknown): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((value) => (typeof value === 'string' ? value : JSON.stringify(value)));
}

/** Whether one request value passes the operator against the statement's values. */
function valuePasses(op: { test: ValueTest; negated: boolean }, requestValue: string, values: readonly string[]): boolean {
  const any = values.some((value) => op.test(requestValue, value));
  return op.negated ? !any : any;
}

export class UnknownConditionOperator extends Error {}

/**
 * One operator block (`"StringEquals": {"aws:PrincipalTag/team": "db"}`):
 * true when every key in it holds.
 */
export function operatorHolds(operatorName: string, block: Readonly<Record<string, unknown>>, context: ConditionContext): boolean {
  let name = operatorName.toLowerCase();
  let set: 'all' | 'any' | undefined;
  if (name.startsWith('forallvalues:')) [set, name] = ['all', name.slice('forallvalues:'.length)];
  else if (name.startsWith('foranyvalue:')) [set, name] = ['any', name.slice('foranyvalue:'.length)];
  const ifExists = name.endsWith('ifexists');
  if (ifExists) name = name.slice(0, -'ifexists'.length);

  for (const [key, raw] of Object.entries(block)) {
    const values = policyValues(raw);
    const present = context[key.toLowerCase()];
    if (name === 'null') {
      const wantsAbsent = values.some((value) => value.toLowerCase() === 'true');
      const absent = present === undefined || present.length === 0;
      if (wantsAbsent !== absent) return false;
      continue;
    }
    const op = OPERATORS[name];
    if (!op) throw new UnknownConditionOperator(operatorName);
    if (set === 'all') {
      if (present === undefined) continue;
      if (!present.every((value) => valuePasses(op, value, values))) return false;
      continue;
    }
    if (set === 'any') {
      if (present === undefined || !present.some((value) => valuePasses(op, value, values))) return false;
      continue;
    }
    if (present === undefined || present.length === 0) {
      if (ifExists || op.negated) continue;
      return false;
    }
    // A multi-valued key under a single-valued operator: any value passing a positive operator, all passing a negated one.
    const passes = op.negated ? present.every((value) => valuePasses(op, value, values)) : present.some((value) => valuePasses(op, value, values));
    if (!passes) return false;
  }
  return true;
}

/** A statement's whole Condition element: every operator block holds. An unknown operator never matches. */
export function conditionHolds(condition: unknown, context: ConditionContext): boolean {
  if (condition === undefined) return true;
  if (typeof condition !== 'object' || condition === null) return false;
  try {
    return Object.entries(condition as Record<string, unknown>).every(
      ([operator, block]) => typeof block === 'object' && block !== null && operatorHolds(operator, block as Record<string, unknown>, context),
    );
  } catch (error) {
    if (error instanceof UnknownConditionOperator) return false;
    throw error;
  }
}
