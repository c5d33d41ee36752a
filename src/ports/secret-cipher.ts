/**
 * Encryption at rest for secret values (Secrets Manager secrets, SSM
 * SecureString parameters): the API and the task supervisor seal and open
 * through this port, so the store only ever holds ciphertext. The adapter
 * holds the key (a file in the data directory with owner-only permissions,
 * or one the operator supplies) and uses an authenticated cipher.
 */
export interface SecretCipher {
  /**
   * Encrypts `plaintext`. `context` (for example the secret's ARN and version
   * id) is bound to the ciphertext as associated data, so a sealed value copied
   * onto another record does not open.
   */
  seal(plaintext: string, context: string): string;
  /** Decrypts what `seal` returned for the same context; throws when it was tampered with. */
  open(sealed: string, context: string): string;
}
