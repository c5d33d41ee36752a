/**
 * Temporary credentials (STS AssumeRole, ECS task roles): minted for a role,
 * accepted by Wharf's SigV4 verifier with their session token until they
 * expire, and identifying the assumed role (GetCallerIdentity).
 *
 * The adapter may keep them stateless (the session token an authenticated
 * statement of who and until when, the secret derived from a server key), so
 * credentials handed to running tasks survive a Wharf restart.
 */
export interface SessionIdentity {
  readonly account: string;
  /** The role assumed: arn:aws:iam::<account>:role/<path><name>. */
  readonly roleArn: string;
  readonly sessionName: string;
}

export interface TemporaryCredentials {
  /** ASIA... as AWS's temporary keys. */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export interface VerifiedSession {
  readonly identity: SessionIdentity;
  readonly secretAccessKey: string;
  readonly expiration: Date;
}

export interface SessionCredentials {
  mint(identity: SessionIdentity, now: Date, durationSeconds: number): TemporaryCredentials;
  /**
   * The session behind an access key id and session token, or undefined when
   * the token is not one this Wharf issued for that key. Expiry is not checked
   * here: the verifier answers an expired token with ExpiredToken.
   */
  verify(accessKeyId: string, sessionToken: string): VerifiedSession | undefined;
}
