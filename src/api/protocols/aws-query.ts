import { XMLBuilder } from 'fast-xml-parser';
import { AwsError } from '../../domain/errors.js';
import type { MemberRef, ServiceModel, Shape } from '../model/shapes.js';
import { toTimestamp } from '../model/serialize-output.js';
import type { Slicer } from '../model/time-slices.js';
import { countDecodedReplacements, countSpelledReplacements, invalidUnicode } from './unicode.js';

/**
 * The AWS Query protocol (STS, IAM, ELBv2): form-encoded parameters in,
 * XML out. Decoding turns the flattened keys (`Names.member.1`,
 * `Attributes.entry.1.key`) back into the JSON shape the handlers and the
 * validator share with the JSON protocols.
 *
 * The keys are read once into a tree of their dotted segments, so decoding
 * costs one pass over the parameters whatever their number (scanning every
 * key for every member was quadratic: 32,000 targets took 27 s). A list's
 * member count is checked against its limit before any member is decoded.
 * Both passes are time-sliced (model/time-slices.ts): a body of hundreds of
 * thousands of parameters is decoded in slices of a few milliseconds, with
 * other requests answered in between.
 */
export interface QueryDecodeOptions {
  /** Limits AWS applies to lists beyond the model's own `max`, by list shape name (ELBv2's targets per call). */
  readonly listLimits?: ReadonlyMap<string, QueryListLimit>;
}

export interface QueryListLimit {
  readonly max: number;
  readonly error: () => AwsError;
}

/** A form body read into its key tree; `Action` and `Version` are kept apart from the members. */
export interface QueryForm {
  readonly action: string | undefined;
  readonly root: KeyNode;
}

/** Bytes of form text parsed between slice checks: whole pairs only, so each piece parses as the whole would. */
const PIECE_CHARS = 8 * 1024;

/**
 * Parses a form body (`a=1&b.member.1=x`) as URLSearchParams would, piece by
 * piece at `&` boundaries, into the key tree. Malformed percent-encoded UTF-8
 * is refused with SerializationException (the form decoder would turn it into
 * U+FFFD silently): a piece decoding to more U+FFFD than it spells out holds
 * bytes that were not UTF-8.
 */
export async function readQueryForm(form: string, slices: Slicer, keep?: ReadonlySet<string>): Promise<QueryForm> {
  const root = new KeyNode();
  let action: string | undefined;
  for (let from = 0; from < form.length; ) {
    let to = from + PIECE_CHARS >= form.length ? form.length : form.indexOf('&', from + PIECE_CHARS);
    if (to < 0) to = form.length;
    const piece = form.slice(from, to);
    let decodedReplacements = 0;
    let pairs = 0;
    for (const [key, value] of new URLSearchParams(piece)) {
      decodedReplacements += countDecodedReplacements(key) + countDecodedReplacements(value);
      pairs++;
      if (key === 'Action') action ??= value;
      else if (key !== 'Version' && (keep === undefined || keep.has(topSegment(key)))) root.insert(key, value);
    }
    if (decodedReplacements > 0 && decodedReplacements > countSpelledReplacements(piece)) throw invalidUnicode();
    from = to + 1;
    const pause = slices.tick(pairs);
    if (pause) await pause;
  }
  return { action, root };
}

function topSegment(key: string): string {
  const dot = key.indexOf('.');
  return dot < 0 ? key : key.slice(0, dot);
}

/** How far into a form the action is looked for ahead of reading it: clients send it first. */
const ACTION_READ_AHEAD_CHARS = 64 * 1024;

/**
 * The form's `Action`, read ahead of the form itself so that parameters the
 * action does not take need not be kept (`inputMembers`). Only the start of
 * the form is searched: a client that sends the action last (or spells its
 * name percent-encoded) gets no read-ahead, and everything is kept.
 */
export function actionAhead(form: string): string | undefined {
  const match = /(?:^|&)Action=([^&]*)/.exec(form.length > ACTION_READ_AHEAD_CHARS ? form.slice(0, ACTION_READ_AHEAD_CHARS) : form);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]!.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * The top-level parameter names an operation's input takes on the wire. The
 * decoder reads nothing else, and AWS ignores the rest: a form of 200,000
 * unknown parameters then keeps none of them alive (what the collector
 * copied of them was a pause of tens of milliseconds for every request).
 */
export function inputMembers(model: ServiceModel, operation: string): ReadonlySet<string> | undefined {
  let byOperation = inputMembersCache.get(model);
  if (!byOperation) inputMembersCache.set(model, (byOperation = new Map()));
  if (byOperation.has(operation)) return byOperation.get(operation);
  const operationModel = Object.hasOwn(model.operations, operation) ? model.operations[operation] : undefined;
  const shape = operationModel?.input ? model.shapes[operationModel.input.shape] : undefined;
  const members = shape?.type === 'structure' ? new Set(Object.entries(shape.members).map(([name, ref]) => memberName(name, ref))) : undefined;
  // Only real operations are remembered: a client naming made-up actions cannot grow the cache.
  if (operationModel) byOperation.set(operation, members);
  return members;
}

const inputMembersCache = new WeakMap<ServiceModel, Map<string, ReadonlySet<string> | undefined>>();

export async function decodeQueryParams(model: ServiceModel, shapeName: string | undefined, form: QueryForm, validationCode: string, slices: Slicer, options: QueryDecodeOptions = {}): Promise<Record<string, unknown>> {
  if (!shapeName) return {};
  const decoder = new Decoder(model, validationCode, options.listLimits ?? new Map(), slices);
  return ((await decoder.shape(model.shapes[shapeName]!, shapeName, '', form.root)) as Record<string, unknown>) ?? {};
}

/** One dotted segment of the parameter names: `Targets.member.1.Id` is Targets -> member -> 1 -> Id. */
export class KeyNode {

  value: string | undefined = undefined;
  /**
   * A Map, not a record: segments such as `__proto__` stay plain keys, and a
   * Map is iterated lazily, where `for...in` over a record of 100,000 keys
   * gathers them all in one uninterruptible step.
   */
  children: Map<string, KeyNode> | undefined = undefined;

  insert(key: string, value: string): void {
    let node: KeyNode = this;
    let from = 0;
    for (;;) {
      const dot = key.indexOf('.', from);
      const segment = dot < 0 ? key.slice(from) : key.slice(from, dot);
      const children = (node.children ??= new Map());
      let child = children.get(segment);
      if (!child) children.set(segment, (child = new KeyNode()));
      node = child;
      if (dot < 0) break;
      from = dot + 1;
    }
    node.value = value;
  }

  child(name: string): KeyNode | undefined {
    return this.children?.get(name);
  }

  /**
   * The children named by positive integers (`member.1`, `member.2`), in index
   * order. `limit` is the most a caller takes: one more is reported by
   * `tooMany` before the rest are gathered.
   */
  async indexed(slices: Slicer, limit: number, tooMany: () => never): Promise<KeyNode[]> {
    if (!this.children) return [];
    const found: [number, KeyNode][] = [];
    let ordered = true;
    for (const [segment, child] of this.children) {
      const index = Number(segment);
      // Canonical positive integers only: `01`, `1e3` and `+1` are not indexes.
      if (!(Number.isInteger(index) && index > 0 && String(index) === segment)) continue;
      if (found.length > 0 && found[found.length - 1]![0] > index) ordered = false;
      found.push([index, child]);
      if (found.length > limit) tooMany();
      const pause = slices.tick();
      if (pause) await pause;
    }
    // Clients send members in index order; the sort is for those that do not.
    if (!ordered) found.sort((a, b) => a[0] - b[0]);
    return found.map(([, node]) => node);
  }
}

function memberName(name: string, ref: MemberRef): string {
  return ref.locationName ?? name;
}

function lowerCamel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

class Decoder {
  constructor(
    private readonly model: ServiceModel,
    private readonly validationCode: string,
    private readonly listLimits: ReadonlyMap<string, QueryListLimit>,
    private readonly slices: Slicer,
  ) {}

  async shape(shape: Shape, shapeName: string, path: string, node: KeyNode): Promise<unknown> {
    const pause = this.slices.tick();
    if (pause) await pause;
    switch (shape.type) {
      case 'structure': {
        const out: Record<string, unknown> = {};
        for (const [name, ref] of Object.entries(shape.members)) {
          const child = node.child(memberName(name, ref));
          if (!child) continue;
          const value = await this.shape(this.model.shapes[ref.shape]!, ref.shape, path ? `${path}.${lowerCamel(name)}` : lowerCamel(name), child);
          if (value !== undefined) out[name] = value;
        }
        return out;
      }
      case 'list': {
        const base = shape.flattened ? node : node.child(shape.member.locationName ?? 'member');
        if (node.value !== undefined) {
          if (node.value === '' && !node.children) return [];
          // `Targets=x`: a scalar where a list belongs is not an empty list.
          throw new AwsError(this.validationCode, `1 validation error detected: Value '${node.value}' at '${path}' failed to satisfy constraint: Member must be a list`); // unverified wording
        }
        const items = base ? await this.indexed(base, shape, shapeName, path) : [];
        const memberShape = this.model.shapes[shape.member.shape]!;
        const out: unknown[] = [];
        for (const [index, item] of items.entries()) out.push(await this.shape(memberShape, shape.member.shape, `${path}.${index + 1}.member`, item));
        return out;
      }
      case 'map': {
        const base = shape.flattened ? node : node.child('entry');
        const entries = base ? await this.indexed(base, shape, shapeName, path) : [];
        const keyName = shape.key.locationName ?? 'key';
        const valueName = shape.value.locationName ?? 'value';
        const valueShape = this.model.shapes[shape.value.shape]!;
        const out: Record<string, unknown> = {};
        for (const entry of entries) {
          const key = entry.child(keyName)?.value;
          if (key === undefined) continue;
          const valueNode = entry.child(valueName);
          Object.defineProperty(out, key, { value: valueNode ? await this.shape(valueShape, shape.value.shape, `${path}.${key}`, valueNode) : undefined, enumerable: true, writable: true, configurable: true });
        }
        return out;
      }
      default:
        return decodeScalar(shape, path, node.value, this.validationCode);
    }
  }

  /** A list's or map's members, refused as soon as there are more than its limit, before any is decoded, as AWS does. */
  private indexed(node: KeyNode, shape: { max?: number }, shapeName: string, path: string): Promise<KeyNode[]> {
    const limit = this.listLimits.get(shapeName);
    const most = Math.min(limit?.max ?? Infinity, shape.max ?? Infinity);
    return node.indexed(this.slices, most, () => {
      if (limit && most === limit.max) throw limit.error();
      throw new AwsError(this.validationCode, `1 validation error detected: Value at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${shape.max}`);
    });
  }
}

function decodeScalar(shape: Shape, key: string, raw: string | undefined, validationCode: string): unknown {
  if (raw === undefined) return undefined;
  const invalid = (what: string) => new AwsError(validationCode, `1 validation error detected: Value '${raw}' at '${key}' failed to satisfy constraint: Member must be ${what}`);
  switch (shape.type) {
    case 'integer':
    case 'long': {
      if (!/^-?\d+$/.test(raw)) throw invalid('an integer');
      return Number(raw);
    }
    case 'float':
    case 'double': {
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value)) throw invalid('a number');
      return value;
    }
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw invalid('a boolean');
      return raw === 'true';
    case 'timestamp':
      // The validator turns ISO strings into Dates, as it does for JSON.
      return /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
    default:
      return raw;
  }
}

/**
 * Characters XML 1.0 forbids (C0 controls but tab, CR, LF; lone surrogates;
 * U+FFFE/U+FFFF) cannot be written even as references, so they become U+FFFD:
 * a stored value or an echoed bad input must never make the whole answer
 * unreadable to the client's XML parser.
 */
const XML_FORBIDDEN = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlSafe(text: string): string {
  return text.replace(XML_FORBIDDEN, '\uFFFD');
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false, processEntities: true });

export function queryResultXml(model: ServiceModel, operation: string, outputShape: string | undefined, resultWrapper: string | undefined, value: unknown, requestId: string): string {
  const body: Record<string, unknown> = { '@_xmlns': model.metadata.xmlNamespace };
  if (outputShape) body[resultWrapper ?? `${operation}Result`] = toXmlTree(model, model.shapes[outputShape]!, value) ?? '';
  body.ResponseMetadata = { RequestId: requestId };
  return xmlSafe(builder.build({ [`${operation}Response`]: body }) as string);
}

export function queryErrorXml(model: ServiceModel | undefined, error: AwsError, requestId: string): string {
  return xmlSafe(builder.build({
    ErrorResponse: {
      ...(model?.metadata.xmlNamespace ? { '@_xmlns': model.metadata.xmlNamespace } : {}),
      Error: { Type: error.fault === 'server' ? 'Receiver' : 'Sender', Code: error.code, Message: error.message },
      RequestId: requestId,
    },
  }) as string);
}

function toXmlTree(model: ServiceModel, shape: Shape, value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      for (const [name, ref] of Object.entries(shape.members)) {
        const memberShape = model.shapes[ref.shape]!;
        const item = toXmlTree(model, memberShape, (value as Record<string, unknown>)[name]);
        if (item === undefined) continue;
        if (memberShape.type === 'list' && memberShape.flattened) {
          out[memberShape.member.locationName ?? memberName(name, ref)] = (item as Record<string, unknown>).member;
        } else {
          out[memberName(name, ref)] = item;
        }
      }
      return out;
    }
    case 'list': {
      if (!Array.isArray(value)) return undefined;
      const memberShape = model.shapes[shape.member.shape]!;
      const items = value.map((item) => toXmlTree(model, memberShape, item)).filter((item) => item !== undefined);
      return items.length === 0 ? '' : { [shape.member.locationName ?? 'member']: items };
    }
    case 'map': {
      const valueShape = model.shapes[shape.value.shape]!;
      const entries = Object.entries(value as Record<string, unknown>).map(([key, item]) => ({
        [shape.key.locationName ?? 'key']: key,
        [shape.value.locationName ?? 'value']: toXmlTree(model, valueShape, item),
      }));
      return entries.length === 0 ? '' : { entry: entries };
    }
    case 'timestamp':
      return toTimestamp(value)?.toISOString();
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return String(value);
  }
}
