import type { AwsError } from '../../domain/errors.js';
import type { ServiceModel, Shape } from '../model/shapes.js';

/**
 * Services that moved from Query to JSON or CBOR (CloudWatch, SQS) carry the
 * `awsQueryCompatible` trait: their handlers keep throwing the Query-era codes
 * (`ResourceNotFound`, `InvalidParameterValue`), and the JSON and CBOR answers
 * name the error twice:
 * - `__type` is the error's shape name (`InvalidParameterValueException`);
 * - the header `x-amzn-query-error: <Code>;<Sender|Receiver>` gives the Query
 *   code, which botocore and the SDK v3 prefer when the model is query-compatible.
 * For other services `__type` is the code itself, as before.
 */
export const QUERY_ERROR_HEADER = 'x-amzn-query-error';

export function isQueryCompatible(model: ServiceModel | undefined): boolean {
  return model?.metadata.awsQueryCompatible !== undefined;
}

/** The `x-amzn-query-error` value for an error. */
export function queryErrorHeader(error: AwsError): string {
  return `${error.code};${error.fault === 'server' ? 'Receiver' : 'Sender'}`;
}

/** The `__type` for an error: the modelled shape whose name or Query code is the error's code. */
export function errorTypeName(model: ServiceModel | undefined, code: string): string {
  if (!model || !isQueryCompatible(model)) return code;
  let byCode: string | undefined;
  for (const [name, shape] of Object.entries(model.shapes)) {
    if (shape.type !== 'structure' || !shape.exception) continue;
    const queryCode = queryCodeOf(name, shape);
    if (name === code && queryCode === code) return name;
    if (queryCode === code) byCode ??= name;
  }
  return byCode ?? code;
}

function queryCodeOf(name: string, shape: Shape & { type: 'structure' }): string {
  return shape.error?.code ?? name;
}
