import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { randomPassword } from './random-password.js';

/** A fixed sequence instead of randomness: the rules, not the luck, are tested. */
function sequence(): (n: number) => number {
  let i = 0;
  return (n) => i++ % n;
}

describe('GetRandomPassword', () => {
  test('32 characters by default, with every class present', () => {
    const password = randomPassword({}, sequence());
    assert.equal(password.length, 32);
    for (const pattern of [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/]) assert.match(password, pattern);
  });

  test('exclusions and the space', () => {
    assert.match(randomPassword({ PasswordLength: 50, ExcludeLowercase: true, ExcludeUppercase: true, ExcludePunctuation: true }, sequence()), /^[0-9]{50}$/);
    assert.match(randomPassword({ PasswordLength: 50, ExcludeCharacters: '0123456789', ExcludePunctuation: true }, sequence()), /^[A-Za-z]{50}$/);
    assert.ok(randomPassword({ PasswordLength: 10, IncludeSpace: true }, sequence()).includes(' '));
  });

  test('too short for the required classes is refused, unless each class is not required', () => {
    assert.throws(() => randomPassword({ PasswordLength: 3 }, sequence()), /Password length is too short based on the required types\./);
    assert.equal(randomPassword({ PasswordLength: 3, RequireEachIncludedType: false }, sequence()).length, 3);
  });

  test('everything excluded is refused', () => {
    assert.throws(() => randomPassword({ ExcludeLowercase: true, ExcludeUppercase: true, ExcludeNumbers: true, ExcludePunctuation: true }, sequence()));
  });
});
