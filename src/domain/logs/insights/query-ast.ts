/** The parsed form of a Logs Insights query: a pipeline of commands over records. */
export type Expr =
  | { readonly k: 'field'; readonly name: string }
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'regex'; readonly re: RegExp }
  | { readonly k: 'duration'; readonly ms: number }
  | { readonly k: 'list'; readonly items: readonly Expr[] }
  | { readonly k: 'star' }
  | { readonly k: 'call'; readonly fn: string; readonly args: readonly Expr[] }
  | { readonly k: 'not'; readonly e: Expr }
  | { readonly k: 'neg'; readonly e: Expr }
  | { readonly k: 'and' | 'or'; readonly l: Expr; readonly r: Expr }
  | { readonly k: 'cmp'; readonly op: '=' | '!=' | '<' | '<=' | '>' | '>='; readonly l: Expr; readonly r: Expr }
  | { readonly k: 'arith'; readonly op: '+' | '-' | '*' | '/' | '%'; readonly l: Expr; readonly r: Expr }
  | { readonly k: 'like'; readonly l: Expr; readonly r: Expr; readonly negated: boolean }
  | { readonly k: 'in'; readonly l: Expr; readonly r: Expr; readonly negated: boolean };

/** An output column: an expression and the name it is shown under (its alias, else its text). */
export interface Named {
  readonly expr: Expr;
  readonly name: string;
}

export interface SortKey {
  readonly expr: Expr;
  /** The key as written: after stats, `sort count(*)` names the column `count(*)`. */
  readonly text: string;
  readonly descending: boolean;
}

export type Command =
  | { readonly c: 'fields'; readonly items: readonly Named[] }
  | { readonly c: 'display'; readonly items: readonly Named[] }
  | { readonly c: 'filter'; readonly expr: Expr }
  | { readonly c: 'stats'; readonly aggregates: readonly Named[]; readonly by: readonly Named[] }
  | { readonly c: 'sort'; readonly keys: readonly SortKey[] }
  | { readonly c: 'limit'; readonly n: number }
  | { readonly c: 'parse'; readonly field: Expr; readonly re: RegExp; readonly names: readonly string[] };

export interface Query {
  readonly commands: readonly Command[];
}
