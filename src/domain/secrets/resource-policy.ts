import { AwsError } from '../errors.js';

export const malformedPolicy = (detail: string) => new AwsError('MalformedPolicyDocumentException', detail);

/** BlockPublicPolicy's refusal. */
// unverified wording
export const publicPolicy = () => new AwsError('PublicPolicyException', 'This resource policy will grant public access to the secret.');

export interface PolicyFinding {
  readonly CheckName: string;
  readonly ErrorMessage: string;
}

type Statement = Record<string, unknown>;

/**
 * What is wrong with a resource policy's text: unparsable JSON, no
 * Statement, a statement without Effect Allow/Deny, Action or Principal.
 * An empty list means the policy is well formed.
 */
export function policyFindings(text: string): PolicyFinding[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return [{ CheckName: 'POLICY_SYNTAX', ErrorMessage: 'This resource policy contains a syntax error.' }];
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return [{ CheckName: 'POLICY_SYNTAX', ErrorMessage: 'The policy must be a JSON object.' }];
  const statements = statementsOf(doc as Record<string, unknown>);
  if (statements === undefined || statements.length === 0) return [{ CheckName: 'POLICY_SYNTAX', ErrorMessage: 'The policy must contain a Statement.' }];
  const findings: PolicyFinding[] = [];
  const version = (doc as Record<string, unknown>).Version;
  if (version !== undefined && version !== '2012-10-17' && version !== '2008-10-17') findings.push({ CheckName: 'POLICY_SYNTAX', ErrorMessage: `The policy Version ${String(version)} is not valid.` });
  statements.forEach((statement, index) => {
    const where = `Statement ${index + 1}`;
    if (typeof statement !== 'object' || statement === null || Array.isArray(statement)) {
      findings.push({ CheckName: 'POLICY_SYNTAX', ErrorMessage: `${where} must be a JSON object.` });
      return;
    }
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') findings.push({ CheckName: 'POLICY_SYNTAX', ErrorMessage: `${where} must have an Effect of Allow or Deny.` });
    if (statement.Action === undefined && statement.NotAction === undefined) findings.push({ CheckName: 'POLICY_SYNTAX', ErrorMessage: `${where} must name an Action or NotAction.` });
    if (statement.Principal === undefined && statement.NotPrincipal === undefined) findings.push({ CheckName: 'POLICY_SYNTAX', ErrorMessage: `${where} of a resource policy must name a Principal.` });
  });
  return findings;
}

function statementsOf(doc: Record<string, unknown>): Statement[] | undefined {
  const statement = doc.Statement;
  if (statement === undefined) return undefined;
  return (Array.isArray(statement) ? statement : [statement]) as Statement[];
}

/**
 * Whether a policy lets anyone in: an Allow statement whose principal is
 * `*` (or `{"AWS": "*"}`) and that no condition narrows. This is the
 * reasonable core of BlockPublicPolicy; AWS's Zelkova analysis sees more.
 */
export function grantsPublicAccess(text: string): boolean {
  const doc = JSON.parse(text) as Record<string, unknown>;
  return (statementsOf(doc) ?? []).some((statement) => statement.Effect === 'Allow' && statement.Condition === undefined && isEveryone(statement.Principal));
}

function isEveryone(principal: unknown): boolean {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const aws = (principal as Record<string, unknown>).AWS;
  return aws === '*' || (Array.isArray(aws) && aws.includes('*'));
}

/** PutResourcePolicy's checks: a well-formed policy, and no public one when BlockPublicPolicy is set. */
export function checkResourcePolicy(text: string, blockPublic: boolean): void {
  const findings = policyFindings(text);
  if (findings.length > 0) throw malformedPolicy(findings[0]!.ErrorMessage);
  if (blockPublic && grantsPublicAccess(text)) throw publicPolicy();
}
