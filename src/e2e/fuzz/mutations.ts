import type { ServiceModel, Shape } from '../../api/model/shapes.js';
import type { Random } from './random.js';
import { validValue } from './values.js';

/**
 * Mutations of a valid input. Tree mutations change the decoded value (the
 * wire encoders then carry it in the service's protocol); byte mutations
 * change the encoded body; envelope mutations change what routes it.
 * Markers stand for what a value tree cannot hold (invalid UTF-8, nesting
 * deeper than JSON.stringify recurses, number literals beyond a double):
 * the encoders splice the raw bytes in after encoding.
 */
export const MARKER = {
  badUtf8: 'WHARFFUZZBADUTF8', // 16 bytes, replaced by 16 bytes of invalid UTF-8
  deepNest: 'WHARFFUZZDEEPNEST', // replaced by arrays nested 20,000 deep
  bigNumber: 'WHARFFUZZBIGNUMBR', // replaced by a number literal no double holds
} as const;

export type Mutation =
  | { readonly kind: 'tree'; readonly name: string; readonly value: unknown }
  | { readonly kind: 'bytes'; readonly name: string; readonly transform: (body: Buffer) => Buffer }
  | { readonly kind: 'envelope'; readonly name: string; readonly contentType?: string; readonly operation?: string; readonly prefix?: string; readonly dropAction?: boolean };

interface Site {
  readonly parent: Record<string, unknown> | unknown[];
  readonly key: string | number;
  readonly shape: Shape | undefined;
}

/** Every place in `value` a mutation can land, with the shape the model gives it (undefined past a mismatch). */
function sites(model: ServiceModel, shape: Shape | undefined, value: unknown, out: Site[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      const itemShape = shape?.type === 'list' ? model.shapes[shape.member.shape] : undefined;
      out.push({ parent: value, key: index, shape: itemShape });
      sites(model, itemShape, item, out);
    });
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const itemShape = shape?.type === 'structure' ? (Object.hasOwn(shape.members, key) ? model.shapes[shape.members[key]!.shape] : undefined) : shape?.type === 'map' ? model.shapes[shape.value.shape] : undefined;
      out.push({ parent: value as Record<string, unknown>, key, shape: itemShape });
      sites(model, itemShape, item, out);
    }
  }
}

function wrongTypeFor(shape: Shape | undefined, current: unknown, random: Random): unknown {
  switch (shape?.type) {
    case 'structure':
    case 'map':
      return random.pick([[], 'x', 1, true]);
    case 'list':
      return random.pick([{}, 'x', 7, false]);
    case 'string':
      return random.pick([1, true, {}, [], 1.5]);
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
      return random.pick(['1', 'x', true, {}, [], '1e3']);
    case 'boolean':
      return random.pick(['true', 1, 0, 'yes', {}]);
    case 'timestamp':
      return random.pick(['yesterday', true, {}, [], '2026-13-45T99:99:99Z']);
    case 'blob':
      return random.pick(['%%%not base64%%%', 1, {}, []]);
    default:
      return typeof current === 'string' ? 1 : 'x';
  }
}

const EXTREME_NUMBERS = [1e308, -1e308, 2 ** 53 + 1, -1, -(2 ** 31) - 1, 2 ** 31, 2 ** 63, -(2 ** 63), 0.5, 5e-324, -0, 4294967296];
const NASTY_STRINGS = ['a\u0001b', '\u0000', 'x\u001b[31mred', '\u007f\u0008\u000b\u000c', 'a\ud800b', '\udfff', '\ufffe\uffff', '<Error>&amp;]]>', "' OR 1=1 --", '../../etc/passwd', '${jndi:x}', '%00', '\r\nX-Injected: 1', ' ', ''];

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Own `__proto__` / `constructor` members, as JSON.parse makes them (an object literal would set the prototype). */
function withPoisonMember(target: Record<string, unknown>, random: Random): void {
  const name = random.pick(['__proto__', 'constructor', 'prototype']);
  Object.defineProperty(target, name, { value: random.pick([{ polluted: 'fuzz' }, { prototype: { polluted: 'fuzz' } }, 'x', null]), enumerable: true, configurable: true, writable: true });
}

const TREE_MUTATIONS = ['missing', 'null', 'wrong-type', 'huge-string', 'nasty-string', 'bad-utf8', 'deep-nesting', 'bad-enum', 'extreme-number', 'big-number-literal', 'extra-member', 'poison-member', 'many-members', 'body-not-object'] as const;

/** One mutation of `valid` (the input of `shapeName`), chosen by `random`. */
export function mutate(model: ServiceModel, shapeName: string | undefined, valid: Record<string, unknown>, random: Random): Mutation {
  const roll = random.next();
  if (roll < 0.1) return bytesMutation(random);
  if (roll < 0.18) return envelopeMutation(random);
  const value = clone(valid);
  const rootShape = shapeName ? model.shapes[shapeName] : undefined;
  const all: Site[] = [];
  sites(model, rootShape, value, all);
  const name = random.pick(TREE_MUTATIONS);
  const site = all.length ? random.pick(all) : undefined;
  const set = (replacement: unknown) => {
    if (site) (site.parent as Record<string | number, unknown>)[site.key] = replacement;
    else value.wharfFuzz = replacement;
  };
  switch (name) {
    case 'missing': {
      // Prefer a required member: its absence must be refused.
      const required = rootShape?.type === 'structure' ? (rootShape.required ?? []) : [];
      if (required.length && random.chance(0.6)) delete value[random.pick(required)];
      else if (site && !Array.isArray(site.parent)) delete (site.parent as Record<string, unknown>)[site.key as string];
      else if (site) (site.parent as unknown[]).splice(site.key as number, 1);
      break;
    }
    case 'null':
      set(null);
      break;
    case 'wrong-type':
      set(wrongTypeFor(site?.shape, site ? (site.parent as Record<string | number, unknown>)[site.key] : undefined, random));
      break;
    case 'huge-string':
      set('x'.repeat(1 << 20));
      break;
    case 'nasty-string':
      set(random.pick(NASTY_STRINGS));
      break;
    case 'bad-utf8':
      set(MARKER.badUtf8);
      break;
    case 'deep-nesting':
      set(MARKER.deepNest);
      break;
    case 'bad-enum': {
      const enums = all.filter((s) => s.shape?.type === 'string' && s.shape.enum?.length);
      const target = enums.length ? random.pick(enums) : site;
      if (target) (target.parent as Record<string | number, unknown>)[target.key] = random.pick(['NOT_A_VALUE', '', 'fargate', 'FARGATE ', 'ACTIVE\u0000']);
      else value.wharfFuzz = 'NOT_A_VALUE';
      break;
    }
    case 'extreme-number':
      set(random.pick(EXTREME_NUMBERS));
      break;
    case 'big-number-literal':
      set(MARKER.bigNumber);
      break;
    case 'extra-member': {
      const objects = all.filter((s) => {
        const item = (s.parent as Record<string | number, unknown>)[s.key];
        return item && typeof item === 'object' && !Array.isArray(item);
      });
      const chosen = objects.length && random.chance(0.5) ? random.pick(objects) : undefined;
      const target = chosen ? ((chosen.parent as Record<string | number, unknown>)[chosen.key] as Record<string, unknown>) : value;
      target[`wharfFuzz${random.int(100)}`] = random.pick([1, 'x', {}, [], null]);
      break;
    }
    case 'poison-member':
      withPoisonMember(value, random);
      break;
    case 'many-members': {
      // Many list entries: the Query decoder's cost per member shows here (30,000 entries, about 1 MB as Query).
      const lists = all.filter((s) => s.shape?.type === 'list');
      const target = lists.length ? random.pick(lists) : undefined;
      const itemShape = target?.shape?.type === 'list' ? target.shape.member.shape : undefined;
      const item = itemShape ? validValue(model, itemShape, random, 5) : 'x';
      const many = Array.from({ length: 30_000 }, () => item);
      if (target) (target.parent as Record<string | number, unknown>)[target.key] = many;
      else value.wharfFuzz = many;
      break;
    }
    case 'body-not-object':
      return { kind: 'tree', name, value: random.pick([[], 'x', 1, null, true]) };
  }
  return { kind: 'tree', name, value };
}

function bytesMutation(random: Random): Mutation {
  const which = random.pick(['truncated', 'random-bytes', 'empty-garbage'] as const);
  if (which === 'truncated') return { kind: 'bytes', name: which, transform: (body) => body.subarray(0, Math.max(0, body.length - 1 - random.int(Math.max(1, body.length)))) };
  if (which === 'empty-garbage') return { kind: 'bytes', name: which, transform: () => Buffer.from(random.pick(['\u0000', '{', '[', '"', '\xff\xfe', 'null', '{"a":', '<xml/>', '\u00a1'])) };
  return {
    kind: 'bytes',
    name: which,
    transform: (body) => {
      const bytes = Buffer.from(body);
      const edits = 1 + random.int(8);
      for (let i = 0; i < edits && bytes.length; i++) bytes[random.int(bytes.length)] = random.int(256);
      return bytes;
    },
  };
}

function envelopeMutation(random: Random): Mutation {
  const which = random.pick(['content-type', 'operation', 'prefix', 'no-action'] as const);
  switch (which) {
    case 'content-type':
      return { kind: 'envelope', name: which, contentType: random.pick(['text/plain', 'application/json', 'application/x-www-form-urlencoded', 'application/cbor', '', 'application/x-amz-json-1.0', 'application/x-amz-json-1.1', 'multipart/form-data; boundary=x', 'application/xml']) };
    case 'operation':
      return { kind: 'envelope', name: which, operation: random.pick(['NoSuchOperation', 'constructor', '__proto__', 'hasOwnProperty', 'toString', '', 'x'.repeat(5000), 'Describe Clusters', 'ListTasks\u0000']) };
    case 'prefix':
      return { kind: 'envelope', name: which, prefix: random.pick(['NoSuchService', '', '__proto__', 'constructor', 'AmazonEC2ContainerServiceV20141113', 'Logs_20140328', 'GraniteServiceVersion20100801']) };
    case 'no-action':
      return { kind: 'envelope', name: which, dropAction: true };
  }
}
