import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addValues, decodeSketch, emptySketch, encodeSketch, EXACT_LIMIT, MAX_BINS, mergeSketch, relativeError, sketchEntries } from './distribution.js';

const ones = (values: number[]) => values.map((value) => ({ value, count: 1 }));

test('exact up to the limit of distinct values, counts merged', () => {
  const sketch = emptySketch();
  addValues(sketch, [{ value: 5, count: 2 }, { value: -1, count: 1 }, { value: 5, count: 0.5 }, { value: 0, count: 3 }, { value: 9, count: 0 }]);
  assert.deepEqual(sketchEntries(sketch), [{ value: -1, count: 1 }, { value: 0, count: 3 }, { value: 5, count: 2.5 }]);
  assert.equal(relativeError(sketch), 0);
  const full = emptySketch();
  addValues(full, ones(Array.from({ length: EXACT_LIMIT }, (_, i) => i)));
  assert.equal(full.level, -1);
  addValues(full, ones([1000]));
  assert.equal(full.level >= 0, true, 'one more distinct value turns it into a histogram');
});

test('two decades of dense values keep 2%', () => {
  const sketch = emptySketch();
  addValues(sketch, ones(Array.from({ length: 20_000 }, (_, i) => 1 + i / 200)));
  assert.ok(sketch.entries.size <= MAX_BINS);
  assert.ok(relativeError(sketch) <= 0.021, `alpha ${relativeError(sketch)}`);
});

test('histograms stay bounded and every value is within the stated relative error', () => {
  const values = Array.from({ length: 20_000 }, (_, i) => (i % 2 ? -1 : 1) * 10 ** ((i % 97) / 8) * (1 + (i % 13) / 13));
  const sketch = emptySketch();
  addValues(sketch, ones(values));
  const entries = sketchEntries(sketch);
  assert.ok(entries.length <= MAX_BINS, `${entries.length} bins`);
  assert.equal(entries.reduce((sum, e) => sum + e.count, 0), values.length);
  const alpha = relativeError(sketch);
  // 12 decades of both signs: five pairwise merges, 16%.
  assert.ok(alpha > 0 && alpha < 0.17, `alpha ${alpha}`);
  // Each value's own bin middle is within alpha of it: check via a one-value merge at the same level.
  for (const value of values.slice(0, 500)) {
    const single = { level: sketch.level, entries: new Map<number, number>() };
    addValues(single, ones([value]));
    const [middle] = single.entries.keys();
    assert.ok(Math.abs(middle! - value) <= alpha * Math.abs(value) * (1 + 1e-9), `${value} -> ${middle}`);
    assert.ok(sketch.entries.has(middle!), 'the bin is one of the sketch\'s');
  }
});

test('merging is exact for exact sketches and bin-for-bin at the coarser level', () => {
  const a = emptySketch();
  const b = emptySketch();
  addValues(a, ones([1, 2, 3]));
  addValues(b, ones([3, 4]));
  mergeSketch(a, b);
  assert.deepEqual(sketchEntries(a), [{ value: 1, count: 1 }, { value: 2, count: 1 }, { value: 3, count: 2 }, { value: 4, count: 1 }]);

  const many = Array.from({ length: 3000 }, (_, i) => 1 + i);
  const whole = emptySketch();
  addValues(whole, ones(many));
  const left = emptySketch();
  const right = emptySketch();
  addValues(left, ones(many.slice(0, 1500)));
  addValues(right, ones(many.slice(1500)));
  mergeSketch(left, right);
  assert.equal(left.level, whole.level);
  assert.deepEqual(sketchEntries(left), sketchEntries(whole));
  // Merging a merged sketch again changes no bin.
  const again = { level: left.level, entries: new Map(left.entries) };
  mergeSketch(again, emptySketch());
  assert.deepEqual(sketchEntries(again), sketchEntries(left));
});

test('the binary form round-trips', () => {
  const sketch = emptySketch();
  addValues(sketch, ones(Array.from({ length: 500 }, (_, i) => i * 1.5 - 100)));
  const decoded = decodeSketch(Buffer.concat([Buffer.from([7]), encodeSketch(sketch)]).subarray(1));
  assert.equal(decoded.level, sketch.level);
  assert.deepEqual(sketchEntries(decoded), sketchEntries(sketch));
});
