import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { partitionOf } from '../domain/arn.js';
import { AwsError } from '../domain/errors.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { AuthFailure, credentialScope, type AuthFailureKind, type Caller, type SigV4Verifier, type VerifyExpectations } from './auth/sigv4.js';
import { toJsonWire } from './model/serialize-output.js';
import { validateInput } from './model/validate-input.js';
import { JSON_CONTENT_TYPE, jsonContentType, jsonErrorBody, parseJsonBody } from './protocols/aws-json.js';
import { actionAhead, decodeQueryParams, inputMembers, queryErrorXml, queryResultXml, readQueryForm, type QueryForm } from './protocols/aws-query.js';
import { checkUtf8, checkWellFormed } from './protocols/unicode.js';
import { TimeSlices } from './model/time-slices.js';
import { errorTypeName, isQueryCompatible, QUERY_ERROR_HEADER, queryErrorHeader } from './protocols/query-compatible.js';
import { CBOR_CONTENT_TYPE, cborErrorBody, decodeCborBody, encodeCbor, parseRpcV2Path, SMITHY_PROTOCOL, speaksRpcV2Cbor, toCborWire } from './protocols/rpc-v2-cbor.js';
import type { RequestContext, ServiceApi } from './service.js';
import type { Authorize } from './authorization/authorizer.js';

const gunzipOffLoop = promisify(gunzip);

/** A handler for paths that are not AWS API calls (admin, registry, websockets, console). */
export type RawRoute = (req: IncomingMessage, res: ServerResponse, body: () => Promise<Buffer>) => Promise<void>;

export interface GatewayOptions {
  readonly services: readonly ServiceApi[];
  readonly verifier: SigV4Verifier;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Path prefix -> handler, tried before the API routes. */
  readonly rawRoutes?: ReadonlyMap<string, RawRoute>;
  readonly maxBodyBytes?: number;
  /** IAM enforcement (`--enforce-iam`): refuses a call its caller's policies do not allow. */
  readonly authorize?: Authorize;
  /**
   * Runs around every request with its id, e.g. to attribute what the
   * request does (a test that proves rejected requests write nothing).
   */
  readonly aroundRequest?: (requestId: string, handle: () => Promise<void>) => Promise<void>;
}

type Protocol = 'json' | 'query' | 'cbor';

class BodyTooLarge extends Error {}

/**
 * The one front door: reads the body (bounded), routes by protocol (JSON by
 * X-Amz-Target, RPC v2 CBOR by its `/service/<name>/operation/<op>` path,
 * Query by the signing scope and Action), verifies SigV4,
 * validates against the model, calls the handler and encodes the answer or
 * an AWS-shaped error. Nothing that reaches a client is a stack trace.
 */
export class Gateway {
  private readonly byTargetPrefix = new Map<string, ServiceApi>();
  private readonly bySigningName = new Map<string, ServiceApi>();
  /** RPC v2 names a service by its Smithy shape name, which botocore models carry as targetPrefix. */
  private readonly byRpcV2Name = new Map<string, ServiceApi>();
  private readonly maxBodyBytes: number;

  constructor(private readonly options: GatewayOptions) {
    for (const service of options.services) {
      if (service.model.metadata.targetPrefix) this.byTargetPrefix.set(service.model.metadata.targetPrefix, service);
      if (service.model.metadata.targetPrefix && speaksRpcV2Cbor(service.model)) this.byRpcV2Name.set(service.model.metadata.targetPrefix, service);
      this.bySigningName.set(service.signingName, service);
    }
    this.maxBodyBytes = options.maxBodyBytes ?? 8 * 1024 * 1024;
  }

  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    res.setHeader('x-amzn-RequestId', requestId);
    const around = this.options.aroundRequest;
    await (around ? around(requestId, () => this.route(req, res, requestId)) : this.route(req, res, requestId));
  };

  private async route(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const url = req.url ?? '/';
    try {
      for (const [prefix, route] of this.options.rawRoutes ?? []) {
        if (url === prefix || url.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`) || url.startsWith(`${prefix}?`)) {
          await route(req, res, () => this.readBody(req));
          return;
        }
      }
      await this.handleApi(req, res, url, requestId);
    } catch (error) {
      this.options.logger.error({ err: error, requestId, url }, 'unhandled error in gateway');
      if (!res.headersSent) {
        sendJsonError(res, new AwsError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', { fault: 'server' }));
      } else {
        res.destroy();
      }
    }
  }

  private async handleApi(req: IncomingMessage, res: ServerResponse, url: string, requestId: string): Promise<void> {
    const target = req.headers['x-amz-target'];
    const contentType = String(req.headers['content-type'] ?? '');
    const queryString = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
    const rpcV2 = !target && req.method === 'POST' ? parseRpcV2Path(url) : undefined;
    const isQuery = !target && !rpcV2 && ((req.method === 'POST' && contentType.startsWith('application/x-www-form-urlencoded')) || (req.method === 'GET' && /(^|&)Action=/.test(queryString)));
    const protocol: Protocol = rpcV2 ? 'cbor' : isQuery ? 'query' : 'json';
    let service: ServiceApi | undefined;

    try {
      let signedBody: Buffer;
      try {
        signedBody = await this.readBody(req);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          res.setHeader('connection', 'close');
          throw new AwsError('RequestEntityTooLargeException', `Request body exceeds the ${this.maxBodyBytes} byte limit.`, { status: 413 });
        }
        throw error;
      }
      // The signature covers the bytes as sent; the codecs read them uncompressed.
      let body = await this.decodeContent(req, signedBody);

      let operation: string;
      let form: QueryForm | undefined;
      // This request's share of the event loop: a large body is decoded and validated in slices.
      const slices = new TimeSlices();
      if (protocol === 'cbor') {
        service = this.byRpcV2Name.get(rpcV2!.serviceName);
        if (!service) throw new AwsError('UnknownOperationException', `Wharf does not serve the service '${rpcV2!.serviceName}'.`); // unverified wording
        operation = rpcV2!.operation;
      } else if (protocol === 'json') {
        if (typeof target !== 'string' || !target.includes('.')) {
          if (req.method === 'GET' && (url === '/' || url === '')) return sendWelcome(res);
          throw new AwsError('UnknownOperationException', 'Missing or malformed X-Amz-Target header.');
        }
        const [prefix, op] = [target.slice(0, target.lastIndexOf('.')), target.slice(target.lastIndexOf('.') + 1)];
        service = this.byTargetPrefix.get(prefix);
        if (!service) throw new AwsError('UnknownOperationException', `Wharf does not serve the target prefix '${prefix}'.`);
        operation = op;
      } else {
        if (req.method !== 'GET') checkUtf8(body);
        const text = req.method === 'GET' ? queryString : body.toString('utf8');
        if (req.method === 'GET') body = Buffer.alloc(0);
        const scope = credentialScope(req.headers);
        const serviceOf = (action: string) => (scope && this.bySigningName.get(scope.service)) ?? this.findQueryServiceByAction(action);
        // Parameters the action does not take are not kept (inputMembers): the action is read ahead of the form.
        const ahead = actionAhead(text);
        const aheadService = ahead === undefined ? undefined : serviceOf(ahead);
        const keep = aheadService && ahead !== undefined ? inputMembers(aheadService.model, ahead) : undefined;
        form = await readQueryForm(text, slices, keep);
        // The read-ahead saw another action than the form holds (one spelled percent-encoded first): read it all.
        if (keep && form.action !== ahead) form = await readQueryForm(text, slices);
        operation = form.action ?? '';
        service = serviceOf(operation);
      }

      const caller = await this.authenticate(req, url, req.method === 'GET' ? Buffer.alloc(0) : signedBody, protocol, {
        service: service?.signingName,
        // The target names the operation in JSON; the content type selects the protocol: both are signed.
        signedWhenPresent: protocol === 'json' ? ['x-amz-target', 'content-type'] : ['content-type'],
      });
      if (!service) {
        const scope = credentialScope(req.headers);
        throw new AwsError('NotImplemented', `Wharf does not serve the '${scope?.service ?? 'unknown'}' API${operation ? ` (action ${operation})` : ''}.`, { status: 501 });
      }
      const model = service.model;
      // hasOwn: names like `constructor` or `__proto__` must not reach Object.prototype.
      const operationModel = Object.hasOwn(model.operations, operation) ? model.operations[operation] : undefined;
      if (!operationModel) {
        throw protocol === 'query'
          ? new AwsError('InvalidAction', `The action ${operation} is not valid for this web service.`)
          : new AwsError('UnknownOperationException', `Unknown operation ${operation}.`);
      }
      const handler = Object.hasOwn(service.handlers, operation) ? service.handlers[operation] : undefined;
      if (!handler) {
        throw new AwsError('NotImplemented', `Wharf does not support ${service.signingName}:${operation} yet.`, { status: 501 });
      }

      if (protocol === 'json') checkUtf8(body);
      const raw = protocol === 'json' ? parseJsonBody(body) : protocol === 'cbor' ? decodeCborBody(body) : await decodeQueryParams(model, operationModel.input?.shape, form!, service.validationErrorCode, slices, { listLimits: service.queryListLimits });
      if (protocol !== 'query') await checkWellFormed(raw, slices);
      const input = operationModel.input ? await validateInput(model, operationModel.input.shape, raw, service.validationErrorCode, { lowerCamelPaths: protocol === 'query', handlerCheckedPatterns: service.handlerCheckedPatterns, slices }) : {};
      const ctx = contextFor(caller, requestId, this.options.clock.now());
      await this.options.authorize?.({ signingName: service.signingName, operation, input, ctx, query: protocol === 'query', sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') });
      const output = await handler(input, ctx);

      if (protocol === 'json') {
        const wire = operationModel.output ? toJsonWire(model, operationModel.output.shape, output) : {};
        res.writeHead(200, { 'content-type': jsonContentType(model) });
        res.end(JSON.stringify(wire));
      } else if (protocol === 'cbor') {
        // No output shape: an empty body, as Smithy's "no output" case has it.
        const wire = operationModel.output ? encodeCbor(toCborWire(model, operationModel.output.shape, output)) : Buffer.alloc(0);
        res.writeHead(200, { 'content-type': CBOR_CONTENT_TYPE, 'smithy-protocol': SMITHY_PROTOCOL });
        res.end(wire);
      } else {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(queryResultXml(model, operation, operationModel.output?.shape, operationModel.output?.resultWrapper, output, requestId));
      }
    } catch (error) {
      const awsError = toAwsError(error, this.options.logger, requestId);
      if (protocol === 'query') {
        res.writeHead(awsError.status, { 'content-type': 'text/xml' });
        res.end(queryErrorXml(service?.model, awsError, requestId));
      } else if (protocol === 'cbor') {
        res.writeHead(awsError.status, { 'content-type': CBOR_CONTENT_TYPE, 'smithy-protocol': SMITHY_PROTOCOL, ...queryCompatHeaders(service, awsError) });
        res.end(cborErrorBody(errorTypeName(service?.model, awsError.code), awsError));
      } else {
        sendJsonError(res, awsError, service);
      }
    }
  }

  /**
   * `Content-Encoding: gzip` bodies (botocore and the SDK compress large
   * PutMetricData calls), inflated on libuv's thread pool rather than the
   * event loop: 8 MiB of output would otherwise hold every other request.
   */
  private async decodeContent(req: IncomingMessage, body: Buffer): Promise<Buffer> {
    const encoding = String(req.headers['content-encoding'] ?? '').trim().toLowerCase();
    if (!encoding || encoding === 'identity') return body;
    if (encoding !== 'gzip') throw new AwsError('UnsupportedMediaType', `Content-Encoding '${encoding}' is not supported.`, { status: 415 }); // unverified wording
    try {
      return await gunzipOffLoop(body, { maxOutputLength: this.maxBodyBytes });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new AwsError('RequestEntityTooLargeException', `Request body exceeds the ${this.maxBodyBytes} byte limit.`, { status: 413 });
      }
      throw new AwsError('SerializationException', 'Unable to decompress the gzip request body.'); // unverified wording
    }
  }

  private findQueryServiceByAction(action: string): ServiceApi | undefined {
    const matches = this.options.services.filter((service) => speaks(service, 'query') && Object.hasOwn(service.model.operations, action));
    return matches.length === 1 ? matches[0] : undefined;
  }

  private async authenticate(req: IncomingMessage, url: string, body: Buffer, protocol: Protocol, expect: VerifyExpectations): Promise<Caller> {
    try {
      return await this.options.verifier.verify({ method: req.method ?? 'POST', url, headers: req.headers, body }, this.options.clock.now(), expect);
    } catch (error) {
      if (error instanceof AuthFailure) throw authError(error, protocol);
      throw error;
    }
  }

  private readBody(req: IncomingMessage): Promise<Buffer> {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.maxBodyBytes) {
      req.resume();
      return Promise.reject(new BodyTooLarge());
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.maxBodyBytes) {
          req.removeAllListeners('data');
          req.resume();
          reject(new BodyTooLarge());
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }
}

function contextFor(caller: Caller, requestId: string, now: Date): RequestContext {
  const partition = partitionOf(caller.region);
  return {
    requestId,
    scope: { account: caller.key.account, region: caller.region },
    partition,
    accessKeyId: caller.key.accessKeyId,
    principalArn: caller.key.principalArn ?? `arn:${partition}:iam::${caller.key.account}:root`,
    now,
  };
}

const JSON_AUTH_CODES: Record<AuthFailureKind, [string, number]> = {
  missing: ['MissingAuthenticationTokenException', 403],
  incomplete: ['IncompleteSignatureException', 400],
  'unknown-key': ['UnrecognizedClientException', 403],
  mismatch: ['InvalidSignatureException', 403],
  expired: ['InvalidSignatureException', 403],
  'body-hash': ['InvalidSignatureException', 400],
  scope: ['InvalidSignatureException', 403],
};

const QUERY_AUTH_CODES: Record<AuthFailureKind, [string, number]> = {
  missing: ['MissingAuthenticationToken', 403],
  incomplete: ['IncompleteSignature', 400],
  'unknown-key': ['InvalidClientTokenId', 403],
  mismatch: ['SignatureDoesNotMatch', 403],
  expired: ['SignatureDoesNotMatch', 403],
  'body-hash': ['SignatureDoesNotMatch', 400],
  scope: ['SignatureDoesNotMatch', 403], // unverified code for the Query services
};

function authError(failure: AuthFailure, protocol: Protocol): AwsError {
  const [code, status] = (protocol === 'query' ? QUERY_AUTH_CODES : JSON_AUTH_CODES)[failure.kind];
  if (failure.kind === 'expired' && failure.message.startsWith('The security token')) {
    return new AwsError(protocol === 'query' ? 'ExpiredToken' : 'ExpiredTokenException', failure.message, { status });
  }
  return new AwsError(code, failure.message, { status });
}

function toAwsError(error: unknown, logger: Logger, requestId: string): AwsError {
  if (error instanceof AwsError) return error;
  logger.error({ err: error, requestId }, 'handler failed');
  return new AwsError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', { fault: 'server' });
}

function sendJsonError(res: ServerResponse, error: AwsError, service?: ServiceApi): void {
  const type = errorTypeName(service?.model, error.code);
  res.writeHead(error.status, { 'content-type': service ? jsonContentType(service.model) : JSON_CONTENT_TYPE, 'x-amzn-ErrorType': type, ...queryCompatHeaders(service, error) });
  res.end(jsonErrorBody(error, type));
}

function queryCompatHeaders(service: ServiceApi | undefined, error: AwsError): Record<string, string> {
  return isQueryCompatible(service?.model) ? { [QUERY_ERROR_HEADER]: queryErrorHeader(error) } : {};
}

function speaks(service: ServiceApi, protocol: string): boolean {
  return service.model.metadata.protocol === protocol || (service.model.metadata.protocols ?? []).includes(protocol);
}

function sendWelcome(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ service: 'wharf', message: 'Wharf speaks the AWS APIs here: point an AWS client at this address with --endpoint-url.' }));
}
