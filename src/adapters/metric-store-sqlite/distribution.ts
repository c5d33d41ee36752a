/**
 * The values of one bucket, for percentiles, kept bounded in size:
 * - exact (value -> count) up to EXACT_LIMIT distinct values;
 * - past that, a log-scale histogram: each value is replaced by the middle of
 *   its bin (bins grow by a factor gamma), so every value is off by at most
 *   a relative error alpha = (gamma - 1) / (gamma + 1), 0.5% at first. Zero
 *   keeps its own bin and negative values mirror the positive bins.
 * - when more than MAX_BINS bins are occupied, neighbouring bins are merged
 *   pairwise (gamma squared), so the error doubles per merge: dense values
 *   spanning 2 decades fit in 200 bins at 2%, 4 decades at 4%, 12 decades
 *   at 8%; values of both signs share the bins, so one step more (16%).
 *   A bucket's blob is thus at most 16 bytes per entry, 3.2 KB.
 * Sums, counts, minimum and maximum are stored apart and stay exact.
 *
 * Merging is exact for exact sketches and bin-for-bin for histograms: a bin's
 * middle falls back into the same bin (and a coarser level's bins are unions
 * of the finer level's), so rolling buckets up never drifts.
 */
export const EXACT_LIMIT = 100;
export const MAX_BINS = 200;
const BASE_ALPHA = 0.005;
const BASE_GAMMA = (1 + BASE_ALPHA) / (1 - BASE_ALPHA);

export interface Sketch {
  /** -1: exact values; k >= 0: histogram with gamma = BASE_GAMMA^(2^k). */
  level: number;
  /** Value (or bin middle) -> count. */
  readonly entries: Map<number, number>;
}

export function emptySketch(): Sketch {
  return { level: -1, entries: new Map() };
}

/** The relative error bound of a sketch's values (0 while exact). */
export function relativeError(sketch: Sketch): number {
  if (sketch.level < 0) return 0;
  const gamma = gammaAt(sketch.level);
  return (gamma - 1) / (gamma + 1);
}

function gammaAt(level: number): number {
  return BASE_GAMMA ** (2 ** level);
}

function binMiddle(value: number, level: number): number {
  if (value === 0) return 0;
  const gamma = gammaAt(level);
  const magnitude = Math.abs(value);
  const index = Math.ceil(Math.log(magnitude) / Math.log(gamma));
  const middle = (2 * gamma ** index) / (gamma + 1);
  // Beyond float range (|v| near 1e308): keep the value itself rather than Infinity.
  const kept = Number.isFinite(middle) && middle > 0 ? middle : magnitude;
  return value < 0 ? -kept : kept;
}

function add(sketch: Sketch, value: number, count: number): void {
  const key = sketch.level < 0 ? value : binMiddle(value, sketch.level);
  sketch.entries.set(key, (sketch.entries.get(key) ?? 0) + count);
}

/** Rebuilds the entries at `level` (coarser or equal to the current one). */
function rebin(sketch: Sketch, level: number): void {
  const old = [...sketch.entries];
  sketch.entries.clear();
  sketch.level = level;
  for (const [value, count] of old) add(sketch, value, count);
}

function bound(sketch: Sketch): void {
  if (sketch.level < 0 && sketch.entries.size > EXACT_LIMIT) rebin(sketch, 0);
  while (sketch.level >= 0 && sketch.entries.size > MAX_BINS) rebin(sketch, sketch.level + 1);
}

/** Adds one value (with its count) to a sketch in place. */
export function addValue(sketch: Sketch, value: number, count: number): void {
  if (count <= 0) return;
  add(sketch, value, count);
  if (sketch.entries.size > (sketch.level < 0 ? EXACT_LIMIT : MAX_BINS)) bound(sketch);
}

/** Adds values (with counts) to a sketch in place. */
export function addValues(sketch: Sketch, values: Iterable<{ readonly value: number; readonly count: number }>): void {
  for (const { value, count } of values) {
    if (count > 0) add(sketch, value, count);
    // Check as we go so a huge batch never holds more than a bounded map.
    if (sketch.entries.size > (sketch.level < 0 ? EXACT_LIMIT : MAX_BINS)) bound(sketch);
  }
  bound(sketch);
}

/** Merges `other` into `into` (in place), at the coarser of the two levels. */
export function mergeSketch(into: Sketch, other: Sketch): void {
  if (other.level > into.level) rebin(into, other.level);
  if (into.level === other.level) {
    for (const [value, count] of other.entries) {
      into.entries.set(value, (into.entries.get(value) ?? 0) + count);
    }
  } else {
    for (const [value, count] of other.entries) add(into, value, count);
  }
  bound(into);
}

export function sketchEntries(sketch: Sketch): { value: number; count: number }[] {
  return [...sketch.entries].map(([value, count]) => ({ value, count })).sort((a, b) => a.value - b.value);
}

/** Binary form: float64 level, then value/count pairs. */
export function encodeSketch(sketch: Sketch): Buffer {
  const numbers = new Float64Array(1 + sketch.entries.size * 2);
  numbers[0] = sketch.level;
  let i = 1;
  for (const [value, count] of sketch.entries) {
    numbers[i++] = value;
    numbers[i++] = count;
  }
  return Buffer.from(numbers.buffer, numbers.byteOffset, numbers.byteLength);
}

export function decodeSketch(blob: Uint8Array): Sketch {
  // Copy: the blob's byte offset need not be 8-aligned.
  const numbers = new Float64Array(new Uint8Array(blob).buffer);
  const sketch: Sketch = { level: numbers[0] ?? -1, entries: new Map() };
  for (let i = 1; i + 1 < numbers.length; i += 2) sketch.entries.set(numbers[i]!, numbers[i + 1]!);
  return sketch;
}
