import { invalidParameterAt } from './errors.js';

/**
 * SetRepositoryPolicy's check: an IAM-style resource policy document
 * (Version 2012-10-17 or 2008-10-17, Statement: one or a list, each with an
 * Effect of Allow or Deny, a Principal or NotPrincipal, and an Action or
 * NotAction). Anything else is ECR's "Invalid repository policy provided".
 */
export function checkRepositoryPolicy(text: string): void {
  const invalid = () => invalidParameterAt('PolicyText', 'Invalid repository policy provided');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalid();
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid();
  const policy = doc as Record<string, unknown>;
  if (policy.Version !== undefined && policy.Version !== '2012-10-17' && policy.Version !== '2008-10-17') throw invalid();
  const statements = Array.isArray(policy.Statement) ? policy.Statement : policy.Statement !== undefined ? [policy.Statement] : [];
  if (statements.length === 0) throw invalid();
  for (const statement of statements) {
    if (typeof statement !== 'object' || statement === null || Array.isArray(statement)) throw invalid();
    const s = statement as Record<string, unknown>;
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw invalid();
    if ((s.Principal === undefined) === (s.NotPrincipal === undefined)) throw invalid();
    if ((s.Action === undefined) === (s.NotAction === undefined)) throw invalid();
    for (const key of ['Action', 'NotAction'] as const) {
      const value = s[key];
      if (value === undefined) continue;
      const actions = Array.isArray(value) ? value : [value];
      if (actions.length === 0 || actions.some((action) => typeof action !== 'string' || !/^(\*|[a-z0-9-]+:[A-Za-z0-9*]+)$/.test(action))) throw invalid();
    }
  }
}
