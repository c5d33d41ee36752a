import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EndpointIds } from './endpoint-ids.js';

const A = 'arn:aws:ecs:us-east-1:123456789012:task/c/aaaa';
const B = 'arn:aws:ecs:us-east-1:123456789012:task/c/bbbb';

test('ids are derived again from the same key after a restart, and differ per task, container and key', () => {
  const ids = new EndpointIds(Buffer.alloc(32, 7));
  const again = new EndpointIds(Buffer.alloc(32, 7));
  assert.equal(again.container(A, 'app'), ids.container(A, 'app'));
  assert.equal(again.credentials(A), ids.credentials(A));
  assert.notEqual(ids.container(A, 'app'), ids.container(A, 'side'));
  assert.notEqual(ids.container(A, 'app'), ids.container(B, 'app'));
  assert.notEqual(ids.credentials(A), ids.credentials(B));
  assert.notEqual(new EndpointIds(Buffer.alloc(32, 8)).credentials(A), ids.credentials(A), 'another key, other ids');
});

test('the shapes ECS uses: 32 hex digits and 10 more for a container, a version 4 UUID for credentials', () => {
  const ids = new EndpointIds(Buffer.alloc(32, 1));
  assert.match(ids.container(A, 'app'), /^[0-9a-f]{32}-[0-9a-f]{10}$/);
  assert.match(ids.credentials(A), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(EndpointIds.same('abc', 'abc'), true);
  assert.equal(EndpointIds.same('abc', 'abd'), false);
  assert.equal(EndpointIds.same('abc', 'abcd'), false);
});
