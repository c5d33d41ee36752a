import { AwsError } from '../errors.js';

/**
 * Policy documents as stored (policy-evaluation.ts evaluates them): these checks refuse what IAM
 * itself refuses to store (bad JSON, a missing Statement, a trust policy with
 * a Resource), in IAM's words, so scripts that work against Wharf work on AWS.
 */
const malformed = (message: string) => new AwsError('MalformedPolicyDocument', message);
const SYNTAX = 'Syntax errors in policy.';

type Json = Record<string, unknown>;

function statementsOf(doc: unknown): Json[] {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw malformed(SYNTAX);
  const statement = (doc as Json).Statement;
  const list = Array.isArray(statement) ? statement : statement === undefined ? [] : [statement];
  if (list.length === 0 || list.some((item) => typeof item !== 'object' || item === null || Array.isArray(item))) throw malformed(SYNTAX);
  for (const item of list as Json[]) {
    if (item.Effect !== 'Allow' && item.Effect !== 'Deny') throw malformed(SYNTAX);
  }
  return list as Json[];
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/** The size IAM counts against its quotas: the document without insignificant whitespace. */
export function policySize(parsed: unknown): number {
  return JSON.stringify(parsed).length;
}

/** A role's trust policy (AssumeRolePolicyDocument); returns the parsed document. */
export function checkTrustPolicy(text: string): unknown {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformed('This policy contains invalid Json');
  }
  const version = (doc as Json | null)?.Version;
  if (version !== undefined && version !== '2012-10-17' && version !== '2008-10-17') throw malformed(SYNTAX);
  for (const statement of statementsOf(doc)) {
    if (statement.Resource !== undefined || statement.NotResource !== undefined) throw malformed('Has prohibited field Resource');
    if (statement.Principal === undefined && statement.NotPrincipal === undefined) throw malformed('Missing required field Principal');
    const actions = asList(statement.Action ?? statement.NotAction);
    if (actions.length === 0) throw malformed('Missing required field Action'); // unverified wording
    if (actions.some((action) => typeof action !== 'string' || !/^sts:(\*|AssumeRole[A-Za-z]*|TagSession|SetSourceIdentity|SetContext)$/i.test(action))) {
      throw malformed('AssumeRole policy may only specify STS AssumeRole actions.');
    }
  }
  return doc;
}

/** An identity policy (PutRolePolicy); returns the parsed document. */
export function checkIdentityPolicy(text: string): unknown {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformed(SYNTAX);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw malformed(SYNTAX);
  const version = (doc as Json).Version;
  if (version !== undefined && version !== '2012-10-17' && version !== '2008-10-17') throw malformed(SYNTAX);
  const statements = statementsOf(doc);
  if (version !== '2012-10-17') throw malformed('Policy document must be version 2012-10-17 or greater.');
  for (const statement of statements) {
    if (statement.Action === undefined && statement.NotAction === undefined) throw malformed('Policy statement must contain actions.');
    if (statement.Principal !== undefined || statement.NotPrincipal !== undefined) throw malformed('Policy document should not specify a principal.');
    if (statement.Resource === undefined && statement.NotResource === undefined) throw malformed('Policy statement must contain resources.');
  }
  return doc;
}
