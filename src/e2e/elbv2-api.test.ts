import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AddTagsCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyLoadBalancerAttributesCommand,
  ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
  RemoveTagsCommand,
  SetRulePrioritiesCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
  type Tag,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DEFAULT_KEY } from '../cli/config.js';
import { signedRequest, startTestWharf, type TestWharf } from './harness.js';

/**
 * The ELBv2 API: the user's commands from the issue through the aws CLI as
 * written, the CLI's error lines for the main error codes, and the rest of
 * every resource's describe/modify/delete and ELB's error codes through the
 * SDK (each CLI run costs seconds on a busy machine). Health states here come
 * from the API alone: a group no load balancer uses is `unused`, a fresh
 * target `initial`, a deregistered one `draining`.
 */
const ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012';
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The aws CLI's line for a failed call. */
const failure = (operation: string, code: string, message: string) =>
  new RegExp(`An error occurred \\(${code}\\) when calling the ${operation} operation( \\(reached max retries: \\d+\\))?: ${escape(message)}`);
const attributesOf = (list: { Key?: string; Value?: string }[] | undefined) => Object.fromEntries((list ?? []).map((a) => [a.Key, a.Value]));
const tagsOf = (list: Tag[] | undefined) => Object.fromEntries((list ?? []).map((t) => [t.Key, t.Value]));

describe('ELBv2 API through the aws CLI and the SDK', () => {
  let wharf: TestWharf;
  let sdk: ElasticLoadBalancingV2Client;
  let lbArn: string;
  let tgArn: string;
  let listenerArn: string;
  const elb = (args: string[]) => wharf.aws(['elbv2', ...args]);
  const elbFails = async (args: string[]) => (await wharf.awsFails(['elbv2', ...args])).stderr;
  /** The SDK's error carries ELB's wire code in `Code`. */
  const rejects = (promise: Promise<unknown>, Code: string, message?: string | RegExp) => assert.rejects(promise, { Code, ...(message !== undefined ? { message } : {}) });
  const groupNamed = async (Name: string, Port = 80) =>
    (await sdk.send(new CreateTargetGroupCommand({ Name, Protocol: 'HTTP', Port, TargetType: 'ip', VpcId: 'vpc-1' }))).TargetGroups![0]!.TargetGroupArn!;
  const health = async (TargetGroupArn: string, Targets?: { Id: string; Port?: number }[]) =>
    (await sdk.send(new DescribeTargetHealthCommand({ TargetGroupArn, Targets }))).TargetHealthDescriptions as TargetHealthDescription[];

  before(async () => {
    wharf = await startTestWharf();
    sdk = new ElasticLoadBalancingV2Client({
      endpoint: wharf.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: DEFAULT_KEY.accessKeyId, secretAccessKey: DEFAULT_KEY.secretAccessKey },
      maxAttempts: 1,
    });
  });
  after(async () => {
    sdk.destroy();
    await wharf.stop();
  });

  test("the issue's commands: load balancer, target group, listener, target health", async () => {
    const created = await elb(['create-load-balancer', '--name', 'my-alb', '--type', 'application', '--subnets', 'subnet-aaa', 'subnet-bbb', '--security-groups', 'sg-alb']);
    const lb = created.LoadBalancers[0];
    lbArn = lb.LoadBalancerArn;
    assert.match(lbArn, /^arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer\/app\/my-alb\/[0-9a-f]{16}$/);
    assert.match(lb.DNSName, /^my-alb-\d{10}\.us-east-1\.elb\.localhost$/);
    assert.equal(lb.Scheme, 'internet-facing');
    assert.equal(lb.Type, 'application');
    assert.equal(lb.IpAddressType, 'ipv4');
    assert.equal(lb.State.Code, 'provisioning');
    assert.deepEqual(lb.SecurityGroups, ['sg-alb']);
    assert.deepEqual(lb.AvailabilityZones.map((zone: { ZoneName: string; SubnetId: string }) => [zone.ZoneName, zone.SubnetId]), [
      ['us-east-1a', 'subnet-aaa'],
      ['us-east-1b', 'subnet-bbb'],
    ]);
    assert.ok(lb.VpcId && lb.CanonicalHostedZoneId && lb.CreatedTime);
    // The same request again answers with the same load balancer, as ELB does.
    const again = await elb(['create-load-balancer', '--name', 'my-alb', '--type', 'application', '--subnets', 'subnet-aaa', 'subnet-bbb', '--security-groups', 'sg-alb']);
    assert.equal(again.LoadBalancers[0].LoadBalancerArn, lbArn);

    const group = (
      await elb(['create-target-group', '--name', 'my-app', '--protocol', 'HTTP', '--port', '8080', '--target-type', 'ip', '--vpc-id', 'vpc-1', '--health-check-path', '/health', '--health-check-interval-seconds', '10', '--healthy-threshold-count', '2'])
    ).TargetGroups[0];
    tgArn = group.TargetGroupArn;
    assert.match(tgArn, /^arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup\/my-app\/[0-9a-f]{16}$/);
    assert.deepEqual(
      { ...group, TargetGroupArn: undefined },
      {
        TargetGroupArn: undefined,
        TargetGroupName: 'my-app',
        Protocol: 'HTTP',
        Port: 8080,
        VpcId: 'vpc-1',
        HealthCheckProtocol: 'HTTP',
        HealthCheckPort: 'traffic-port',
        HealthCheckEnabled: true,
        HealthCheckIntervalSeconds: 10,
        HealthCheckTimeoutSeconds: 5,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 2,
        HealthCheckPath: '/health',
        Matcher: { HttpCode: '200' },
        LoadBalancerArns: [],
        TargetType: 'ip',
        ProtocolVersion: 'HTTP1',
        IpAddressType: 'ipv4',
      },
    );

    const listener = (await elb(['create-listener', '--load-balancer-arn', lbArn, '--protocol', 'HTTP', '--port', '80', '--default-actions', `Type=forward,TargetGroupArn=${tgArn}`])).Listeners[0];
    listenerArn = listener.ListenerArn;
    assert.match(listenerArn, new RegExp(`^${ARN}:listener/app/my-alb/${lbArn.slice(-16)}/[0-9a-f]{16}$`));
    assert.equal(listener.Port, 80);
    assert.equal(listener.Protocol, 'HTTP');
    assert.deepEqual(listener.DefaultActions, [
      { Type: 'forward', TargetGroupArn: tgArn, ForwardConfig: { TargetGroups: [{ TargetGroupArn: tgArn, Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } } },
    ]);
    // The listener ties the group to the load balancer.
    assert.deepEqual((await elb(['describe-target-groups', '--target-group-arns', tgArn])).TargetGroups[0].LoadBalancerArns, [lbArn]);
    assert.deepEqual((await elb(['describe-target-health', '--target-group-arn', tgArn])).TargetHealthDescriptions, []);

    await elb(['register-targets', '--target-group-arn', tgArn, '--targets', 'Id=127.0.90.1', 'Id=127.0.90.2,Port=9090']);
    // Asked at once through the SDK: a second CLI start on a loaded machine can outlast two 10-second checks.
    const fresh = (await sdk.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions!;
    assert.deepEqual(
      fresh.map((d) => [d.Target!.Id, d.Target!.Port, d.HealthCheckPort, d.TargetHealth!.State]),
      [
        ['127.0.90.1', 8080, '8080', 'initial'],
        ['127.0.90.2', 9090, '9090', 'initial'],
      ],
    );
    for (const d of fresh) assert.match(d.TargetHealth!.Reason!, /^Elb\.(RegistrationInProgress|InitialHealthChecking)$/);

    // The data plane marks the load balancer active once it serves its listeners; the CLI's waiter sees it.
    await elb(['wait', 'load-balancer-available', '--load-balancer-arns', lbArn]);
    assert.equal((await sdk.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] }))).LoadBalancers![0]!.State!.Code, 'active');
  });


  test('load balancers: describe by name and ARN, paging, errors, attributes, deletion protection', async () => {
    const other = (await sdk.send(new CreateLoadBalancerCommand({ Name: 'other-alb', Scheme: 'internal', Subnets: ['subnet-1', 'subnet-2', 'subnet-3'] }))).LoadBalancers![0]!;
    assert.match(other.DNSName!, /^internal-other-alb-\d{10}\.us-east-1\.elb\.localhost$/);
    assert.equal(other.AvailabilityZones![2]!.ZoneName, 'us-east-1c');
    assert.equal((await sdk.send(new DescribeLoadBalancersCommand({ Names: ['other-alb'] }))).LoadBalancers![0]!.LoadBalancerArn, other.LoadBalancerArn);
    assert.equal((await sdk.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] }))).LoadBalancers![0]!.LoadBalancerName, 'my-alb');
    // The CLI pages itself unless --page-size (ELB's own PageSize) is given: then one page and its NextMarker.
    const page = await elb(['describe-load-balancers', '--page-size', '1']);
    assert.equal(page.LoadBalancers.length, 1);
    const rest = await sdk.send(new DescribeLoadBalancersCommand({ PageSize: 1, Marker: page.NextMarker }));
    assert.deepEqual([page.LoadBalancers[0].LoadBalancerName, ...rest.LoadBalancers!.map((lb) => lb.LoadBalancerName)], ['my-alb', 'other-alb']);
    assert.equal(rest.NextMarker, undefined);

    assert.match(await elbFails(['describe-load-balancers', '--names', 'nope', 'other-alb']), failure('DescribeLoadBalancers', 'LoadBalancerNotFound', "Load balancers '[nope]' not found"));
    await rejects(sdk.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [`${ARN}:loadbalancer/app/gone/0123456789abcdef`] })), 'LoadBalancerNotFound', 'One or more load balancers not found');
    await rejects(sdk.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: ['not-an-arn'] })), 'ValidationError', "'not-an-arn' is not a valid load balancer ARN");
    await rejects(sdk.send(new CreateLoadBalancerCommand({ Name: 'my-alb', Subnets: ['subnet-aaa', 'subnet-ccc'] })), 'DuplicateLoadBalancerName', "A load balancer with the same name 'my-alb' exists, but with different settings");
    await rejects(sdk.send(new CreateLoadBalancerCommand({ Name: 'one-subnet', Subnets: ['subnet-aaa'] })), 'ValidationError', 'At least two subnets in two different Availability Zones must be specified');
    await rejects(sdk.send(new CreateLoadBalancerCommand({ Name: 'x'.repeat(33), Subnets: ['a', 'b'] })), 'ValidationError', `The load balancer name '${'x'.repeat(33)}' cannot be longer than '32' characters`);
    await rejects(sdk.send(new CreateLoadBalancerCommand({ Name: 'internal-x', Subnets: ['a', 'b'] })), 'ValidationError', /internal-/);
    await rejects(sdk.send(new CreateLoadBalancerCommand({ Name: 'nlb', Type: 'network', Subnets: ['a', 'b'] })), 'ValidationError', /application load balancers only/);

    assert.deepEqual((await sdk.send(new SetSecurityGroupsCommand({ LoadBalancerArn: other.LoadBalancerArn, SecurityGroups: ['sg-1', 'sg-2'] }))).SecurityGroupIds, ['sg-1', 'sg-2']);
    const moved = await sdk.send(new SetSubnetsCommand({ LoadBalancerArn: other.LoadBalancerArn, Subnets: ['subnet-x', 'subnet-y'] }));
    assert.deepEqual(moved.AvailabilityZones!.map((zone) => [zone.ZoneName, zone.SubnetId]), [['us-east-1a', 'subnet-x'], ['us-east-1b', 'subnet-y']]);
    const described = (await sdk.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [other.LoadBalancerArn!] }))).LoadBalancers![0]!;
    assert.deepEqual(described.SecurityGroups, ['sg-1', 'sg-2']);
    assert.equal(described.AvailabilityZones!.length, 2);

    const attributes = attributesOf((await sdk.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn }))).Attributes);
    assert.equal(attributes['idle_timeout.timeout_seconds'], '60');
    assert.equal(attributes['deletion_protection.enabled'], 'false');
    assert.equal(attributes['routing.http2.enabled'], 'true');
    const modified = await elb(['modify-load-balancer-attributes', '--load-balancer-arn', other.LoadBalancerArn!, '--attributes', 'Key=idle_timeout.timeout_seconds,Value=120', 'Key=deletion_protection.enabled,Value=true']);
    assert.equal(attributesOf(modified.Attributes)['idle_timeout.timeout_seconds'], '120');
    await rejects(sdk.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn, Attributes: [{ Key: 'no.such.key', Value: '1' }] })), 'ValidationError', /'no\.such\.key' is not recognized/);
    await rejects(sdk.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn, Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '0' }] })), 'ValidationError');
    await rejects(sdk.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: other.LoadBalancerArn })), 'OperationNotPermitted', /deletion protection is enabled/);
    await sdk.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: other.LoadBalancerArn, Attributes: [{ Key: 'deletion_protection.enabled', Value: 'false' }] }));
    await sdk.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: other.LoadBalancerArn }));
    // Deleting what is already gone succeeds, as in ELB.
    await sdk.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: other.LoadBalancerArn }));
    await rejects(sdk.send(new DescribeLoadBalancersCommand({ Names: ['other-alb'] })), 'LoadBalancerNotFound');
  });

  test('target groups: describe by names, ARNs and load balancer; modify; attributes; in-use and duplicate errors', async () => {
    const spare = await groupNamed('spare');
    assert.deepEqual((await sdk.send(new DescribeTargetGroupsCommand({ Names: ['my-app', 'spare'] }))).TargetGroups!.map((g) => g.TargetGroupName), ['my-app', 'spare']);
    assert.deepEqual((await sdk.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lbArn }))).TargetGroups!.map((g) => g.TargetGroupArn), [tgArn]);
    await rejects(sdk.send(new DescribeTargetGroupsCommand({ Names: ['nope'] })), 'TargetGroupNotFound', 'One or more target groups not found');
    await rejects(sdk.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [`${ARN}:targetgroup/gone/0123456789abcdef`] })), 'TargetGroupNotFound', 'One or more target groups not found');
    await rejects(
      sdk.send(new CreateTargetGroupCommand({ Name: 'spare', Protocol: 'HTTP', Port: 81, TargetType: 'ip', VpcId: 'vpc-1' })),
      'DuplicateTargetGroupName',
      "A target group with the same name 'spare' exists, but with different settings",
    );
    assert.equal(await groupNamed('spare'), spare, 'the same create again answers with the same group');
    await rejects(
      sdk.send(new CreateTargetGroupCommand({ Name: 'VeryLongGroupNameWhichCausesAnError', Protocol: 'HTTP', Port: 80, VpcId: 'vpc-1' })),
      'ValidationError',
      "Target group name 'VeryLongGroupNameWhichCausesAnError' cannot be longer than '32' characters",
    );
    await rejects(sdk.send(new CreateTargetGroupCommand({ Name: 'tcp', Protocol: 'TCP', Port: 80, VpcId: 'vpc-1' })), 'ValidationError', /'TCP' is not supported/);

    const modified = (await sdk.send(new ModifyTargetGroupCommand({ TargetGroupArn: spare, HealthCheckPath: '/ready', HealthCheckIntervalSeconds: 6, Matcher: { HttpCode: '200-299' } }))).TargetGroups![0]!;
    assert.equal(modified.HealthCheckPath, '/ready');
    assert.equal(modified.HealthCheckIntervalSeconds, 6);
    assert.deepEqual(modified.Matcher, { HttpCode: '200-299' });
    await rejects(sdk.send(new ModifyTargetGroupCommand({ TargetGroupArn: spare, HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 5 })), 'ValidationError', 'Health check interval must be greater than the timeout.');

    const attributes = attributesOf((await sdk.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: spare }))).Attributes);
    assert.equal(attributes['deregistration_delay.timeout_seconds'], '300');
    assert.equal(attributes['stickiness.enabled'], 'false');
    assert.equal(attributes['stickiness.type'], 'lb_cookie');
    assert.equal(attributes['load_balancing.algorithm.type'], 'round_robin');
    const changed = await elb([
      'modify-target-group-attributes', '--target-group-arn', spare, '--attributes',
      'Key=deregistration_delay.timeout_seconds,Value=5', 'Key=stickiness.enabled,Value=true', 'Key=stickiness.lb_cookie.duration_seconds,Value=60', 'Key=load_balancing.algorithm.type,Value=least_outstanding_requests',
    ]);
    assert.equal(attributesOf(changed.Attributes)['deregistration_delay.timeout_seconds'], '5');
    assert.equal(attributesOf(changed.Attributes)['load_balancing.algorithm.type'], 'least_outstanding_requests');
    for (const bad of [{ Key: 'deregistration_delay.timeout_seconds', Value: '3601' }, { Key: 'stickiness.type', Value: 'source_ip' }, { Key: 'bogus', Value: '1' }]) {
      await rejects(sdk.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: spare, Attributes: [bad] })), 'ValidationError');
    }

    assert.match(await elbFails(['delete-target-group', '--target-group-arn', tgArn]), failure('DeleteTargetGroup', 'ResourceInUse', `Target group '${tgArn}' is currently in use by a listener or a rule`));
    await sdk.send(new DeleteTargetGroupCommand({ TargetGroupArn: spare }));
    await rejects(sdk.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: spare })), 'TargetGroupNotFound', `Target groups '${spare}' not found`);
  });

  test('listeners: describe, duplicate port, modify, HTTPS refused, missing target group, one load balancer per group', async () => {
    assert.deepEqual((await sdk.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }))).Listeners!.map((l) => l.ListenerArn), [listenerArn]);
    assert.equal((await sdk.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }))).Listeners![0]!.Port, 80);
    assert.match(
      await elbFails(['create-listener', '--load-balancer-arn', lbArn, '--protocol', 'HTTP', '--port', '80', '--default-actions', `Type=forward,TargetGroupArn=${tgArn}`]),
      failure('CreateListener', 'DuplicateListener', `A listener already exists on this port for this load balancer '${lbArn}'`),
    );
    const forward = [{ Type: 'forward' as const, TargetGroupArn: tgArn }];
    await rejects(sdk.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTPS', Port: 443, DefaultActions: forward })), 'ValidationError', /HTTPS/);
    const missing = `${ARN}:targetgroup/gone/0123456789abcdef`;
    await rejects(
      sdk.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: 81, DefaultActions: [{ Type: 'forward', TargetGroupArn: missing }] })),
      'TargetGroupNotFound',
      `Target groups '${missing}' not found`,
    );
    const gone = `${ARN}:loadbalancer/app/gone/0123456789abcdef`;
    await rejects(sdk.send(new DescribeListenersCommand({ LoadBalancerArn: gone })), 'LoadBalancerNotFound', `Load balancer '${gone}' not found`);
    await rejects(sdk.send(new DescribeListenersCommand({ ListenerArns: [`${ARN}:listener/app/gone/0123456789abcdef/0123456789abcdef`] })), 'ListenerNotFound', 'One or more listeners not found');

    const fixed = (
      await sdk.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: 8081, DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'nothing' } }] }))
    ).Listeners![0]!;
    assert.deepEqual(fixed.DefaultActions, [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'nothing' } }]);
    await rejects(sdk.send(new ModifyListenerCommand({ ListenerArn: fixed.ListenerArn, Port: 80 })), 'DuplicateListener');
    const moved = (
      await sdk.send(new ModifyListenerCommand({ ListenerArn: fixed.ListenerArn, Port: 8082, DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTP', Port: '80', StatusCode: 'HTTP_301' } }] }))
    ).Listeners![0]!;
    assert.equal(moved.Port, 8082);
    assert.deepEqual(moved.DefaultActions![0]!.RedirectConfig, { Protocol: 'HTTP', Port: '80', Host: '#{host}', Path: '/#{path}', Query: '#{query}', StatusCode: 'HTTP_301' });

    // A second load balancer may not forward to a group the first one uses.
    const second = (await sdk.send(new CreateLoadBalancerCommand({ Name: 'second-alb', Subnets: ['subnet-aaa', 'subnet-bbb'] }))).LoadBalancers![0]!.LoadBalancerArn!;
    await rejects(
      sdk.send(new CreateListenerCommand({ LoadBalancerArn: second, Protocol: 'HTTP', Port: 80, DefaultActions: forward })),
      'TargetGroupAssociationLimit',
      `The following target groups cannot be associated with more than one load balancer: ${tgArn}`,
    );
    await sdk.send(new DeleteListenerCommand({ ListenerArn: moved.ListenerArn }));
    await rejects(sdk.send(new DeleteListenerCommand({ ListenerArn: moved.ListenerArn })), 'ListenerNotFound');
    await sdk.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: second }));
  });

  test('rules: conditions in both forms, priorities, the default rule, modify, delete', async () => {
    const api = await groupNamed('api', 8080);
    const rule1 = (await elb(['create-rule', '--listener-arn', listenerArn, '--priority', '10', '--conditions', 'Field=path-pattern,Values=/api/*', '--actions', `Type=forward,TargetGroupArn=${api}`])).Rules[0];
    assert.equal(rule1.Priority, '10');
    assert.equal(rule1.IsDefault, false);
    assert.deepEqual(rule1.Conditions, [{ Field: 'path-pattern', Values: ['/api/*'], PathPatternConfig: { Values: ['/api/*'] } }]);
    assert.deepEqual((await sdk.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [api] }))).TargetGroups![0]!.LoadBalancerArns, [lbArn]);

    const rule2 = (
      await sdk.send(
        new CreateRuleCommand({
          ListenerArn: listenerArn,
          Priority: 20,
          Conditions: [
            { Field: 'host-header', HostHeaderConfig: { Values: ['*.example.com'] } },
            { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Env', Values: ['blue'] } },
            { Field: 'query-string', QueryStringConfig: { Values: [{ Key: 'v', Value: '2' }] } },
            { Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['GET'] } },
          ],
          Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200', ContentType: 'text/plain', MessageBody: 'blue' } }],
        }),
      )
    ).Rules![0]!;
    assert.deepEqual(rule2.Conditions![1], { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Env', Values: ['blue'] } });
    const forwardApi = [{ Type: 'forward' as const, TargetGroupArn: api }];
    await rejects(sdk.send(new CreateRuleCommand({ ListenerArn: listenerArn, Priority: 10, Conditions: [{ Field: 'path-pattern', Values: ['/x'] }], Actions: forwardApi })), 'PriorityInUse', "Priority '10' is currently in use");
    await rejects(
      sdk.send(new CreateRuleCommand({ ListenerArn: listenerArn, Priority: 30, Conditions: [{ Field: 'cookie', Values: ['x'] }], Actions: forwardApi })),
      'ValidationError',
      "Condition field 'cookie' must be one of '[http-header, http-request-method, host-header, path-pattern, query-string, source-ip]'",
    );

    const rules = (await sdk.send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules!;
    assert.deepEqual(rules.map((r) => [r.Priority, r.IsDefault]), [
      ['10', false],
      ['20', false],
      ['default', true],
    ]);
    const defaultArn = rules[2]!.RuleArn!;
    assert.match(defaultArn, new RegExp(`^${ARN}:listener-rule/app/my-alb/${lbArn.slice(-16)}/${listenerArn.slice(-16)}/[0-9a-f]{16}$`));
    assert.equal((await sdk.send(new DescribeRulesCommand({ RuleArns: [defaultArn] }))).Rules![0]!.Priority, 'default');
    await rejects(sdk.send(new DeleteRuleCommand({ RuleArn: defaultArn })), 'OperationNotPermitted');

    const swapped = await sdk.send(new SetRulePrioritiesCommand({ RulePriorities: [{ RuleArn: rule1.RuleArn, Priority: 20 }, { RuleArn: rule2.RuleArn, Priority: 10 }] }));
    assert.deepEqual(swapped.Rules!.map((r) => [r.RuleArn, r.Priority]).sort(), [[rule1.RuleArn, '20'], [rule2.RuleArn, '10']].sort());
    assert.deepEqual((await sdk.send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules!.map((r) => r.RuleArn), [rule2.RuleArn, rule1.RuleArn, defaultArn]);
    await rejects(sdk.send(new SetRulePrioritiesCommand({ RulePriorities: [{ RuleArn: rule1.RuleArn, Priority: 10 }] })), 'PriorityInUse', "Priority '10' is currently in use");

    const modified = (await sdk.send(new ModifyRuleCommand({ RuleArn: rule1.RuleArn, Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/v2/*'] } }], Actions: [{ Type: 'forward', TargetGroupArn: tgArn }] }))).Rules![0]!;
    assert.deepEqual(modified.Conditions![0]!.Values, ['/v2/*']);
    // Nothing forwards to the api group any more: it leaves the load balancer.
    assert.deepEqual((await sdk.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [api] }))).TargetGroups![0]!.LoadBalancerArns, []);

    await sdk.send(new DeleteRuleCommand({ RuleArn: rule2.RuleArn }));
    await rejects(sdk.send(new DeleteRuleCommand({ RuleArn: rule2.RuleArn })), 'RuleNotFound', 'One or more rules not found');
    await rejects(sdk.send(new DescribeRulesCommand({ RuleArns: [rule2.RuleArn!] })), 'RuleNotFound', 'One or more rules not found');
    await sdk.send(new DeleteTargetGroupCommand({ TargetGroupArn: api }));
  });

  test('targets: ip checks, unused groups, draining after deregistration, unregistered targets', async () => {
    const idle = await groupNamed('idle', 8080);
    await sdk.send(new RegisterTargetsCommand({ TargetGroupArn: idle, Targets: [{ Id: '127.0.91.1' }] }));
    assert.deepEqual((await health(idle))[0]!.TargetHealth, { State: 'unused', Reason: 'Target.NotInUse', Description: 'Target group is not configured to receive traffic from the load balancer' });
    await rejects(sdk.send(new RegisterTargetsCommand({ TargetGroupArn: idle, Targets: [{ Id: 'i-0123456789abcdef0' }] })), 'ValidationError', /not a valid IPv4 address/);
    await rejects(sdk.send(new RegisterTargetsCommand({ TargetGroupArn: `${ARN}:targetgroup/gone/0123456789abcdef`, Targets: [{ Id: '127.0.90.3' }] })), 'TargetGroupNotFound');

    await sdk.send(new DeregisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '127.0.90.1' }] }));
    // Deregistering what is not registered changes nothing and is no error.
    await sdk.send(new DeregisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '127.0.99.9' }] }));
    const draining = (await health(tgArn)).find((d) => d.Target?.Id === '127.0.90.1')!;
    assert.deepEqual(draining.TargetHealth, { State: 'draining', Reason: 'Target.DeregistrationInProgress', Description: 'Target deregistration is in progress' });
    assert.deepEqual(await health(tgArn, [{ Id: '127.0.99.9', Port: 8080 }]), [
      { Target: { Id: '127.0.99.9', Port: 8080 }, HealthCheckPort: '8080', TargetHealth: { State: 'unused', Reason: 'Target.NotRegistered', Description: 'Target is not registered to the target group' } },
    ]);
    // Registering a draining target again cancels its deregistration.
    await sdk.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '127.0.90.1' }] }));
    assert.notEqual((await health(tgArn, [{ Id: '127.0.90.1' }]))[0]!.TargetHealth!.State, 'draining');
    await sdk.send(new DeleteTargetGroupCommand({ TargetGroupArn: idle }));
  });

  test('tags on load balancers, target groups, listeners and rules', async () => {
    const defaultRule = (await sdk.send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules!.find((r) => r.IsDefault)!.RuleArn!;
    const arns = [lbArn, tgArn, listenerArn, defaultRule];
    await sdk.send(new AddTagsCommand({ ResourceArns: arns, Tags: [{ Key: 'team', Value: 'web' }, { Key: 'env', Value: 'dev' }] }));
    await sdk.send(new RemoveTagsCommand({ ResourceArns: [tgArn], TagKeys: ['env'] }));
    const described = (await elb(['describe-tags', '--resource-arns', ...arns])).TagDescriptions as { ResourceArn: string; Tags: Tag[] }[];
    const of = (arn: string) => tagsOf(described.find((d) => d.ResourceArn === arn)!.Tags);
    assert.deepEqual(of(lbArn), { team: 'web', env: 'dev' });
    assert.deepEqual(of(tgArn), { team: 'web' });
    assert.deepEqual(of(listenerArn), { team: 'web', env: 'dev' });
    assert.deepEqual(of(defaultRule), { team: 'web', env: 'dev' });
    const gone = `${ARN}:loadbalancer/app/gone/0123456789abcdef`;
    await rejects(sdk.send(new DescribeTagsCommand({ ResourceArns: [gone] })), 'LoadBalancerNotFound', `Load balancer '${gone}' not found`);
    await rejects(sdk.send(new AddTagsCommand({ ResourceArns: [lbArn], Tags: [{ Key: 'a', Value: '1' }, { Key: 'a', Value: '2' }] })), 'DuplicateTagKeys');
    const tagged = (await sdk.send(new CreateTargetGroupCommand({ Name: 'tagged', Protocol: 'HTTP', Port: 80, VpcId: 'vpc-1', TargetType: 'ip', Tags: [{ Key: 'owner', Value: 'me' }] }))).TargetGroups![0]!.TargetGroupArn!;
    assert.deepEqual((await sdk.send(new DescribeTagsCommand({ ResourceArns: [tagged] }))).TagDescriptions![0]!.Tags, [{ Key: 'owner', Value: 'me' }]);
    await sdk.send(new DeleteTargetGroupCommand({ TargetGroupArn: tagged }));
  });

  test('errors are ELB-shaped Query XML', async () => {
    const raw = await signedRequest(wharf.endpoint, {
      body: 'Action=DescribeLoadBalancers&Version=2015-12-01&Names.member.1=nope',
      contentType: 'application/x-www-form-urlencoded; charset=utf-8',
      service: 'elasticloadbalancing',
    });
    assert.equal(raw.status, 400);
    assert.match(
      raw.body,
      /^<ErrorResponse xmlns="http:\/\/elasticloadbalancing\.amazonaws\.com\/doc\/2015-12-01\/"><Error><Type>Sender<\/Type><Code>LoadBalancerNotFound<\/Code><Message>Load balancers (&apos;|')\[nope\](&apos;|') not found<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/,
    );
    await assert.rejects(sdk.send(new DescribeLoadBalancersCommand({ Names: ['nope'] })), { name: 'LoadBalancerNotFoundException' });
    assert.ok((await sdk.send(new DescribeLoadBalancersCommand({ Names: ['my-alb'] }))).LoadBalancers![0]!.CreatedTime instanceof Date);
  });

  test('deleting a load balancer deletes its listeners and rules and frees its target groups', async () => {
    await sdk.send(new CreateRuleCommand({ ListenerArn: listenerArn, Priority: 5, Conditions: [{ Field: 'path-pattern', Values: ['/x'] }], Actions: [{ Type: 'forward', TargetGroupArn: tgArn }] }));
    await sdk.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lbArn }));
    await rejects(sdk.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] })), 'ListenerNotFound');
    await rejects(sdk.send(new DescribeRulesCommand({ ListenerArn: listenerArn })), 'ListenerNotFound');
    assert.deepEqual((await sdk.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tgArn] }))).TargetGroups![0]!.LoadBalancerArns, []);
    const states = await health(tgArn);
    assert.ok(states.length > 0 && states.every((d) => d.TargetHealth!.State === 'unused'), JSON.stringify(states));
    await sdk.send(new DeleteTargetGroupCommand({ TargetGroupArn: tgArn }));
    assert.deepEqual((await sdk.send(new DescribeLoadBalancersCommand({}))).LoadBalancers, []);
  });
});
