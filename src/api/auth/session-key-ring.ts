import { assumedRoleArn, parseRoleArn } from '../../domain/iam/names.js';
import type { SessionCredentials, SessionIdentity } from '../../ports/session-credentials.js';
import type { AccessKey, KeyRing } from './sigv4.js';

/**
 * The configured keys plus the temporary ones STS and task roles hand out:
 * an ASIA key is accepted with the session token it was minted with, signs
 * with the secret derived for it, and speaks for the assumed role.
 * Admin rights come only from the configured ring, never from a session.
 */
export class SessionKeyRing implements KeyRing {
  constructor(
    private readonly configured: KeyRing,
    private readonly sessions: SessionCredentials,
  ) {}

  lookup(accessKeyId: string, sessionToken?: string): AccessKey | undefined {
    const configured = this.configured.lookup(accessKeyId, sessionToken);
    if (configured) return configured;
    if (!accessKeyId.startsWith('ASIA') || sessionToken === undefined) return undefined;
    const session = this.sessions.verify(accessKeyId, sessionToken);
    if (!session) return undefined;
    return {
      accessKeyId,
      secretAccessKey: session.secretAccessKey,
      account: session.identity.account,
      sessionToken,
      expiresAt: session.expiration,
      principalArn: sessionPrincipal(session.identity),
    };
  }
}

/**
 * Who a session speaks for: `arn:aws:sts::<account>:assumed-role/<role>/<session>`
 * for a role session; GetSessionToken's sessions carry the caller's own ARN.
 */
export function sessionPrincipal(identity: SessionIdentity): string {
  const role = parseRoleArn(identity.roleArn);
  return role ? assumedRoleArn(role, identity.sessionName) : identity.roleArn;
}
