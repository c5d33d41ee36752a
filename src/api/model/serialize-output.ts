import type { ServiceModel, Shape } from './shapes.js';

/**
 * How one wire writes the leaves of a modelled value (timestamps, blobs,
 * numbers, strings): the walk over structures, lists and maps is the same
 * for every protocol, so only modelled members ever leave, whatever the wire.
 */
export type LeafEncoder = (shape: Shape, value: unknown) => unknown;

/**
 * Shapes a handler's result by the output shape: only members the model
 * declares leave (internal fields never leak), empty values are dropped, and
 * each leaf is written by the wire's encoder.
 */
export function toWire(model: ServiceModel, shapeName: string, value: unknown, leaf: LeafEncoder): unknown {
  return walk(model, model.shapes[shapeName]!, value, leaf) ?? {};
}

/**
 * The JSON wire: timestamps become epoch seconds with a fraction; non-finite
 * doubles the strings AWS JSON uses. Handlers hand timestamps over as Date,
 * epoch milliseconds or ISO strings.
 */
export function toJsonWire(model: ServiceModel, shapeName: string, value: unknown): unknown {
  return toWire(model, shapeName, value, jsonLeaf);
}

const jsonLeaf: LeafEncoder = (shape, value) => {
  switch (shape.type) {
    case 'timestamp': {
      const date = toTimestamp(value);
      return date && date.getTime() / 1000;
    }
    case 'float':
    case 'double':
      // JSON has no NaN or infinities: the AWS JSON protocols send them as strings.
      return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
    default:
      return value;
  }
};

export function toTimestamp(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  if (typeof value === 'string') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}

function walk(model: ServiceModel, shape: Shape, value: unknown, leaf: LeafEncoder): unknown {
  if (value === undefined || value === null) return undefined;
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object') return undefined;
      // Walk the value's own keys: a record sets a handful of the dozens of
      // members a shape like ContainerDefinition declares.
      const out: Record<string, unknown> = {};
      for (const name in value as Record<string, unknown>) {
        const member = Object.hasOwn(shape.members, name) ? shape.members[name] : undefined;
        if (!member) continue;
        const item = walk(model, model.shapes[member.shape]!, (value as Record<string, unknown>)[name], leaf);
        if (item !== undefined) out[name] = item;
      }
      return out;
    }
    case 'list': {
      if (!Array.isArray(value)) return undefined;
      const memberShape = model.shapes[shape.member.shape]!;
      return value.map((item) => walk(model, memberShape, item, leaf)).filter((item) => item !== undefined);
    }
    case 'map': {
      if (typeof value !== 'object') return undefined;
      const valueShape = model.shapes[shape.value.shape]!;
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        const shaped = walk(model, valueShape, item, leaf);
        if (shaped !== undefined) out[key] = shaped;
      }
      return out;
    }
    default:
      return leaf(shape, value);
  }
}
