/**
 * The subset of ECS's cluster query language Wharf evaluates (the memberOf
 * placement constraint's expressions).
 *
 * Supported:
 *   subjects   `attribute:<name>` (an instance attribute) and `task:group`
 *              (the groups of the tasks on the instance)
 *   operators  `==` / `equals`, `!=` / `not_equals`, `in` / `!in` / `not_in`
 *              with a list `[a, b, 'c d']`, `exists` / `!exists` / `not_exists`
 *   compound   `and` / `&&`, `or` / `||`, `not` / `!`, parentheses; `not`
 *              binds tighter than `and`, which binds tighter than `or`
 *   values     bare words (`us-east-1a`, `t2.small`) or quoted with ' or "
 *
 * Not supported (refused with InvalidParameterException, never silently
 * ignored): the pattern operators `=~` / `!~` (Java regular expressions), the
 * ordering operators (`>`, `>=`, `<`, `<=`) and the subjects `agentConnected`,
 * `agentVersion`, `ec2InstanceId`, `registeredAt`, `runningTasksCount`.
 *
 * Semantics where the guide is silent (unverified): a missing attribute is not
 * `==` anything and is `!=` everything; `task:group == g` holds when any task
 * on the instance is in group g, `!=` when none is.
 */
import { invalidParameter, type AwsError } from '../errors.js';

export const MAX_EXPRESSION_LENGTH = 2000;

export type Subject = { readonly kind: 'attribute'; readonly name: string } | { readonly kind: 'taskGroup' };
export type Operator = 'equals' | 'not_equals' | 'in' | 'not_in' | 'exists' | 'not_exists';

export type Expression =
  | { readonly kind: 'and' | 'or'; readonly left: Expression; readonly right: Expression }
  | { readonly kind: 'not'; readonly operand: Expression }
  | { readonly kind: 'compare'; readonly subject: Subject; readonly operator: Operator; readonly values: readonly string[] };

/** What an expression is evaluated against: one instance. */
export interface QueryTarget {
  /** Attribute name -> value (undefined: present without a value). */
  readonly attributes: ReadonlyMap<string, string | undefined>;
  /** The group of every task on the instance (repeats allowed). */
  readonly taskGroups: readonly string[];
}

const OPERATORS: Readonly<Record<string, Operator>> = {
  '==': 'equals',
  equals: 'equals',
  '!=': 'not_equals',
  not_equals: 'not_equals',
  in: 'in',
  '!in': 'not_in',
  not_in: 'not_in',
  exists: 'exists',
  '!exists': 'not_exists',
  not_exists: 'not_exists',
};
const UNSUPPORTED_OPERATORS = new Set(['=~', 'matches', '!~', 'not_matches', '>', 'greater_than', '>=', 'greater_than_equal', '<', 'less_than', '<=', 'less_than_equal']);
const UNSUPPORTED_SUBJECTS = new Set(['agentConnected', 'agentVersion', 'ec2InstanceId', 'registeredAt', 'runningTasksCount']);

type Token = { readonly type: 'punct'; readonly text: '(' | ')' | '[' | ']' | ',' } | { readonly type: 'symbol'; readonly text: string } | { readonly type: 'word'; readonly text: string; readonly quoted: boolean };

/** (unverified) ECS's wording for an expression it cannot parse is not documented. */
function invalid(expression: string, detail: string): AwsError {
  return invalidParameter(`Invalid placement constraint expression '${expression}': ${detail}`);
}

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expression.length) {
    const c = expression[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === '[' || c === ']' || c === ',') {
      tokens.push({ type: 'punct', text: c });
      i++;
    } else if (c === "'" || c === '"') {
      const end = expression.indexOf(c, i + 1);
      if (end < 0) throw invalid(expression, 'unterminated quoted value');
      tokens.push({ type: 'word', text: expression.slice(i + 1, end), quoted: true });
      i = end + 1;
    } else if (c === '!' && /[A-Za-z_]/.test(expression[i + 1] ?? '')) {
      // `!in`, `!exists`: one operator word; `!` before anything else is `not`.
      const word = /^![A-Za-z_]+/.exec(expression.slice(i))![0];
      if (word === '!in' || word === '!exists') {
        tokens.push({ type: 'word', text: word, quoted: false });
        i += word.length;
      } else {
        tokens.push({ type: 'symbol', text: '!' });
        i++;
      }
    } else if ('=!<>&|~'.includes(c)) {
      const match = /^(==|!=|=~|!~|>=|<=|&&|\|\||[!<>])/.exec(expression.slice(i));
      if (!match) throw invalid(expression, `unexpected '${c}'`);
      tokens.push({ type: 'symbol', text: match[0] });
      i += match[0].length;
    } else {
      const match = /^[^\s()[\],'"=!<>&|~]+/.exec(expression.slice(i))!;
      tokens.push({ type: 'word', text: match[0], quoted: false });
      i += match[0].length;
    }
  }
  return tokens;
}

class Parser {
  private position = 0;
  constructor(private readonly source: string, private readonly tokens: readonly Token[]) {}

  parse(): Expression {
    if (this.tokens.length === 0) throw invalid(this.source, 'empty expression');
    const expression = this.or();
    if (this.position < this.tokens.length) throw invalid(this.source, `unexpected '${this.tokens[this.position]!.text}'`);
    return expression;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private isKeyword(token: Token | undefined, words: readonly string[]): boolean {
    return token !== undefined && (token.type === 'symbol' || (token.type === 'word' && !token.quoted)) && words.includes(token.text.toLowerCase());
  }

  private or(): Expression {
    let left = this.and();
    while (this.isKeyword(this.peek(), ['or', '||'])) {
      this.position++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Expression {
    let left = this.unary();
    while (this.isKeyword(this.peek(), ['and', '&&'])) {
      this.position++;
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): Expression {
    const token = this.peek();
    if (token === undefined) throw invalid(this.source, 'the expression ends too early');
    if (this.isKeyword(token, ['not', '!'])) {
      this.position++;
      return { kind: 'not', operand: this.unary() };
    }
    if (token.type === 'punct' && token.text === '(') {
      this.position++;
      const inner = this.or();
      this.expectPunct(')');
      return inner;
    }
    return this.comparison();
  }

  private expectPunct(text: string): void {
    const token = this.peek();
    if (token?.type !== 'punct' || token.text !== text) throw invalid(this.source, `expected '${text}'`);
    this.position++;
  }

  private comparison(): Expression {
    const subjectToken = this.tokens[this.position++]!;
    if (subjectToken.type !== 'word' || subjectToken.quoted) throw invalid(this.source, `expected a subject, found '${subjectToken.text}'`);
    const subject = this.subject(subjectToken.text);
    const operatorToken = this.tokens[this.position++];
    if (operatorToken === undefined || operatorToken.type === 'punct') throw invalid(this.source, `expected an operator after '${subjectToken.text}'`);
    const name = operatorToken.type === 'word' ? operatorToken.text.toLowerCase() : operatorToken.text;
    if (UNSUPPORTED_OPERATORS.has(name)) throw invalid(this.source, `Wharf does not support the operator '${operatorToken.text}'`);
    const operator = OPERATORS[name];
    if (!operator) throw invalid(this.source, `unknown operator '${operatorToken.text}'`);
    if (operator === 'exists' || operator === 'not_exists') return { kind: 'compare', subject, operator, values: [] };
    if (operator === 'in' || operator === 'not_in') return { kind: 'compare', subject, operator, values: this.list() };
    return { kind: 'compare', subject, operator, values: [this.value()] };
  }

  private subject(text: string): Subject {
    if (text.startsWith('attribute:') && text.length > 'attribute:'.length) return { kind: 'attribute', name: text.slice('attribute:'.length) };
    if (text === 'task:group') return { kind: 'taskGroup' };
    if (UNSUPPORTED_SUBJECTS.has(text)) throw invalid(this.source, `Wharf does not support the subject '${text}'`);
    throw invalid(this.source, `unknown subject '${text}'`);
  }

  private value(): string {
    const token = this.tokens[this.position++];
    if (token?.type !== 'word') throw invalid(this.source, 'expected a value');
    return token.text;
  }

  private list(): string[] {
    this.expectPunct('[');
    const values = [this.value()];
    while (this.peek()?.type === 'punct' && this.peek()!.text === ',') {
      this.position++;
      values.push(this.value());
    }
    this.expectPunct(']');
    return values;
  }
}

/** Parses an expression; throws InvalidParameterException for anything outside the subset. */
export function parseExpression(expression: string): Expression {
  if (expression.length > MAX_EXPRESSION_LENGTH) throw invalidParameter(`A placement constraint expression can be at most ${MAX_EXPRESSION_LENGTH} characters.`); // (unverified) wording
  return new Parser(expression, tokenize(expression)).parse();
}

export function evaluate(expression: Expression, target: QueryTarget): boolean {
  switch (expression.kind) {
    case 'and':
      return evaluate(expression.left, target) && evaluate(expression.right, target);
    case 'or':
      return evaluate(expression.left, target) || evaluate(expression.right, target);
    case 'not':
      return !evaluate(expression.operand, target);
    case 'compare':
      return compare(expression.subject, expression.operator, expression.values, target);
  }
}

function compare(subject: Subject, operator: Operator, values: readonly string[], target: QueryTarget): boolean {
  // Every subject is a set of strings: an attribute has zero or one value, task:group one per task.
  let present: boolean;
  let actual: readonly string[];
  if (subject.kind === 'attribute') {
    present = target.attributes.has(subject.name);
    const value = target.attributes.get(subject.name);
    actual = value === undefined ? [] : [value];
  } else {
    present = target.taskGroups.length > 0;
    actual = target.taskGroups;
  }
  switch (operator) {
    case 'exists':
      return present;
    case 'not_exists':
      return !present;
    case 'equals':
    case 'in':
      return actual.some((value) => values.includes(value));
    case 'not_equals':
    case 'not_in':
      return !actual.some((value) => values.includes(value));
  }
}
