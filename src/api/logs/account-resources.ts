import { createHash } from 'node:crypto';
import { AwsError } from '../../domain/errors.js';
import { checkPolicyDocument, serviceOfArn } from '../../domain/logs/destinations.js';
import { logGroupNotFound, logsInvalidParameter } from '../../domain/logs/errors.js';
import { checkLogGroupName, logGroupArn, parseLogGroupArn } from '../../domain/logs/names.js';
import { LOG_RESOURCE } from '../../domain/logs/resource-kinds.js';
import type { LogStore } from '../../ports/log-store.js';
import type { RequestContext } from '../service.js';
import { requireGroup } from './lookup.js';
import { limitExceeded } from './metric-filters.js';

/** CloudWatch Logs' quota of account resource policies per region. */
const MAX_RESOURCE_POLICIES = 10;

interface StoredPolicy {
  readonly policyName?: string;
  readonly policyDocument: string;
  readonly lastUpdatedTime: number;
  readonly policyScope: 'ACCOUNT' | 'RESOURCE';
  readonly resourceArn?: string;
  readonly revisionId: string;
}

interface StoredDeliveryDestination {
  readonly name: string;
  readonly arn: string;
  readonly deliveryDestinationType: 'CWL';
  readonly outputFormat?: string;
  readonly deliveryDestinationConfiguration: { readonly destinationResourceArn: string };
  readonly tags?: Record<string, string>;
  readonly policy?: string;
}

const revisionOf = (document: string, at: number) => createHash('sha256').update(`${at}\n${document}`).digest('hex').slice(0, 32);
const notFound = (message: string) => new AwsError('ResourceNotFoundException', message);
const validation = (message: string) => new AwsError('ValidationException', message);
const conflict = (message: string) => new AwsError('ConflictException', message);

/**
 * Resource policies, export tasks and the Delivery APIs (vended logs).
 * Policies and delivery destinations that are log groups are kept and
 * described; export tasks need S3 and delivery sources need an AWS service
 * that vends logs, neither of which exists here, so those are refused in
 * AWS's terms and describe as empty.
 */
export function accountResourceHandlers(store: LogStore) {
  async function policyKeyOf(ctx: RequestContext, input: { policyName?: string; resourceArn?: string }) {
    if (input.resourceArn !== undefined) {
      const arn = parseLogGroupArn(input.resourceArn);
      if (!arn || arn.account !== ctx.scope.account || arn.region !== ctx.scope.region || !(await store.getGroup(ctx.scope, arn.name))) throw notFound('The specified resource does not exist.'); // unverified wording
      return { kind: LOG_RESOURCE.resourcePolicy, name: `resource:${input.resourceArn}` };
    }
    if (input.policyName === undefined) throw logsInvalidParameter('Either policyName or resourceArn must be specified.'); // unverified wording
    return { kind: LOG_RESOURCE.resourcePolicy, name: `account:${input.policyName}` };
  }
  const policyNotFound = (input: { policyName?: string; resourceArn?: string }) =>
    notFound(input.policyName !== undefined ? `Policy with name [${input.policyName}] does not exist` : `No resource policy exists for ${input.resourceArn}`); // unverified wording

  const deliverySourceNotFound = (name: string) => notFound(`Delivery source ${name} does not exist.`); // unverified wording
  const deliveryNotFound = (id: string) => notFound(`Delivery ${id} does not exist.`); // unverified wording
  const destinationKey = (name: string) => ({ kind: LOG_RESOURCE.deliveryDestination, name });
  async function requireDeliveryDestination(ctx: RequestContext, name: string): Promise<StoredDeliveryDestination> {
    const found = (await store.getResource(ctx.scope, destinationKey(name)))?.body as StoredDeliveryDestination | undefined;
    if (!found) throw notFound(`Delivery destination ${name} does not exist.`); // unverified wording
    return found;
  }
  const describeDestination = ({ policy: _policy, ...rest }: StoredDeliveryDestination) => rest;

  return {
    async PutResourcePolicy(input: { policyName?: string; policyDocument?: string; resourceArn?: string; expectedRevisionId?: string }, ctx: RequestContext) {
      if (input.policyDocument === undefined) throw logsInvalidParameter('policyDocument must be specified.'); // unverified wording
      checkPolicyDocument(input.policyDocument);
      const key = await policyKeyOf(ctx, input);
      const previous = (await store.getResource(ctx.scope, key))?.body as StoredPolicy | undefined;
      if (input.expectedRevisionId !== undefined && previous?.revisionId !== input.expectedRevisionId) {
        throw new AwsError('OperationAbortedException', 'The expected revision id does not match the current revision of the policy.'); // unverified wording
      }
      if (!previous && input.resourceArn === undefined) {
        const policies = (await store.listResources(ctx.scope, LOG_RESOURCE.resourcePolicy)).filter((record) => record.name.startsWith('account:'));
        if (policies.length >= MAX_RESOURCE_POLICIES) throw limitExceeded();
      }
      const at = ctx.now.getTime();
      const policy: StoredPolicy = {
        ...(input.policyName !== undefined ? { policyName: input.policyName } : {}),
        policyDocument: input.policyDocument,
        lastUpdatedTime: at,
        policyScope: input.resourceArn !== undefined ? 'RESOURCE' : 'ACCOUNT',
        ...(input.resourceArn !== undefined ? { resourceArn: input.resourceArn } : {}),
        revisionId: revisionOf(input.policyDocument, at),
      };
      await store.putResource(ctx.scope, key, policy);
      return { resourcePolicy: policy, revisionId: policy.revisionId };
    },

    async DescribeResourcePolicies(input: { policyScope?: 'ACCOUNT' | 'RESOURCE'; resourceArn?: string; limit?: number }, ctx: RequestContext) {
      const all = (await store.listResources(ctx.scope, LOG_RESOURCE.resourcePolicy)).map((record) => record.body as StoredPolicy);
      const chosen = all.filter((policy) => (input.resourceArn !== undefined ? policy.resourceArn === input.resourceArn : policy.policyScope === (input.policyScope ?? 'ACCOUNT')));
      return { resourcePolicies: chosen.slice(0, input.limit ?? 50) };
    },

    async DeleteResourcePolicy(input: { policyName?: string; resourceArn?: string; expectedRevisionId?: string }, ctx: RequestContext) {
      const key = await policyKeyOf(ctx, input).catch((error: unknown) => {
        if (error instanceof AwsError && error.code === 'ResourceNotFoundException') throw policyNotFound(input);
        throw error;
      });
      const previous = (await store.getResource(ctx.scope, key))?.body as StoredPolicy | undefined;
      if (!previous) throw policyNotFound(input);
      if (input.expectedRevisionId !== undefined && previous.revisionId !== input.expectedRevisionId) {
        throw new AwsError('OperationAbortedException', 'The expected revision id does not match the current revision of the policy.'); // unverified wording
      }
      await store.deleteResource(ctx.scope, key);
      return {};
    },

    // --- export tasks (to S3) ---

    async CreateExportTask(input: { logGroupName: string; from: number; to: number; destination: string; taskName?: string; logStreamNamePrefix?: string; destinationPrefix?: string }, ctx: RequestContext) {
      checkLogGroupName(input.logGroupName);
      await requireGroup(store, ctx, input.logGroupName);
      if (input.from > input.to) throw logsInvalidParameter('The time range is invalid: from must not be after to.'); // unverified wording
      // The bucket check CloudWatch Logs makes first; there is no S3 here, so no bucket can pass it.
      throw logsInvalidParameter('GetBucketAcl call on the given bucket failed. Please check if CloudWatch Logs has been granted permission to perform this operation.');
    },

    async DescribeExportTasks() {
      return { exportTasks: [] };
    },

    async CancelExportTask() {
      throw notFound('The specified export task does not exist.'); // unverified wording
    },

    // --- deliveries (vended logs) ---

    async PutDeliverySource(input: { name: string; resourceArn: string; logType: string }) {
      // Sources are AWS resources that vend logs (CloudFront, Bedrock, ...): none runs here.
      throw notFound(`The resource ${input.resourceArn} does not exist or does not vend logs of type ${input.logType}.`); // unverified wording
    },
    async GetDeliverySource(input: { name: string }) {
      throw deliverySourceNotFound(input.name);
    },
    async DeleteDeliverySource(input: { name: string }) {
      throw deliverySourceNotFound(input.name);
    },
    async DescribeDeliverySources() {
      return { deliverySources: [] };
    },

    async PutDeliveryDestination(
      input: { name: string; deliveryDestinationConfiguration?: { destinationResourceArn: string }; deliveryDestinationType?: string; outputFormat?: string; tags?: Record<string, string> },
      ctx: RequestContext,
    ) {
      const target = input.deliveryDestinationConfiguration?.destinationResourceArn;
      if (target === undefined) throw validation('deliveryDestinationConfiguration is required.'); // unverified wording
      const service = serviceOfArn(target);
      if (service !== 'logs') {
        throw validation(`Wharf can deliver logs only to CloudWatch Logs log groups; ${target} is in a service (${service}) that does not exist here.`);
      }
      const arn = parseLogGroupArn(target);
      if (!arn || arn.account !== ctx.scope.account || arn.region !== ctx.scope.region) throw validation(`Invalid destinationResourceArn: ${target}`); // unverified wording
      if (!(await store.getGroup(ctx.scope, arn.name))) throw logGroupNotFound();
      const previous = (await store.getResource(ctx.scope, destinationKey(input.name)))?.body as StoredDeliveryDestination | undefined;
      const destination: StoredDeliveryDestination = {
        name: input.name,
        arn: `arn:${ctx.partition}:logs:${ctx.scope.region}:${ctx.scope.account}:delivery-destination:${input.name}`,
        deliveryDestinationType: 'CWL',
        ...(input.outputFormat !== undefined ? { outputFormat: input.outputFormat } : {}),
        deliveryDestinationConfiguration: { destinationResourceArn: logGroupArn(arn.partition, arn.region, arn.account, arn.name) },
        ...(input.tags ? { tags: input.tags } : {}),
        ...(previous?.policy !== undefined ? { policy: previous.policy } : {}),
      };
      await store.putResource(ctx.scope, destinationKey(input.name), destination);
      return { deliveryDestination: describeDestination(destination) };
    },
    async GetDeliveryDestination(input: { name: string }, ctx: RequestContext) {
      return { deliveryDestination: describeDestination(await requireDeliveryDestination(ctx, input.name)) };
    },
    async DescribeDeliveryDestinations(input: { limit?: number }, ctx: RequestContext) {
      const all = (await store.listResources(ctx.scope, LOG_RESOURCE.deliveryDestination)).map((record) => describeDestination(record.body as StoredDeliveryDestination));
      return { deliveryDestinations: all.slice(0, input.limit ?? 50) };
    },
    async DeleteDeliveryDestination(input: { name: string }, ctx: RequestContext) {
      await requireDeliveryDestination(ctx, input.name);
      if ((await store.listResources(ctx.scope, LOG_RESOURCE.delivery)).length > 0) throw conflict(`Delivery destination ${input.name} is in use.`); // unverified wording
      await store.deleteResource(ctx.scope, destinationKey(input.name));
      return {};
    },
    async PutDeliveryDestinationPolicy(input: { deliveryDestinationName: string; deliveryDestinationPolicy: string }, ctx: RequestContext) {
      checkPolicyDocument(input.deliveryDestinationPolicy);
      const destination = await requireDeliveryDestination(ctx, input.deliveryDestinationName);
      await store.putResource(ctx.scope, destinationKey(destination.name), { ...destination, policy: input.deliveryDestinationPolicy });
      return { policy: { deliveryDestinationPolicy: input.deliveryDestinationPolicy } };
    },
    async GetDeliveryDestinationPolicy(input: { deliveryDestinationName: string }, ctx: RequestContext) {
      const destination = await requireDeliveryDestination(ctx, input.deliveryDestinationName);
      return { policy: destination.policy !== undefined ? { deliveryDestinationPolicy: destination.policy } : {} };
    },
    async DeleteDeliveryDestinationPolicy(input: { deliveryDestinationName: string }, ctx: RequestContext) {
      const destination = await requireDeliveryDestination(ctx, input.deliveryDestinationName);
      if (destination.policy === undefined) throw notFound(`Delivery destination ${destination.name} has no policy.`); // unverified wording
      const { policy: _policy, ...rest } = destination;
      await store.putResource(ctx.scope, destinationKey(destination.name), rest);
      return {};
    },

    async CreateDelivery(input: { deliverySourceName: string; deliveryDestinationArn: string }) {
      // A delivery joins a source and a destination; no source can exist here (see PutDeliverySource).
      throw deliverySourceNotFound(input.deliverySourceName);
    },
    async GetDelivery(input: { id: string }) {
      throw deliveryNotFound(input.id);
    },
    async DeleteDelivery(input: { id: string }) {
      throw deliveryNotFound(input.id);
    },
    async UpdateDeliveryConfiguration(input: { id: string }) {
      throw deliveryNotFound(input.id);
    },
    async DescribeDeliveries() {
      return { deliveries: [] };
    },
  };
}
