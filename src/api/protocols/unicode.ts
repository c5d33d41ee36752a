import { isUtf8 } from 'node:buffer';
import { AwsError } from '../../domain/errors.js';
import { UNSLICED, type Slicer } from '../model/time-slices.js';

/**
 * Invalid Unicode is refused at the codec, whatever the protocol: malformed
 * UTF-8 bytes, or a lone UTF-16 surrogate (JSON's `"\ud800"` escape), would
 * otherwise be stored and come back as text no client can decode.
 */
export function invalidUnicode(): AwsError {
  return new AwsError('SerializationException', 'The request contains invalid Unicode: malformed UTF-8 or a lone UTF-16 surrogate.'); // unverified wording
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

export function checkUtf8(body: Uint8Array): void {
  if (!isUtf8(body)) throw invalidUnicode();
}

/**
 * Every string and map key of a decoded request, walked once with an explicit
 * stack: a hostile body may nest arrays tens of thousands deep, which a
 * recursive walk would answer with a stack overflow (a 500) instead of a verdict.
 */
export async function checkWellFormed(value: unknown, slices: Slicer = UNSLICED): Promise<void> {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const pause = slices.tick();
    if (pause) await pause;
    const next = pending.pop();
    if (typeof next === 'string') {
      if (!isWellFormedText(next)) throw invalidUnicode();
    } else if (Array.isArray(next)) {
      for (const item of next) pending.push(item);
    } else if (next !== null && typeof next === 'object' && !(next instanceof Uint8Array) && !(next instanceof Date)) {
      for (const [key, item] of Object.entries(next)) {
        if (!isWellFormedText(key)) throw invalidUnicode();
        pending.push(item);
      }
    }
  }
}

/**
 * Form decoding turns malformed percent-encoded UTF-8 into U+FFFD silently:
 * more U+FFFD in the decoded keys and values than the form text spells out
 * (as the character itself or `%EF%BF%BD`) means some came from bytes that
 * were not UTF-8. These two counts are compared by the form reader
 * (aws-query.ts), piece by piece.
 */
export function countDecodedReplacements(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\uFFFD'); at >= 0; at = text.indexOf('\uFFFD', at + 1)) count++;
  return count;
}

export function countSpelledReplacements(raw: string): number {
  return countDecodedReplacements(raw) + (raw.match(/%EF%BF%BD/gi)?.length ?? 0);
}
