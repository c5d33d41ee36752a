import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AddListenerCertificatesCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  DeleteRuleCommand,
  DescribeListenerCertificatesCommand,
  DescribeRulesCommand,
  DescribeSSLPoliciesCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  RemoveListenerCertificatesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { rejection, sdkClient, startTestWharf, type TestWharf } from './harness.js';

const ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012';

describe('ELBv2 beyond the happy path, through the SDK', () => {
  let wharf: TestWharf;
  let elb: ElasticLoadBalancingV2Client;
  before(async () => {
    wharf = await startTestWharf();
    elb = sdkClient(ElasticLoadBalancingV2Client, wharf);
  });
  after(() => wharf.stop());

  test("DescribeSSLPolicies answers ELB's policy table: protocols, ciphers by priority, load balancer types; names and paging", async () => {
    const all = (await elb.send(new DescribeSSLPoliciesCommand({}))).SslPolicies!;
    const names = all.map((p) => p.Name);
    for (const name of ['ELBSecurityPolicy-2016-08', 'ELBSecurityPolicy-TLS13-1-2-2021-06', 'ELBSecurityPolicy-TLS-1-2-2017-01', 'ELBSecurityPolicy-FS-1-2-Res-2019-08']) assert.ok(names.includes(name), name);
    const [compat] = (await elb.send(new DescribeSSLPoliciesCommand({ Names: ['ELBSecurityPolicy-2016-08'] }))).SslPolicies!;
    assert.deepEqual(compat!.SslProtocols, ['TLSv1', 'TLSv1.1', 'TLSv1.2']);
    assert.deepEqual(compat!.Ciphers![0], { Name: 'ECDHE-ECDSA-AES128-GCM-SHA256', Priority: 1 });
    assert.equal(compat!.Ciphers!.length, 18);
    assert.deepEqual(compat!.SupportedLoadBalancerTypes, ['application', 'network']);
    const [tls13] = (await elb.send(new DescribeSSLPoliciesCommand({ Names: ['ELBSecurityPolicy-TLS13-1-3-2021-06'] }))).SslPolicies!;
    assert.deepEqual(tls13!.SslProtocols, ['TLSv1.3']);
    assert.deepEqual(tls13!.Ciphers!.map((c) => c.Name), ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']);
    const [strict] = (await elb.send(new DescribeSSLPoliciesCommand({ Names: ['ELBSecurityPolicy-TLS-1-2-2017-01'] }))).SslPolicies!;
    assert.ok(!strict!.Ciphers!.some((c) => c.Name === 'AES128-SHA'));
    assert.match(await rejection(elb.send(new DescribeSSLPoliciesCommand({ Names: ['ELBSecurityPolicy-Nope'] }))), /^SSLPolicyNotFound/);
    const first = await elb.send(new DescribeSSLPoliciesCommand({ PageSize: 5 }));
    const rest = await elb.send(new DescribeSSLPoliciesCommand({ PageSize: 400, Marker: first.NextMarker! }));
    assert.deepEqual([...first.SslPolicies!, ...rest.SslPolicies!].map((p) => p.Name), names);
  });

  test("listener certificate calls answer with ELB's errors; a malformed rule ARN gets ELB's ValidationError", async () => {
    const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'certs', Subnets: ['subnet-1', 'subnet-2'] }))).LoadBalancers![0]!;
    const listener = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn!, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200' } }] })))
      .Listeners![0]!;
    const missingListener = `${ARN}:listener/app/certs/0123456789abcdef/0123456789abcdef`;
    const certificate = 'arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000';
    assert.match(await rejection(elb.send(new DescribeListenerCertificatesCommand({ ListenerArn: missingListener }))), /^ListenerNotFound/);
    assert.match(await rejection(elb.send(new AddListenerCertificatesCommand({ ListenerArn: missingListener, Certificates: [{ CertificateArn: certificate }] }))), /^ListenerNotFound/);
    assert.match(await rejection(elb.send(new RemoveListenerCertificatesCommand({ ListenerArn: missingListener, Certificates: [{ CertificateArn: certificate }] }))), /^ListenerNotFound/);
    assert.deepEqual((await elb.send(new DescribeListenerCertificatesCommand({ ListenerArn: listener.ListenerArn! }))).Certificates, []);
    assert.equal(await rejection(elb.send(new AddListenerCertificatesCommand({ ListenerArn: listener.ListenerArn!, Certificates: [{ CertificateArn: certificate }] }))), `CertificateNotFoundException: Certificate '${certificate}' not found`);
    await elb.send(new RemoveListenerCertificatesCommand({ ListenerArn: listener.ListenerArn!, Certificates: [{ CertificateArn: certificate }] }));

    for (const bad of ['not-a-rule', `${ARN}:listener-rule/app/certs/xyz`, listener.ListenerArn!]) {
      assert.equal(await rejection(elb.send(new DescribeRulesCommand({ RuleArns: [bad] }))), `ValidationError: '${bad}' must be in ARN format`);
      assert.equal(await rejection(elb.send(new DeleteRuleCommand({ RuleArn: bad }))), `ValidationError: '${bad}' must be in ARN format`);
      assert.equal(await rejection(elb.send(new ModifyRuleCommand({ RuleArn: bad }))), `ValidationError: '${bad}' must be in ARN format`);
    }
    assert.match(await rejection(elb.send(new DescribeRulesCommand({ RuleArns: [`${listener.ListenerArn!}/0123456789abcdef`.replace(':listener/', ':listener-rule/')] }))), /^RuleNotFound/);
  });
});
