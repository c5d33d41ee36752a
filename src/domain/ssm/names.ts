import { hierarchyTooDeep, validation } from './errors.js';

const MAX_DEPTH = 15;
const NAME_RULE =
  'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_';

/** A name as PutParameter accepts it: letters, digits, `.-_/`, a path starting with `/`, at most 15 levels. */
export function checkParameterName(name: string): void {
  if (/^\/?(aws|ssm)/i.test(name) || !/^[A-Za-z0-9_.\-/]+$/.test(name) || name.includes('//') || (name.length > 1 && name.endsWith('/'))) {
    throw validation(NAME_RULE);
  }
  if (name.includes('/') && !name.startsWith('/')) throw validation('Parameter name must be a fully qualified name.');
  if (name.split('/').length - 1 > MAX_DEPTH) throw hierarchyTooDeep();
}

export function parameterArn(partition: string, region: string, account: string, name: string): string {
  return `arn:${partition}:ssm:${region}:${account}:parameter/${name.startsWith('/') ? name.slice(1) : name}`;
}

/**
 * `name`, `name:<version>` or `name:<label>` (GetParameter and
 * GetParameters). Names have no ':', so the first one starts the selector.
 * Resource ARNs are accepted too: `arn:...:parameter/a/b` names `/a/b`.
 */
export function parseSelector(text: string): { name: string; version?: number; label?: string; selector?: string } {
  let rest = text;
  const arn = /^arn:[a-z-]+:ssm:[a-z0-9-]*:\d*:parameter\/(.*)$/.exec(text);
  if (arn) rest = arn[1]!.includes('/') ? `/${arn[1]}` : arn[1]!;
  const colon = rest.indexOf(':');
  if (colon < 0) return { name: rest };
  const name = rest.slice(0, colon);
  const selector = rest.slice(colon + 1);
  if (/^\d+$/.test(selector)) return { name, version: Number(selector), selector: `:${selector}` };
  return { name, label: selector, selector: `:${selector}` };
}

/** Label rules: 1-100 chars of letters, digits, `.-_`, not starting with a digit, `aws` or `ssm`. */
export function isValidLabel(label: string): boolean {
  return label.length >= 1 && label.length <= 100 && /^[A-Za-z0-9_.-]+$/.test(label) && !/^[0-9]/.test(label) && !/^(aws|ssm)/i.test(label);
}

/** A path for GetParametersByPath: `/`, or `/a/b` (a trailing slash is tolerated). */
export function normalizePath(path: string): string {
  if (!path.startsWith('/')) throw validation('The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/".'); // unverified wording
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/**
 * Whether `name` is under `path`: directly, or at any depth when recursive.
 * A top-level name is under `/` with or without its leading slash.
 */
export function isUnderPath(name: string, path: string, recursive: boolean): boolean {
  const full = name.startsWith('/') ? name : `/${name}`;
  const prefix = path === '/' ? '/' : `${path}/`;
  if (!full.startsWith(prefix)) return false;
  return recursive || !full.slice(prefix.length).includes('/');
}

/** The id a parameter is stored under: a top-level name is one parameter with or without its leading slash (they share an ARN). */
export function parameterKey(name: string): string {
  return /^\/[^/]+$/.test(name) ? name.slice(1) : name;
}
