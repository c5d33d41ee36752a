import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePageToken, page } from './pagination.js';

/** Pages through `items` with `size` and returns what each page showed. */
function pageAll(items: readonly { id: string }[], size: number): { seen: string[]; pages: number } {
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const result = page(items, (item) => item.id, decodePageToken(token), size);
    seen.push(...result.items.map((item) => item.id));
    token = result.nextToken;
    pages++;
    // A token is given exactly when something is left to show.
    assert.equal(token !== undefined, seen.length < items.length, `size ${size}, page ${pages}`);
    assert.ok(pages <= items.length + 1, 'paging does not end');
  } while (token !== undefined);
  return { seen, pages };
}

test('every page size from 1 to N shows each item exactly once, in id order, with a token exactly while items remain', () => {
  for (const n of [0, 1, 2, 7, 50, 101]) {
    const ids = Array.from({ length: n }, (_, i) => `item-${String(i).padStart(4, '0')}`);
    for (let size = 1; size <= Math.max(1, n + 1); size++) {
      const { seen, pages } = pageAll(ids.map((id) => ({ id })), size);
      assert.deepEqual(seen, ids, `n ${n}, size ${size}`);
      assert.equal(pages, Math.max(1, Math.ceil(n / size)));
    }
  }
});

test('items handed over out of id order are paged in id order, not skipped or repeated', () => {
  // Newest first, as ListServiceDeployments keeps them.
  const ids = Array.from({ length: 101 }, (_, i) => `k-${String(1000 - i).padStart(4, '0')}`);
  for (const size of [1, 3, 20, 50, 100]) {
    const { seen } = pageAll(ids.map((id) => ({ id })), size);
    assert.deepEqual(seen, [...ids].sort(), `size ${size}`);
  }
});
