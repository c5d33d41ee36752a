/**
 * Errors are values with an AWS error code and a fault, as in smithy's server
 * code: domain rules and handlers throw only these, and each protocol codec
 * decides the wire form. Anything else that escapes a handler is a bug and is
 * answered as a 500 InternalFailure with a log line.
 */
export type Fault = 'client' | 'server';

export class AwsError extends Error {
  readonly code: string;
  readonly fault: Fault;
  /** HTTP status; AWS answers almost every client error with 400. */
  readonly status: number;
  /** Extra members some services put beside `message` in the error body. */
  readonly extra: Record<string, unknown>;

  constructor(code: string, message: string, options: { fault?: Fault; status?: number; extra?: Record<string, unknown> } = {}) {
    super(message);
    this.name = code;
    this.code = code;
    this.fault = options.fault ?? 'client';
    this.status = options.status ?? (this.fault === 'server' ? 500 : 400);
    this.extra = options.extra ?? {};
  }
}

/** ECS's catch-all for a request that is well formed but not acceptable. */
export const clientException = (message: string) => new AwsError('ClientException', message);
export const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message);
export const clusterNotFound = () => new AwsError('ClusterNotFoundException', 'Cluster not found.');
export const unsupportedOperation = (message: string) => new AwsError('UnsupportedFeatureException', message);
