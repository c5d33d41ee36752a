import { cbor } from '@smithy/core/cbor';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { WireProtocol } from './wire.js';

/** What an answer must be: a success or an AWS-shaped error, in the protocol the request spoke, never a 5xx. */
export interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly bytes: Buffer;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
// XML 1.0's Char production: no C0 controls but tab, LF, CR; no U+FFFE/U+FFFF; no lone surrogates.
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;
const XML_FORBIDDEN_LOOSE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
// Character references to the same characters (&#1; is as invalid in XML 1.0 as the raw byte).
const XML_FORBIDDEN_REF = /&#(x0*([0-8bcefBCEF]|1[0-9a-fA-F]|[fF]{3}[eEfF])|0*([0-8]|1[1-2]|1[4-9]|2[0-9]|3[01]|6553[45]));/;
const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false });

const PROTOCOL_CONTENT_TYPE: Record<WireProtocol, RegExp> = {
  json: /^application\/x-amz-json-1\.[01]$/,
  query: /^text\/xml/,
  cbor: /^application\/cbor$/,
};

function protocolOfContentType(contentType: string): WireProtocol | undefined {
  for (const [protocol, pattern] of Object.entries(PROTOCOL_CONTENT_TYPE)) if (pattern.test(contentType)) return protocol as WireProtocol;
  return undefined;
}

/**
 * The problems with an answer (none: it is well-formed). `expected` is the
 * protocol the request spoke; when the request's envelope itself was
 * mutated the gateway may fairly answer in another of the protocols, so
 * `strictProtocol` is false then.
 */
export function problemsWith(answer: Answer, expected: WireProtocol, strictProtocol: boolean): string[] {
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`status ${answer.status}`);
  const spoken = protocolOfContentType(answer.contentType);
  if (!spoken) return [...problems, `content type '${answer.contentType}' is none of the protocols'`];
  if (strictProtocol && spoken !== expected) problems.push(`answered ${spoken} (${answer.contentType}) to a ${expected} request`);
  const success = answer.status >= 200 && answer.status < 300;
  if (spoken === 'cbor') {
    if (success && answer.bytes.length === 0) return problems;
    let decoded: unknown;
    try {
      decoded = cbor.deserialize(answer.bytes);
    } catch (error) {
      return [...problems, `CBOR body does not decode: ${(error as Error).message}`];
    }
    if (!decoded || typeof decoded !== 'object' || Array.isArray(decoded)) return [...problems, 'CBOR body is not a map'];
    if (!success) {
      const body = decoded as Record<string, unknown>;
      if (typeof body.__type !== 'string' || typeof (body.message ?? body.Message) !== 'string') problems.push(`CBOR error without __type and message: ${JSON.stringify(body).slice(0, 300)}`);
    }
    return problems;
  }
  let text: string;
  try {
    text = UTF8.decode(answer.bytes);
  } catch {
    return [...problems, 'body is not valid UTF-8'];
  }
  if (spoken === 'json') {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return [...problems, `JSON body does not parse: ${text.slice(0, 200)}`];
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) return [...problems, 'JSON body is not an object'];
    if (!success) {
      const error = body as Record<string, unknown>;
      if (typeof error.__type !== 'string' || typeof (error.message ?? error.Message) !== 'string') problems.push(`JSON error without __type and message: ${text.slice(0, 300)}`);
    }
    return problems;
  }
  if (XML_FORBIDDEN.test(text) || XML_FORBIDDEN_LOOSE.test(text)) problems.push('XML body holds a character XML 1.0 forbids');
  if (XML_FORBIDDEN_REF.test(text)) problems.push('XML body references a character XML 1.0 forbids');
  const valid = XMLValidator.validate(text);
  if (valid !== true) return [...problems, `XML does not parse: ${valid.err.msg}: ${text.slice(0, 200)}`];
  const doc = xml.parse(text) as Record<string, any>;
  if (!success) {
    const error = doc.ErrorResponse?.Error;
    if (!error || typeof error.Code !== 'string' || error.Code === '') problems.push(`XML error without ErrorResponse/Error/Code: ${text.slice(0, 300)}`);
  } else if (Object.keys(doc).filter((k) => k !== '?xml').length !== 1) {
    problems.push(`XML success without one root element: ${text.slice(0, 200)}`);
  }
  return problems;
}
