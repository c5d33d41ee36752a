import { AwsError } from '../../domain/errors.js';
import type { MemberRef, ServiceModel, Shape } from './shapes.js';
import { UNSLICED, type Slicer } from './time-slices.js';

/**
 * Checks a decoded request against the operation's input shape, as the AWS
 * front ends do before any business logic runs:
 * - a value of the wrong JSON type is a SerializationException, at once;
 * - every broken constraint (required, enum, range, length, pattern) is
 *   collected into one "N validation errors detected: ..." message, the form
 *   Coral-based AWS services use, under the service's own validation code.
 * Unknown members are ignored, as AWS does, so newer clients keep working.
 * Returns the input with timestamps turned into Dates. The walk is
 * time-sliced (`options.slices`): a list of a hundred thousand members is
 * checked with other requests answered in between.
 */
export async function validateInput(model: ServiceModel, shapeName: string, input: unknown, validationCode: string, options: ValidateOptions = {}): Promise<unknown> {
  const problems: string[] = [];
  const walk: Walk = { name: options.lowerCamelPaths ? lowerCamel : (name) => name, skip: options.handlerCheckedPatterns ?? NONE, slices: options.slices ?? UNSLICED };
  const value = await check(model, model.shapes[shapeName]!, input, '', problems, walk);
  if (problems.length > 0) {
    const count = problems.length === 1 ? '1 validation error detected' : `${problems.length} validation errors detected`;
    throw new AwsError(validationCode, `${count}: ${problems.slice(0, 10).join('; ')}`);
  }
  return value;
}

export interface ValidateOptions {
  /**
   * Name members in messages in lower camel case, as the Query services do
   * (IAM, STS, ELBv2 say `at 'roleName'` for the model's `RoleName`).
   */
  readonly lowerCamelPaths?: boolean;
  /** String shapes whose pattern the handler checks itself, because the service answers with its own message (IAM's paths). */
  readonly handlerCheckedPatterns?: ReadonlySet<string>;
  /** Gives way to the event loop between slices of a large input; absent: one synchronous walk. */
  readonly slices?: Slicer;
}

interface Walk {
  readonly name: (member: string) => string;
  readonly skip: ReadonlySet<string>;
  readonly slices: Slicer;
}

const NONE: ReadonlySet<string> = new Set();

function lowerCamel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

const regexCache = new Map<string, RegExp | null>();

/** Java's POSIX classes (ASCII-only, as Java reads them by default), which JavaScript lacks: `\p{Print}` would match the letters `p{Print}`. */
const JAVA_POSIX_CLASSES: Record<string, string> = { Print: '\\x20-\\x7E', Graph: '\\x21-\\x7E', Alnum: 'A-Za-z0-9', Alpha: 'A-Za-z', Digit: '0-9' };
const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);

function compilePattern(pattern: string): RegExp | null {
  let regex = regexCache.get(pattern);
  if (regex === undefined) {
    const source = pattern.replace(/\\p\{(Print|Graph|Alnum|Alpha|Digit)\}/g, (_, name: string) => `[${JAVA_POSIX_CLASSES[name]}]`);
    // AWS checks patterns as Java's `matches()` does: the whole value must match,
    // whether or not the model anchors its own. The group keeps an alternation
    // (`a|b`) from anchoring only its first and last branch.
    try {
      regex = new RegExp(`^(?:${source})$`, 'u');
    } catch {
      try {
        regex = new RegExp(`^(?:${source})$`);
      } catch {
        regex = null; // A Java-only construct: skip rather than refuse valid input.
      }
    }
    regexCache.set(pattern, regex);
  }
  return regex;
}

function serialization(path: string, expected: string): AwsError {
  return new AwsError('SerializationException', `Unexpected value at '${path || 'request body'}': expected ${expected}.`);
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}

function join(path: string, member: string): string {
  return path ? `${path}.${member}` : member;
}

async function check(model: ServiceModel, shape: Shape, value: unknown, path: string, problems: string[], walk: Walk, shapeName = ''): Promise<unknown> {
  const pause = walk.slices.tick();
  if (pause) await pause;
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw serialization(path, 'an object');
      const input = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const required of shape.required ?? []) {
        if (input[required] === undefined || input[required] === null) {
          problems.push(`Value null at '${join(path, walk.name(required))}' failed to satisfy constraint: Member must not be null`);
        }
      }
      for (const [memberName, raw] of Object.entries(input)) {
        // hasOwn: a member named like `constructor` must not find Object.prototype's.
        const member: MemberRef | undefined = Object.hasOwn(shape.members, memberName) ? shape.members[memberName] : undefined;
        if (!member || raw === null || raw === undefined) continue;
        out[memberName] = await check(model, model.shapes[member.shape]!, raw, join(path, walk.name(memberName)), problems, walk, member.shape);
      }
      return out;
    }
    case 'list': {
      if (!Array.isArray(value)) throw serialization(path, 'a list');
      checkSize(value.length, shape, path, 'length', problems);
      const memberShape = model.shapes[shape.member.shape]!;
      const out: unknown[] = [];
      for (const [index, item] of value.entries()) out.push(await check(model, memberShape, item, `${path}.${index + 1}.member`, problems, walk, shape.member.shape));
      return out;
    }
    case 'map': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw serialization(path, 'a map');
      const entries = Object.entries(value as Record<string, unknown>);
      checkSize(entries.length, shape, path, 'length', problems);
      const keyShape = model.shapes[shape.key.shape]!;
      const valueShape = model.shapes[shape.value.shape]!;
      const out: Record<string, unknown> = {};
      for (const [key, item] of entries) {
        await check(model, keyShape, key, `${path}.key`, problems, walk, shape.key.shape);
        out[key] = await check(model, valueShape, item, `${path}.${key}`, problems, walk, shape.value.shape);
      }
      return out;
    }
    case 'string': {
      if (typeof value !== 'string') throw serialization(path, 'a string');
      if (shape.enum && !shape.enum.includes(value)) {
        problems.push(`Value '${describe(value)}' at '${path}' failed to satisfy constraint: Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
      }
      checkSize(value.length, shape, path, 'length', problems, shape.sensitive ? undefined : value);
      if (shape.pattern && !walk.skip.has(shapeName)) {
        const regex = compilePattern(shape.pattern);
        if (regex && !regex.test(value)) {
          problems.push(`Value '${shape.sensitive ? '***' : describe(value)}' at '${path}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${shape.pattern}`);
        }
      }
      return value;
    }
    case 'integer':
    case 'long': {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw serialization(path, shape.type === 'long' ? 'a long integer' : 'an integer');
      checkRange(value, shape, path, problems);
      return value;
    }
    case 'float':
    case 'double': {
      // NaN and the infinities are doubles too: CBOR carries them as floats,
      // JSON as the strings "NaN", "Infinity", "-Infinity". The service decides
      // whether it takes them (CloudWatch refuses them as metric values).
      const number = typeof value === 'string' && NON_FINITE.has(value) ? Number(value) : value;
      if (typeof number !== 'number') throw serialization(path, 'a number');
      if (Number.isFinite(number)) checkRange(number, shape, path, problems);
      return number;
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw serialization(path, 'a boolean');
      return value;
    case 'timestamp': {
      // CBOR hands over Dates (tag 1); JSON epoch seconds; Query ISO text.
      const date = value instanceof Date ? value : typeof value === 'number' ? new Date(value * 1000) : typeof value === 'string' ? new Date(value) : undefined;
      if (!date || Number.isNaN(date.getTime())) throw serialization(path, 'a timestamp');
      return date;
    }
    case 'blob': {
      // Handlers see base64 text whatever the protocol: CBOR's byte strings are encoded here.
      if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
      if (typeof value !== 'string') throw serialization(path, 'base64-encoded data');
      return value;
    }
  }
}

function checkSize(size: number, shape: { min?: number; max?: number }, path: string, what: string, problems: string[], value?: string): void {
  const shown = value === undefined ? '' : ` '${describe(value)}'`;
  if (shape.min !== undefined && size < shape.min) {
    problems.push(`Value${shown} at '${path}' failed to satisfy constraint: Member must have ${what} greater than or equal to ${shape.min}`);
  }
  if (shape.max !== undefined && size > shape.max) {
    problems.push(`Value${shown} at '${path}' failed to satisfy constraint: Member must have ${what} less than or equal to ${shape.max}`);
  }
}

function checkRange(value: number, shape: { min?: number; max?: number }, path: string, problems: string[]): void {
  if (shape.min !== undefined && value < shape.min) {
    problems.push(`Value '${value}' at '${path}' failed to satisfy constraint: Member must have value greater than or equal to ${shape.min}`);
  }
  if (shape.max !== undefined && value > shape.max) {
    problems.push(`Value '${value}' at '${path}' failed to satisfy constraint: Member must have value less than or equal to ${shape.max}`);
  }
}
