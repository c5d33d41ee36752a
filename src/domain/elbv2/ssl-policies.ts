import { AwsError } from '../errors.js';

/**
 * ELB's predefined security policies for Application (and Network) Load
 * Balancers: protocols and ciphers in priority order, as the Application
 * Load Balancer guide tables them. Wharf serves HTTP listeners only, so these
 * describe what AWS offers; nothing here negotiates TLS.
 */
export interface SslPolicy {
  readonly name: string;
  readonly protocols: readonly string[];
  readonly ciphers: readonly string[];
}

const TLS13 = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const ECDHE_GCM_SHA = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES128-SHA256',
  'ECDHE-RSA-AES128-SHA256',
];
const ECDHE_256 = ['ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-AES256-SHA384', 'ECDHE-RSA-AES256-SHA384'];
/** The ciphers of ELBSecurityPolicy-2016-08, in its order. */
const COMPAT = [
  ...ECDHE_GCM_SHA,
  'ECDHE-ECDSA-AES128-SHA',
  'ECDHE-RSA-AES128-SHA',
  ...ECDHE_256,
  'ECDHE-RSA-AES256-SHA',
  'ECDHE-ECDSA-AES256-SHA',
  'AES128-GCM-SHA256',
  'AES128-SHA256',
  'AES128-SHA',
  'AES256-GCM-SHA384',
  'AES256-SHA256',
  'AES256-SHA',
];
const without = (ciphers: readonly string[], dropped: readonly string[]) => ciphers.filter((c) => !dropped.includes(c));
const CBC_SHA1 = ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA', 'ECDHE-ECDSA-AES256-SHA', 'AES128-SHA', 'AES256-SHA'];
const RSA_KEX = ['AES128-GCM-SHA256', 'AES128-SHA256', 'AES128-SHA', 'AES256-GCM-SHA384', 'AES256-SHA256', 'AES256-SHA'];
const ALL_TLS = ['TLSv1', 'TLSv1.1', 'TLSv1.2'];

export const SSL_POLICIES: readonly SslPolicy[] = [
  { name: 'ELBSecurityPolicy-2016-08', protocols: ALL_TLS, ciphers: COMPAT },
  { name: 'ELBSecurityPolicy-TLS-1-0-2015-04', protocols: ALL_TLS, ciphers: [...COMPAT, 'DES-CBC3-SHA'] },
  { name: 'ELBSecurityPolicy-TLS-1-1-2017-01', protocols: ['TLSv1.1', 'TLSv1.2'], ciphers: COMPAT },
  { name: 'ELBSecurityPolicy-TLS-1-2-2017-01', protocols: ['TLSv1.2'], ciphers: without(COMPAT, CBC_SHA1) },
  { name: 'ELBSecurityPolicy-TLS-1-2-Ext-2018-06', protocols: ['TLSv1.2'], ciphers: COMPAT },
  { name: 'ELBSecurityPolicy-FS-2018-06', protocols: ALL_TLS, ciphers: without(COMPAT, RSA_KEX) },
  { name: 'ELBSecurityPolicy-FS-1-1-2019-08', protocols: ['TLSv1.1', 'TLSv1.2'], ciphers: without(COMPAT, RSA_KEX) },
  { name: 'ELBSecurityPolicy-FS-1-2-2019-08', protocols: ['TLSv1.2'], ciphers: without(COMPAT, RSA_KEX) },
  { name: 'ELBSecurityPolicy-FS-1-2-Res-2019-08', protocols: ['TLSv1.2'], ciphers: without(COMPAT, [...RSA_KEX, ...CBC_SHA1]) },
  { name: 'ELBSecurityPolicy-2015-05', protocols: ALL_TLS, ciphers: COMPAT },
  { name: 'ELBSecurityPolicy-TLS13-1-2-2021-06', protocols: ['TLSv1.2', 'TLSv1.3'], ciphers: [...TLS13, ...ECDHE_GCM_SHA, ...ECDHE_256] },
  {
    name: 'ELBSecurityPolicy-TLS13-1-2-Res-2021-06',
    protocols: ['TLSv1.2', 'TLSv1.3'],
    ciphers: [...TLS13, 'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'],
  },
  { name: 'ELBSecurityPolicy-TLS13-1-3-2021-06', protocols: ['TLSv1.3'], ciphers: TLS13 },
];

// unverified wording
export const sslPolicyNotFound = () => new AwsError('SSLPolicyNotFound', 'One or more ssl policies not found');

/** The policies DescribeSSLPolicies names (all when none), in the table's order; an unknown name fails the call. */
export function selectSslPolicies(names: readonly string[] | undefined): SslPolicy[] {
  if (!names || names.length === 0) return [...SSL_POLICIES];
  const byName = new Map(SSL_POLICIES.map((p) => [p.name, p]));
  if (names.some((name) => !byName.has(name))) throw sslPolicyNotFound();
  return SSL_POLICIES.filter((p) => names.includes(p.name));
}

export function sslPolicyOutput(policy: SslPolicy) {
  return {
    SslProtocols: [...policy.protocols],
    Ciphers: policy.ciphers.map((Name, index) => ({ Name, Priority: index + 1 })),
    Name: policy.name,
    SupportedLoadBalancerTypes: ['application', 'network'],
  };
}
