import type { Partition } from '../domain/arn.js';
import type { Scope } from '../ports/store.js';
import type { ServiceModel } from './model/shapes.js';
import type { QueryListLimit } from './protocols/aws-query.js';

/** Who is calling and where: every handler works inside one account and region, as AWS does. */
export interface RequestContext {
  readonly requestId: string;
  readonly scope: Scope;
  readonly partition: Partition;
  readonly accessKeyId: string;
  readonly principalArn: string;
  readonly now: Date;
}

// Inputs arrive already validated against the model, so handlers type them themselves.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OperationHandler = (input: any, ctx: RequestContext) => Promise<unknown>;

/** One AWS service as the gateway sees it: its model and its thin handlers. */
export interface ServiceApi {
  /** The SigV4 signing name (`ecs`, `sts`, ...). */
  readonly signingName: string;
  readonly model: ServiceModel;
  /** The code this service answers broken constraints with. */
  readonly validationErrorCode: string;
  /** Query services' per-call list limits beyond the model's, checked while decoding (by list shape name). */
  readonly queryListLimits?: ReadonlyMap<string, QueryListLimit>;
  readonly handlers: Readonly<Record<string, OperationHandler>>;
}
