import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkFormUtf8, checkUtf8, checkWellFormed } from './unicode.js';

const refused = { code: 'SerializationException' };

test('lone surrogates are refused in values and keys, pairs are kept', () => {
  checkWellFormed({ a: ['x\u{1F600}', { b: 'é' }], n: 1 });
  assert.throws(() => checkWellFormed(JSON.parse('{"principalArn":"\\ud800"}')), refused);
  assert.throws(() => checkWellFormed({ list: ['ok', 'a\uDC00'] }), refused);
  assert.throws(() => checkWellFormed({ ['k\uD83D']: 'v' }), refused);
});

test('a body nested far deeper than the call stack is walked, not overflowed', () => {
  const deep = JSON.parse(`{"name":${'['.repeat(50_000)}"a\\ud800"${']'.repeat(50_000)}}`);
  assert.throws(() => checkWellFormed(deep), refused);
  checkWellFormed(JSON.parse(`{"name":${'['.repeat(50_000)}"fine"${']'.repeat(50_000)}}`));
});

test('malformed UTF-8 bodies are refused', () => {
  checkUtf8(Buffer.from('{"a":"é"}'));
  assert.throws(() => checkUtf8(Buffer.from([0x7b, 0xed, 0xa0, 0x80, 0x7d])), refused);
});

test('form bodies: percent-encoded malformed UTF-8 is refused, a spelled-out U+FFFD is not', () => {
  const check = (raw: string) => checkFormUtf8(raw, new URLSearchParams(raw));
  check('Action=X&Description=%EF%BF%BD');
  check('Action=X&Description=caf%C3%A9');
  assert.throws(() => check('Action=X&Description=%ED%A0%80'), refused);
  assert.throws(() => check('Action=X&Description=%FF'), refused);
});
