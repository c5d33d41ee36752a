import { XMLBuilder } from 'fast-xml-parser';
import { AwsError } from '../../domain/errors.js';
import type { MemberRef, ServiceModel, Shape } from '../model/shapes.js';
import { toTimestamp } from '../model/serialize-output.js';

/**
 * The AWS Query protocol (STS, IAM, ELBv2): form-encoded parameters in,
 * XML out. Decoding turns the flattened keys (`Names.member.1`,
 * `Attributes.entry.1.key`) back into the JSON shape the handlers and the
 * validator share with the JSON protocols.
 */
export function decodeQueryParams(model: ServiceModel, shapeName: string | undefined, params: URLSearchParams, validationCode: string): Record<string, unknown> {
  if (!shapeName) return {};
  const flat = new Map<string, string>();
  for (const [key, value] of params) if (key !== 'Action' && key !== 'Version') flat.set(key, value);
  return (decodeShape(model, model.shapes[shapeName]!, '', flat, validationCode) as Record<string, unknown>) ?? {};
}

function hasPrefix(flat: Map<string, string>, prefix: string): boolean {
  for (const key of flat.keys()) if (key === prefix || key.startsWith(prefix + '.')) return true;
  return false;
}

function indexesUnder(flat: Map<string, string>, prefix: string): number[] {
  const found = new Set<number>();
  const start = prefix + '.';
  for (const key of flat.keys()) {
    if (!key.startsWith(start)) continue;
    const index = Number.parseInt(key.slice(start.length).split('.')[0]!, 10);
    if (Number.isInteger(index) && index > 0) found.add(index);
  }
  return [...found].sort((a, b) => a - b);
}

function memberName(name: string, ref: MemberRef): string {
  return ref.locationName ?? name;
}

function decodeShape(model: ServiceModel, shape: Shape, prefix: string, flat: Map<string, string>, validationCode: string): unknown {
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      for (const [name, ref] of Object.entries(shape.members)) {
        const key = prefix ? `${prefix}.${memberName(name, ref)}` : memberName(name, ref);
        if (!hasPrefix(flat, key)) continue;
        const value = decodeShape(model, model.shapes[ref.shape]!, key, flat, validationCode);
        if (value !== undefined) out[name] = value;
      }
      return out;
    }
    case 'list': {
      if (flat.get(prefix) === '') return [];
      const base = shape.flattened ? prefix : `${prefix}.${shape.member.locationName ?? 'member'}`;
      const memberShape = model.shapes[shape.member.shape]!;
      return indexesUnder(flat, base).map((index) => decodeShape(model, memberShape, `${base}.${index}`, flat, validationCode));
    }
    case 'map': {
      const base = shape.flattened ? prefix : `${prefix}.entry`;
      const keyName = shape.key.locationName ?? 'key';
      const valueName = shape.value.locationName ?? 'value';
      const out: Record<string, unknown> = {};
      for (const index of indexesUnder(flat, base)) {
        const key = flat.get(`${base}.${index}.${keyName}`);
        if (key === undefined) continue;
        out[key] = decodeShape(model, model.shapes[shape.value.shape]!, `${base}.${index}.${valueName}`, flat, validationCode);
      }
      return out;
    }
    default:
      return decodeScalar(shape, prefix, flat.get(prefix), validationCode);
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

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false, processEntities: true });

export function queryResultXml(model: ServiceModel, operation: string, outputShape: string | undefined, resultWrapper: string | undefined, value: unknown, requestId: string): string {
  const body: Record<string, unknown> = { '@_xmlns': model.metadata.xmlNamespace };
  if (outputShape) body[resultWrapper ?? `${operation}Result`] = toXmlTree(model, model.shapes[outputShape]!, value) ?? '';
  body.ResponseMetadata = { RequestId: requestId };
  return builder.build({ [`${operation}Response`]: body }) as string;
}

export function queryErrorXml(model: ServiceModel | undefined, error: AwsError, requestId: string): string {
  return builder.build({
    ErrorResponse: {
      ...(model?.metadata.xmlNamespace ? { '@_xmlns': model.metadata.xmlNamespace } : {}),
      Error: { Type: error.fault === 'server' ? 'Receiver' : 'Sender', Code: error.code, Message: error.message },
      RequestId: requestId,
    },
  }) as string;
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
