import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { AesGcmSecretCipher, SecretKeyError } from './aes-gcm-secret-cipher.js';
import { secretCipherContract } from './secret-cipher.contract.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-cipher-'));
  dirs.push(dir);
  return dir;
}
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

secretCipherContract('AES-256-GCM', () => new AesGcmSecretCipher(randomBytes(32)));

describe('the AES-GCM cipher key', () => {
  test('is made on first use as 32 bytes with mode 0600 and reused after', () => {
    const dir = tempDir();
    const first = AesGcmSecretCipher.inDataDir(dir);
    const file = join(dir, 'secrets.key');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file).length, 32);
    const sealed = first.seal('s3cr3t', 'ctx');
    assert.equal(AesGcmSecretCipher.inDataDir(dir).open(sealed, 'ctx'), 's3cr3t');
  });

  test('refuses a key file others can read, naming the fix', () => {
    const dir = tempDir();
    AesGcmSecretCipher.inDataDir(dir);
    chmodSync(join(dir, 'secrets.key'), 0o644);
    assert.throws(() => AesGcmSecretCipher.inDataDir(dir), (error: Error) => error instanceof SecretKeyError && /chmod 600/.test(error.message));
  });

  test('refuses a key file of the wrong size', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'secrets.key'), randomBytes(16), { mode: 0o600 });
    assert.throws(() => AesGcmSecretCipher.inDataDir(dir), (error: Error) => error instanceof SecretKeyError && /exactly 32 bytes/.test(error.message));
  });

  test('an operator key may be raw, base64 or hex; anything else is refused', () => {
    const key = randomBytes(32);
    const sealed = new AesGcmSecretCipher(key).seal('v', 'c');
    for (const material of [key, Buffer.from(`${key.toString('base64')}\n`), Buffer.from(key.toString('hex'))]) {
      assert.equal(AesGcmSecretCipher.fromOperatorKey(material, 'WHARF_SECRETS_KEY').open(sealed, 'c'), 'v');
    }
    assert.throws(() => AesGcmSecretCipher.fromOperatorKey(Buffer.from('short'), 'WHARF_SECRETS_KEY'), SecretKeyError);
  });
});
