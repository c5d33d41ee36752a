import type { ServiceModel, Shape } from '../../api/model/shapes.js';
import type { Random } from './random.js';

/**
 * Valid inputs from a botocore model: every required member, some optional
 * ones, strings that meet the shape's enum, length and (anchored) pattern
 * where one of a few plausible candidates does. Values are in the JSON
 * protocols' form (timestamps as epoch seconds, blobs as base64); the wire
 * encoders turn them into Query parameters or CBOR.
 */
export function validValue(model: ServiceModel, shapeName: string, random: Random, depth = 0): unknown {
  const shape = model.shapes[shapeName]!;
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      const required = new Set(shape.required ?? []);
      const names = Object.keys(shape.members);
      // A union takes exactly one member.
      const chosen = shape.union ? [random.pick(names)] : names.filter((name) => required.has(name) || (depth < 4 && random.chance(0.35)));
      for (const name of chosen) out[name] = validValue(model, shape.members[name]!.shape, random, depth + 1);
      return out;
    }
    case 'list': {
      const count = Math.max(shape.min ?? 0, depth < 4 ? random.int(3) : 0, shape.min ?? 0);
      const capped = Math.min(count, shape.max ?? count, 3);
      return Array.from({ length: Math.max(capped, shape.min ?? 0) }, () => validValue(model, shape.member.shape, random, depth + 1));
    }
    case 'map': {
      const out: Record<string, unknown> = {};
      const count = Math.max(shape.min ?? 0, depth < 4 ? random.int(3) : 0);
      for (let i = 0; i < Math.min(count, 3); i++) {
        out[String(validValue(model, shape.key.shape, random, depth + 1))] = validValue(model, shape.value.shape, random, depth + 1);
      }
      return out;
    }
    case 'string':
      return validString(shape, random);
    case 'integer':
    case 'long': {
      const low = shape.min ?? 0;
      const high = Math.min(shape.max ?? low + 100, low + 100);
      return low + random.int(high - low + 1);
    }
    case 'float':
    case 'double': {
      const low = shape.min ?? 0;
      return low + random.next() * 10;
    }
    case 'boolean':
      return random.chance(0.5);
    case 'timestamp':
      return Math.floor(Date.UTC(2026, 0, 1) / 1000) + random.int(86_400);
    case 'blob':
      return Buffer.from('wharf-fuzz').toString('base64');
  }
}

const CANDIDATES = [
  'fuzz',
  'fuzz-1',
  'Fuzz_1',
  'default',
  '1',
  'a',
  'us-east-1',
  '123456789012',
  'arn:aws:iam::123456789012:role/fuzz',
  'arn:aws:ecs:us-east-1:123456789012:cluster/fuzz',
  'arn:aws:ecs:us-east-1:123456789012:task-definition/fuzz:1',
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/fuzz/0123456789abcdef',
  'arn:aws:logs:us-east-1:123456789012:log-group:fuzz',
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:fuzz-AbCdEf',
  '/fuzz',
  '/fuzz/1',
  'fuzz/1',
  'fuzz.example.com',
  'sg-12345678',
  'subnet-12345678',
  'vpc-12345678',
  'i-0123456789abcdef0',
  '10.0.0.1',
  '10.0.0.0/16',
  'sha256:' + 'a'.repeat(64),
  '{"Version":"2012-10-17","Statement":[]}',
  'fuzz@example.com',
  'AbCdEfGhIjKlMnOpQrStUvWxYz012345',
];

const anchoredCache = new Map<string, RegExp | null>();

/** The model's pattern as AWS applies it: the whole value must match. */
export function anchored(pattern: string): RegExp | null {
  let regex = anchoredCache.get(pattern);
  if (regex === undefined) {
    const source = pattern.replace(/\\p\{(Print|Graph|Alnum|Alpha|Digit)\}/g, (_, name: string) => `[${({ Print: '\\x20-\\x7E', Graph: '\\x21-\\x7E', Alnum: 'A-Za-z0-9', Alpha: 'A-Za-z', Digit: '0-9' } as Record<string, string>)[name]}]`);
    try {
      regex = new RegExp(`^(?:${source})$`, 'u');
    } catch {
      try {
        regex = new RegExp(`^(?:${source})$`);
      } catch {
        regex = null;
      }
    }
    anchoredCache.set(pattern, regex);
  }
  return regex;
}

function validString(shape: Extract<Shape, { type: 'string' }>, random: Random): string {
  if (shape.enum?.length) return random.pick(shape.enum);
  const min = shape.min ?? 0;
  const max = shape.max ?? 1024;
  const regex = shape.pattern ? anchored(shape.pattern) : null;
  const fits = (value: string) => value.length >= min && value.length <= max && (!regex || regex.test(value));
  const start = random.int(CANDIDATES.length);
  for (let i = 0; i < CANDIDATES.length; i++) {
    const candidate = CANDIDATES[(start + i) % CANDIDATES.length]!;
    if (fits(candidate)) return candidate;
  }
  const padded = 'f'.repeat(Math.max(min, 1));
  return padded.slice(0, Math.max(1, Math.min(max, padded.length)));
}
