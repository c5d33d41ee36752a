import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeStreamToken, encodeStreamToken } from './tokens.js';

test('GetLogEvents tokens look like CloudWatch ones and round-trip', () => {
  const token = encodeStreamToken('f', { timestamp: 1717243200000, id: 42 });
  assert.match(token, /^f\/\d{56}$/);
  assert.deepEqual(decodeStreamToken(token), { direction: 'f', at: { timestamp: 1717243200000, id: 42 } });
  assert.equal(decodeStreamToken(encodeStreamToken('b', { timestamp: 0, id: 0 })).direction, 'b');
  for (const bad of ['', 'x/1', 'f/123', `f/${'9'.repeat(56)}`]) {
    assert.throws(() => decodeStreamToken(bad), (error: Error & { code?: string }) => error.code === 'InvalidParameterException');
  }
});
