import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TimeSlices } from '../model/time-slices.js';
import { checkUtf8, checkWellFormed } from './unicode.js';

const refused = { code: 'SerializationException' };

test('lone surrogates are refused in values and keys, pairs are kept', async () => {
  await checkWellFormed({ a: ['x\u{1F600}', { b: 'é' }], n: 1 });
  await assert.rejects(checkWellFormed(JSON.parse('{"principalArn":"\\ud800"}')), refused);
  await assert.rejects(checkWellFormed({ list: ['ok', 'a\uDC00'] }), refused);
  await assert.rejects(checkWellFormed({ ['k\uD83D']: 'v' }), refused);
});

test('a body nested far deeper than the call stack is walked, not overflowed', async () => {
  const deep = JSON.parse(`{"name":${'['.repeat(50_000)}"a\\ud800"${']'.repeat(50_000)}}`);
  await assert.rejects(checkWellFormed(deep), refused);
  await checkWellFormed(JSON.parse(`{"name":${'['.repeat(50_000)}"fine"${']'.repeat(50_000)}}`));
});

test('a wide body is walked in slices that give way to the event loop', async () => {
  const slices = new TimeSlices({ budgetMs: 0, checkEvery: 1000 });
  await checkWellFormed({ names: Array.from({ length: 10_000 }, (_, index) => `name-${index}`) }, slices);
  assert.ok(slices.yields >= 10, `gave way ${slices.yields} times`);
  const unsliced = new TimeSlices({ budgetMs: 60_000, checkEvery: 1000 });
  await checkWellFormed({ names: Array.from({ length: 10_000 }, (_, index) => `name-${index}`) }, unsliced);
  assert.equal(unsliced.yields, 0);
});

test('malformed UTF-8 bodies are refused', () => {
  checkUtf8(Buffer.from('{"a":"é"}'));
  assert.throws(() => checkUtf8(Buffer.from([0x7b, 0xed, 0xa0, 0x80, 0x7d])), refused);
});
