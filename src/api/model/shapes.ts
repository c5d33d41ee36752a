/** The parts of a botocore service model (models/*.json) that Wharf reads. */
export interface ServiceModel {
  readonly metadata: {
    readonly protocol: string;
    readonly protocols?: readonly string[];
    readonly targetPrefix?: string;
    readonly signingName?: string;
    readonly endpointPrefix: string;
    readonly apiVersion: string;
    readonly xmlNamespace?: string;
    readonly jsonVersion?: string;
    /** Present (an empty object) on services that moved from Query to JSON/CBOR and keep the Query error codes. */
    readonly awsQueryCompatible?: Readonly<Record<string, unknown>>;
  };
  readonly operations: Readonly<Record<string, OperationModel>>;
  readonly shapes: Readonly<Record<string, Shape>>;
}

export interface OperationModel {
  readonly name: string;
  readonly input?: { readonly shape: string };
  readonly output?: { readonly shape: string; readonly resultWrapper?: string };
  readonly errors?: readonly { readonly shape: string }[];
}

export interface MemberRef {
  readonly shape: string;
  readonly locationName?: string;
  readonly flattened?: boolean;
  readonly idempotencyToken?: boolean;
}

export type Shape =
  | { readonly type: 'structure'; readonly members: Readonly<Record<string, MemberRef>>; readonly required?: readonly string[]; readonly exception?: boolean; readonly union?: boolean; readonly error?: { readonly code?: string; readonly httpStatusCode?: number; readonly senderFault?: boolean } }
  | { readonly type: 'list'; readonly member: MemberRef; readonly min?: number; readonly max?: number; readonly flattened?: boolean }
  | { readonly type: 'map'; readonly key: MemberRef; readonly value: MemberRef; readonly min?: number; readonly max?: number; readonly flattened?: boolean }
  | { readonly type: 'string'; readonly enum?: readonly string[]; readonly min?: number; readonly max?: number; readonly pattern?: string; readonly sensitive?: boolean }
  | { readonly type: 'integer' | 'long' | 'float' | 'double'; readonly min?: number; readonly max?: number }
  | { readonly type: 'boolean' }
  | { readonly type: 'timestamp'; readonly timestampFormat?: string }
  | { readonly type: 'blob'; readonly min?: number; readonly max?: number };
