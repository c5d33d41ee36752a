import { AwsError } from '../../domain/errors.js';

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

export function jsonErrorBody(error: AwsError): string {
  return JSON.stringify({ __type: error.code, message: error.message, ...error.extra });
}

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
