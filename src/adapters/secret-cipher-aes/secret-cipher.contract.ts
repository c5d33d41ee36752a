import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SecretCipher } from '../../ports/secret-cipher.js';

/** What every SecretCipher must do: round-trip, hide the plaintext, and refuse tampering or another context. */
export function secretCipherContract(name: string, make: () => SecretCipher): void {
  describe(`SecretCipher contract: ${name}`, () => {
    test('opens what it sealed, for the same context, including empty and non-ASCII text', () => {
      const cipher = make();
      for (const text of ['s3cr3t', '', '{"user":"admin","password":"pä$$ 🔑"}', 'x'.repeat(70_000)]) {
        assert.equal(cipher.open(cipher.seal(text, 'arn:secret:a|v1'), 'arn:secret:a|v1'), text);
      }
    });

    test('the sealed text does not contain the plaintext and differs on every seal', () => {
      const cipher = make();
      const a = cipher.seal('plain-value-123', 'c');
      const b = cipher.seal('plain-value-123', 'c');
      assert.notEqual(a, b);
      assert.ok(!a.includes('plain-value-123'));
      assert.ok(!Buffer.from(a).includes(Buffer.from('plain-value-123').toString('base64')));
    });

    test('a tampered value throws', () => {
      const cipher = make();
      const sealed = cipher.seal('s3cr3t', 'c');
      const last = sealed.at(-2) === 'A' ? 'B' : 'A';
      assert.throws(() => cipher.open(`${sealed.slice(0, -2)}${last}${sealed.at(-1)}`, 'c'));
      assert.throws(() => cipher.open(sealed.slice(0, 20), 'c'));
      assert.throws(() => cipher.open('garbage', 'c'));
    });

    test('another context throws: a sealed value copied to another record does not open', () => {
      const cipher = make();
      assert.throws(() => cipher.open(cipher.seal('s3cr3t', 'arn:a|v1'), 'arn:b|v1'));
    });

    test('another key throws', () => {
      assert.throws(() => make().open(make().seal('s3cr3t', 'c'), 'c'));
    });
  });
}
