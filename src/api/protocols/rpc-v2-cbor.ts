import { cbor, tag } from '@smithy/core/cbor';
import { AwsError } from '../../domain/errors.js';
import type { ServiceModel } from '../model/shapes.js';
import { toTimestamp, toWire, type LeafEncoder } from '../model/serialize-output.js';

/**
 * Smithy RPC v2 CBOR (what boto3 and the pip aws CLI speak to CloudWatch):
 * `POST /service/<ServiceName>/operation/<Operation>`, CBOR maps in and out,
 * timestamps as tag 1 (epoch seconds), blobs as byte strings. The bytes are
 * read and written by the AWS SDK's own codec (@smithy/core/cbor); this file
 * only maps between the wire values and the shapes the model declares.
 *
 * One known difference from a JVM server: the codec writes a double that
 * holds a whole number (5.0) as the integer 5, as the SDK's own serializer
 * does. Clients read any numeric major type for a double; boto3 shows `5`.
 */
export const CBOR_CONTENT_TYPE = 'application/cbor';
export const SMITHY_PROTOCOL = 'rpc-v2-cbor';

const RPC_V2_PATH = /\/service\/([^/?]+)\/operation\/([^/?]+)(?:\?.*)?$/;

/** `{service, operation}` from an RPC v2 request path, or undefined when it is not one. */
export function parseRpcV2Path(url: string): { serviceName: string; operation: string } | undefined {
  const match = RPC_V2_PATH.exec(url);
  if (!match) return undefined;
  try {
    return { serviceName: decodeURIComponent(match[1]!), operation: decodeURIComponent(match[2]!) };
  } catch {
    return undefined;
  }
}

/** Whether a model says its service speaks RPC v2 CBOR. */
export function speaksRpcV2Cbor(model: ServiceModel): boolean {
  return model.metadata.protocol === 'smithy-rpc-v2-cbor' || (model.metadata.protocols ?? []).includes('smithy-rpc-v2-cbor');
}

/**
 * Decodes a request body into the plain values the validator checks: an
 * empty body is an empty input, tag-1 timestamps become Dates, byte strings
 * stay Uint8Arrays. Anything that is not a CBOR map is a SerializationException.
 */
export function decodeCborBody(body: Uint8Array): Record<string, unknown> {
  if (body.length === 0) return {};
  let decoded: unknown;
  try {
    decoded = cbor.deserialize(body);
  } catch {
    throw new AwsError('SerializationException', 'Unable to parse the request body as CBOR.'); // unverified wording
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded) || decoded instanceof Uint8Array || isTag(decoded)) {
    throw new AwsError('SerializationException', 'The request body must be a CBOR map.'); // unverified wording
  }
  return untag(decoded) as Record<string, unknown>;
}

interface CborTag {
  readonly tag: number | bigint;
  readonly value: unknown;
}

function isTag(value: unknown): value is CborTag {
  return typeof value === 'object' && value !== null && Object.getOwnPropertySymbols(value).length > 0 && 'tag' in value && 'value' in value;
}

function untag(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(untag);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  if (isTag(value)) {
    if (Number(value.tag) === 1 && typeof value.value === 'number') return new Date(value.value * 1000);
    throw new AwsError('SerializationException', `Unsupported CBOR tag ${String(value.tag)}.`); // unverified wording
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = untag(item);
  return out;
}

/**
 * Shapes a handler's result for the CBOR wire by the output shape, the twin
 * of toJsonWire (the same model walk): timestamps become tag 1 with epoch
 * seconds, blobs become byte strings, doubles stay numbers (NaN and the
 * infinities included: CBOR floats carry them).
 */
export function toCborWire(model: ServiceModel, shapeName: string, value: unknown): unknown {
  return toWire(model, shapeName, value, cborLeaf);
}

const cborLeaf: LeafEncoder = (shape, value) => {
  switch (shape.type) {
    case 'timestamp': {
      const date = toTimestamp(value);
      return date && tag({ tag: 1, value: date.getTime() / 1000 });
    }
    case 'blob':
      if (value instanceof Uint8Array) return value;
      // Handlers hold blobs as base64 text, as the JSON protocols carry them.
      return typeof value === 'string' ? new Uint8Array(Buffer.from(value, 'base64')) : undefined;
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
      return typeof value === 'number' ? value : undefined;
    default:
      return value;
  }
};

export function encodeCbor(value: unknown): Buffer {
  return Buffer.from(cbor.serialize(value));
}

/** An error body: `__type` (botocore and the SDK read the name after any `#`) and `message`. */
export function cborErrorBody(type: string, error: AwsError): Buffer {
  return encodeCbor({ __type: type, message: error.message, ...error.extra });
}
