import { cbor, tag } from '@smithy/core/cbor';
import type { ServiceModel, Shape } from '../../api/model/shapes.js';
import { MARKER } from './mutations.js';

export type WireProtocol = 'json' | 'query' | 'cbor';

/** One request as the fuzzer sends it: what signedRequest needs. */
export interface WireRequest {
  readonly path: string;
  readonly target?: string;
  readonly contentType: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly signingService: string;
}

export function signingServiceOf(model: ServiceModel): string {
  return model.metadata.signingName ?? model.metadata.endpointPrefix;
}

/** The protocols a model says its service speaks, as the gateway routes them. */
export function protocolsOf(model: ServiceModel): WireProtocol[] {
  const names = new Set([model.metadata.protocol, ...(model.metadata.protocols ?? [])]);
  const out: WireProtocol[] = [];
  if (names.has('json')) out.push('json');
  if (names.has('query')) out.push('query');
  if (names.has('smithy-rpc-v2-cbor')) out.push('cbor');
  return out;
}

const BAD_UTF8 = Buffer.from([0xff, 0xfe, 0xed, 0xa0, 0x80, 0xc3, 0x28, 0xe2, 0x82, 0x28, 0xf0, 0x28, 0x8c, 0xbc, 0x80, 0xbf]);
const DEPTH = 20_000;

function splice(body: Buffer, needle: Buffer, replacement: Buffer): Buffer {
  let at = body.indexOf(needle);
  if (at < 0) return body;
  const parts: Buffer[] = [];
  let from = 0;
  while (at >= 0) {
    parts.push(body.subarray(from, at), replacement);
    from = at + needle.length;
    at = body.indexOf(needle, from);
  }
  parts.push(body.subarray(from));
  return Buffer.concat(parts);
}

export function encodeJson(value: unknown): Buffer {
  let body: Buffer = Buffer.from(JSON.stringify(value) ?? "null");
  body = splice(body, Buffer.from(MARKER.badUtf8), BAD_UTF8);
  body = splice(body, Buffer.from(`"${MARKER.deepNest}"`), Buffer.from('['.repeat(DEPTH) + ']'.repeat(DEPTH)));
  body = splice(body, Buffer.from(`"${MARKER.bigNumber}"`), Buffer.from('1e999'));
  return body;
}

/** JSON-form values to CBOR's: timestamps as tag 1, blobs as byte strings, where the value still fits its shape. */
function toCbor(model: ServiceModel, shape: Shape | undefined, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => toCbor(model, shape?.type === 'list' ? model.shapes[shape.member.shape] : undefined, item));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const itemShape = shape?.type === 'structure' ? (Object.hasOwn(shape.members, key) ? model.shapes[shape.members[key]!.shape] : undefined) : shape?.type === 'map' ? model.shapes[shape.value.shape] : undefined;
      Object.defineProperty(out, key, { value: toCbor(model, itemShape, item), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  if (shape?.type === 'timestamp' && typeof value === 'number') return tag({ tag: 1, value });
  if (shape?.type === 'blob' && typeof value === 'string') return new Uint8Array(Buffer.from(value, 'base64'));
  return value;
}

export function encodeCborValue(model: ServiceModel, shapeName: string | undefined, value: unknown): Buffer {
  let body: Buffer = Buffer.from(cbor.serialize(toCbor(model, shapeName ? model.shapes[shapeName] : undefined, value)));
  // A text string's header for 16 and 17 bytes is one byte (0x70, 0x71): the markers splice in whole items.
  body = splice(body, Buffer.from(MARKER.badUtf8), BAD_UTF8);
  body = splice(body, Buffer.concat([Buffer.from([0x71]), Buffer.from(MARKER.deepNest)]), Buffer.concat([Buffer.alloc(DEPTH, 0x81), Buffer.from([0x00])]));
  // A 2^64 - 1 unsigned and a bignum tag: neither is a double.
  body = splice(body, Buffer.concat([Buffer.from([0x71]), Buffer.from(MARKER.bigNumber)]), Buffer.from([0xc2, 0x49, 1, 0, 0, 0, 0, 0, 0, 0, 0]));
  return body;
}

/** Query parameters for `value`, by the shape where the value fits it and generically where a mutation broke it. */
function queryParams(model: ServiceModel, shape: Shape | undefined, prefix: string, value: unknown, out: [string, string][]): void {
  if (value === undefined) return;
  if (value === null) {
    out.push([prefix, '']);
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push([prefix, '']);
      return;
    }
    const listShape = shape?.type === 'list' ? shape : undefined;
    const base = listShape?.flattened ? prefix : `${prefix}.${listShape?.member.locationName ?? 'member'}`;
    value.forEach((item, index) => queryParams(model, listShape ? model.shapes[listShape.member.shape] : undefined, `${base}.${index + 1}`, item, out));
    return;
  }
  if (typeof value === 'object') {
    if (shape?.type === 'map') {
      const base = shape.flattened ? prefix : `${prefix}.entry`;
      Object.entries(value).forEach(([key, item], index) => {
        out.push([`${base}.${index + 1}.${shape.key.locationName ?? 'key'}`, key]);
        queryParams(model, model.shapes[shape.value.shape], `${base}.${index + 1}.${shape.value.locationName ?? 'value'}`, item, out);
      });
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      const ref = shape?.type === 'structure' && Object.hasOwn(shape.members, key) ? shape.members[key] : undefined;
      const name = ref?.locationName ?? key;
      queryParams(model, ref ? model.shapes[ref.shape] : undefined, prefix ? `${prefix}.${name}` : name, item, out);
    }
    return;
  }
  if (shape?.type === 'timestamp' && typeof value === 'number' && Number.isFinite(new Date(value * 1000).getTime())) {
    out.push([prefix, new Date(value * 1000).toISOString()]);
    return;
  }
  out.push([prefix, String(value)]);
}

export function encodeQuery(model: ServiceModel, shapeName: string | undefined, action: string | undefined, value: unknown): Buffer {
  const params: [string, string][] = [];
  if (action !== undefined) params.push(['Action', action]);
  params.push(['Version', model.metadata.apiVersion]);
  if (value && typeof value === 'object') queryParams(model, shapeName ? model.shapes[shapeName] : undefined, '', value, params);
  else if (value !== undefined) params.push(['', String(value)]);
  let text = new URLSearchParams(params).toString();
  text = text.split(MARKER.badUtf8).join('%FF%FE%ED%A0%80%C3%28%E2%82%28%F0%28%8C%BC%80%BF');
  // Deep nesting as Query knows it: a key of 5,000 segments.
  text = text.split(`=${MARKER.deepNest}`).join(`.${Array.from({ length: 5000 }, () => 'a').join('.')}=x`);
  text = text.split(MARKER.bigNumber).join('1' + '0'.repeat(400));
  return Buffer.from(text);
}
