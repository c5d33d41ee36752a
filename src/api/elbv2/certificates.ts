import { AwsError } from '../../domain/errors.js';
import { listenerNotFound } from '../../domain/elbv2/errors.js';
import type { ListenerRecord } from '../../domain/elbv2/records.js';
import { selectSslPolicies, sslPolicyOutput } from '../../domain/elbv2/ssl-policies.js';
import type { Store } from '../../ports/store.js';
import type { RequestContext } from '../service.js';
import { find } from './lookup.js';
import { markerPage } from './paging.js';

/** No certificate exists here (Wharf has no ACM or IAM server certificates), so any ARN names a missing one. */
const certificateNotFound = (arn: string) => new AwsError('CertificateNotFound', `Certificate '${arn}' not found`); // unverified wording

/**
 * Listener certificates and SSL policies. Wharf's listeners are HTTP, so a
 * listener's certificate list is always empty; the calls still answer with
 * ELB's errors for a missing listener or certificate.
 */
export function certificateHandlers(store: Store) {
  async function requireListener(ctx: RequestContext, arn: string) {
    const record = await find<ListenerRecord>(store, ctx, arn, 'listener');
    if (!record) throw listenerNotFound(arn);
    return record;
  }

  return {
    async DescribeListenerCertificates(input: { ListenerArn: string; Marker?: string; PageSize?: number }, ctx: RequestContext) {
      await requireListener(ctx, input.ListenerArn);
      return { Certificates: [] };
    },

    async AddListenerCertificates(input: { ListenerArn: string; Certificates: { CertificateArn?: string }[] }, ctx: RequestContext) {
      await requireListener(ctx, input.ListenerArn);
      const first = input.Certificates.find((c) => c.CertificateArn !== undefined);
      throw certificateNotFound(first?.CertificateArn ?? '');
    },

    async RemoveListenerCertificates(input: { ListenerArn: string; Certificates: { CertificateArn?: string }[] }, ctx: RequestContext) {
      await requireListener(ctx, input.ListenerArn);
      // Nothing is attached, so nothing is removed.
      return {};
    },

    async DescribeSSLPolicies(input: { Names?: string[]; Marker?: string; PageSize?: number; LoadBalancerType?: string }) {
      const policies = selectSslPolicies(input.Names);
      // Every policy here serves both application and network load balancers; gateway load balancers take none.
      const forType = input.LoadBalancerType === 'gateway' ? [] : policies;
      // Pages keep the table's order: the marker is a position, not a name.
      const keyed = forType.map((policy, index) => ({ policy, key: String(index).padStart(4, '0') }));
      const result = markerPage(keyed, (item) => item.key, input);
      return { SslPolicies: result.items.map((item) => sslPolicyOutput(item.policy)), ...(result.NextMarker ? { NextMarker: result.NextMarker } : {}) };
    },
  };
}
