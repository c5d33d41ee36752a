import { AwsError } from '../../domain/errors.js';
import type { ServiceModel } from '../model/shapes.js';

/** AWS JSON 1.0/1.1: request bodies are JSON objects; errors are {__type, message}. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new AwsError('SerializationException', 'Unable to parse the request body as JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AwsError('SerializationException', 'The request body must be a JSON object.');
  }
  return parsed;
}

/** `type` is the `__type` to send: the code, or for query-compatible services the error's shape name. */
export function jsonErrorBody(error: AwsError, type: string = error.code): string {
  return JSON.stringify({ __type: type, message: error.message, ...error.extra });
}

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

/** AWS JSON 1.0 or 1.1, as the model's `jsonVersion` says. */
export function jsonContentType(model: ServiceModel): string {
  return model.metadata.jsonVersion === '1.0' ? 'application/x-amz-json-1.0' : JSON_CONTENT_TYPE;
}
