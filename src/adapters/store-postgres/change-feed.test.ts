import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeChanges, encodeChanges, type Change } from './change-feed.js';

const scope = { account: '123456789012', region: 'us-east-1' };

test('changes are split into payloads under the limit and decode back in order', () => {
  const changes: Change[] = Array.from({ length: 300 }, (_, i) => ({ kind: 'task', scope, id: `cluster/task-${i}-\u00e9\u{1f600}` }));
  const payloads = encodeChanges('token', changes, 1000);
  assert.ok(payloads.length > 1);
  for (const payload of payloads) assert.ok(Buffer.byteLength(payload) <= 1000, `${Buffer.byteLength(payload)} bytes`);
  const decoded = payloads.map((payload) => decodeChanges(payload)!);
  assert.ok(decoded.every((payload) => payload.token === 'token'));
  assert.deepEqual(decoded.flatMap((payload) => payload.changes), changes);
});

test('one payload when the changes fit, none for no changes, and a change too large for any payload is left out', () => {
  assert.equal(encodeChanges('t', [{ kind: 'k', scope, id: 'a' }]).length, 1);
  assert.deepEqual(encodeChanges('t', []), []);
  const huge = { kind: 'k', scope, id: 'x'.repeat(2000) };
  assert.deepEqual(encodeChanges('t', [huge, { kind: 'k', scope, id: 'b' }], 1000).flatMap((payload) => decodeChanges(payload)!.changes.map((change) => change.id)), ['b']);
});

test('a payload of another shape is ignored', () => {
  assert.equal(decodeChanges('not json'), undefined);
  assert.equal(decodeChanges('{"t":1,"c":[]}'), undefined);
  assert.equal(decodeChanges('{"t":"x","c":[["k","a","r"]]}'), undefined);
});
