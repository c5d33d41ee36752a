import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerDefinition, RegisterTaskDefinitionInput } from './types.js';
import { build, client, ec2Input, EXECUTION_ROLE, fargateInput, invalid, rejection } from './fixtures.js';

type Case = { name: string; input: () => RegisterTaskDefinitionInput; expected: { code: string; message: string } };

const app = (extra: Partial<ContainerDefinition> = {}): ContainerDefinition => ({ name: 'app', image: 'nginx', ...extra });
const web = (extra: Partial<ContainerDefinition> = {}): ContainerDefinition => ({ name: 'web', image: 'nginx', memory: 128, ...extra });
/** awsvpc on EC2, so the network rules apply without Fargate's. */
const awsvpcEc2 = (...containers: ContainerDefinition[]): RegisterTaskDefinitionInput => ({ ...ec2Input(...containers), networkMode: 'awsvpc' });
const hostMode = (...containers: ContainerDefinition[]): RegisterTaskDefinitionInput => ({ ...ec2Input(...containers), networkMode: 'host' });

const ports: Case[] = [
  { name: 'portMapping without containerPort', input: () => fargateInput(app({ portMappings: [{ protocol: 'tcp' }] })), expected: client("Invalid 'containerPort' setting for container 'app'.") },
  { name: 'containerPort 0', input: () => fargateInput(app({ portMappings: [{ containerPort: 0 }] })), expected: client("Invalid 'containerPort' setting for container 'app'.") },
  { name: 'containerPort 65536', input: () => ec2Input(web({ portMappings: [{ containerPort: 65536 }] })), expected: client("Invalid 'containerPort' setting for container 'web'.") },
  { name: 'hostPort 70000 in bridge mode', input: () => ec2Input(web({ portMappings: [{ containerPort: 80, hostPort: 70000 }] })), expected: client("Invalid 'hostPort' setting for container 'web'.") },
  {
    name: 'hostPort different from containerPort under awsvpc (Fargate)',
    input: () => fargateInput(app({ portMappings: [{ containerPort: 8080, hostPort: 80 }] })),
    expected: client('When networkMode=awsvpc, the host ports and container ports in port mappings must match.'),
  },
  {
    name: 'hostPort different from containerPort under awsvpc (EC2)',
    input: () => awsvpcEc2(web({ portMappings: [{ containerPort: 8080, hostPort: 80 }] })),
    expected: client('When networkMode=awsvpc, the host ports and container ports in port mappings must match.'),
  },
  {
    name: 'hostPort different from containerPort in host mode',
    input: () => hostMode(web({ portMappings: [{ containerPort: 8080, hostPort: 80 }] })),
    expected: client('When networkMode=host, the host ports and container ports in port mappings must match.'),
  },
  {
    name: 'one container mapping a port twice',
    input: () => fargateInput(app({ portMappings: [{ containerPort: 80 }, { containerPort: 80, protocol: 'tcp' }] })),
    expected: invalid('Container port 80 is used in more than one port mapping for container app'),
  },
  {
    name: 'two containers sharing a container port under awsvpc',
    input: () => fargateInput(app({ portMappings: [{ containerPort: 9901 }] }), app({ name: 'envoy', portMappings: [{ containerPort: 9901 }] })),
    expected: client("TCP container port '9901' is used multiple times in task when networkMode=awsvpc."),
  },
  {
    name: 'two containers sharing a UDP port under awsvpc',
    input: () =>
      fargateInput(app({ portMappings: [{ containerPort: 53, protocol: 'udp' }] }), app({ name: 'dns', portMappings: [{ containerPort: 53, protocol: 'udp' }] })),
    expected: client("UDP container port '53' is used multiple times in task when networkMode=awsvpc."),
  },
  {
    name: 'two containers sharing a host port in bridge mode',
    input: () =>
      ec2Input(web({ portMappings: [{ containerPort: 80, hostPort: 3000 }] }), web({ name: 'api', portMappings: [{ containerPort: 8080, hostPort: 3000 }] })),
    expected: client("TCP host port '3000' is mapped multiple times in task."),
  },
  {
    name: 'two containers sharing a port in host mode',
    input: () => hostMode(web({ portMappings: [{ containerPort: 80 }] }), web({ name: 'api', portMappings: [{ containerPort: 80 }] })),
    expected: client("TCP host port '80' is mapped multiple times in task."),
  },
];

const awsvpcOnly: Case[] = [
  { name: 'links under awsvpc', input: () => fargateInput(app({ links: ['db'] })), expected: client('Links are not supported when networkMode=awsvpc.') },
  { name: 'dnsServers under awsvpc', input: () => fargateInput(app({ dnsServers: ['10.0.0.2'] })), expected: client('DNS servers are not supported on container when networkMode=awsvpc.') },
  {
    name: 'dnsSearchDomains under awsvpc',
    input: () => awsvpcEc2(web({ dnsSearchDomains: ['example.com'] })),
    expected: client('DNS search domains are not supported on container when networkMode=awsvpc.'),
  },
  {
    name: 'extraHosts under awsvpc',
    input: () => fargateInput(app({ extraHosts: [{ hostname: 'db', ipAddress: '10.0.0.5' }] })),
    expected: client('Extra hosts are not supported on container when networkMode=awsvpc.'),
  },
];

const healthCheckCommand = client("Invalid 'healthCheck' setting for container 'app'. The command must start with CMD or CMD-SHELL.");
const range = (field: string, min: number, max: number) =>
  client(`Invalid 'healthCheck.${field}' setting for container 'app'. The value must be between ${min} and ${max}.`);
const withCheck = (check: object) => fargateInput(app({ healthCheck: { command: ['CMD', 'true'], ...check } }));

const healthChecks: Case[] = [
  { name: 'command starting with a program', input: () => withCheck({ command: ['curl', '-f', 'http://localhost'] }), expected: healthCheckCommand },
  { name: 'command starting with NONE', input: () => withCheck({ command: ['NONE'] }), expected: healthCheckCommand },
  { name: 'command of CMD alone', input: () => withCheck({ command: ['CMD'] }), expected: healthCheckCommand },
  { name: 'empty command', input: () => withCheck({ command: [] }), expected: healthCheckCommand },
  { name: 'lower-case cmd-shell', input: () => withCheck({ command: ['cmd-shell', 'true'] }), expected: healthCheckCommand },
  { name: 'interval 4', input: () => withCheck({ interval: 4 }), expected: range('interval', 5, 300) },
  { name: 'interval 301', input: () => withCheck({ interval: 301 }), expected: range('interval', 5, 300) },
  { name: 'timeout 1', input: () => withCheck({ timeout: 1 }), expected: range('timeout', 2, 60) },
  { name: 'timeout 61', input: () => withCheck({ timeout: 61 }), expected: range('timeout', 2, 60) },
  { name: 'retries 0', input: () => withCheck({ retries: 0 }), expected: range('retries', 1, 10) },
  { name: 'retries 11', input: () => withCheck({ retries: 11 }), expected: range('retries', 1, 10) },
  { name: 'startPeriod -1', input: () => withCheck({ startPeriod: -1 }), expected: range('startPeriod', 0, 300) },
  { name: 'startPeriod 301', input: () => withCheck({ startPeriod: 301 }), expected: range('startPeriod', 0, 300) },
];

const dependencies: Case[] = [
  {
    name: 'dependsOn a container not in the task',
    input: () => fargateInput(app({ dependsOn: [{ containerName: 'db', condition: 'START' }] })),
    expected: client("Cannot depend on container + 'db' because it does not exist"),
  },
  {
    name: 'HEALTHY on a container without a health check',
    input: () => fargateInput(app({ dependsOn: [{ containerName: 'envoy', condition: 'HEALTHY' }] }), app({ name: 'envoy' })),
    expected: client('A dependency container with HEALTHY condition must have health check configured'),
  },
  {
    name: 'SUCCESS on an essential container',
    input: () => fargateInput(app({ dependsOn: [{ containerName: 'init', condition: 'SUCCESS' }] }), app({ name: 'init' })),
    expected: client('A dependency container with SUCCESS or COMPLETE condition cannot be an essential container'),
  },
  {
    name: 'COMPLETE on an essential container',
    input: () => fargateInput(app({ dependsOn: [{ containerName: 'init', condition: 'COMPLETE' }] }), app({ name: 'init', essential: true })),
    expected: client('A dependency container with SUCCESS or COMPLETE condition cannot be an essential container'),
  },
  {
    name: 'two containers waiting on each other',
    input: () =>
      fargateInput(
        app({ dependsOn: [{ containerName: 'b', condition: 'START' }] }),
        app({ name: 'b', dependsOn: [{ containerName: 'app', condition: 'START' }] }),
      ),
    expected: client('Container dependencies must not form a cycle.'),
  },
  {
    name: 'a container waiting on itself',
    input: () => fargateInput(app({ dependsOn: [{ containerName: 'app', condition: 'START' }] })),
    expected: client('Container dependencies must not form a cycle.'),
  },
];

const envAndSecrets: Case[] = [
  {
    name: 'an environment variable without a name',
    input: () => fargateInput(app({ environment: [{ value: 'x' }] })),
    expected: client("Invalid 'environment' setting for container 'app'. Environment variable names should not be empty."),
  },
  {
    name: 'a secret with an empty name',
    input: () => fargateInput(app({ secrets: [{ name: '', valueFrom: '/param' }] })),
    expected: client("Invalid 'secrets' setting for container 'app'. Secret names should not be empty."),
  },
  {
    name: 'two secrets with one name',
    input: () => fargateInput(app({ secrets: [{ name: 'APP_ENV', valueFrom: '/a' }, { name: 'APP_ENV', valueFrom: '/b' }] })),
    expected: client('Duplicate secret names found: APP_ENV. Each secret name must be unique.'),
  },
  {
    name: 'a secret named like an environment variable',
    input: () => fargateInput(app({ environment: [{ name: 'DB_PASSWORD', value: 'x' }], secrets: [{ name: 'DB_PASSWORD', valueFrom: '/db' }] })),
    expected: client(
      "The secret name must be unique and not shared with any new or existing environment variables set on the container, such as 'DB_PASSWORD'.",
    ),
  },
  {
    name: 'secrets without an execution role (any launch type)',
    input: () => ec2Input(web({ secrets: [{ name: 'DB_PASSWORD', valueFrom: '/db' }] })),
    expected: client("When you are specifying container secrets, you must also specify a value for 'executionRoleArn'."),
  },
  {
    name: 'log secretOptions without an execution role',
    input: () => ec2Input(web({ logConfiguration: { logDriver: 'splunk', options: { 'splunk-url': 'https://splunk.example' }, secretOptions: [{ name: 'splunk-token', valueFrom: '/splunk/token' }] } })),
    expected: client("When you are specifying container secrets, you must also specify a value for 'executionRoleArn'."),
  },
];

const logsAndFiles: Case[] = [
  {
    name: 'awslogs without options',
    input: () => ec2Input(web({ logConfiguration: { logDriver: 'awslogs' } })),
    expected: client('Log driver awslogs requires options: awslogs-region, awslogs-group'),
  },
  {
    name: 'awslogs without a group',
    input: () => ec2Input(web({ logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-region': 'us-east-1' } } })),
    expected: client('Log driver awslogs requires options: awslogs-region, awslogs-group'),
  },
  {
    name: 'awslogs with an option the driver does not know',
    input: () => ec2Input(web({ logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-region': 'us-east-1', 'awslogs-group': 'g', 'awslogs-stream-prfix': 'x' } } })),
    expected: client("Invalid 'logConfiguration' setting for container 'web': unknown log opt 'awslogs-stream-prfix' for awslogs log driver."),
  },
  {
    name: 'awslogs with a secret option the driver does not know',
    input: () =>
      ({ ...ec2Input(web({ logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-region': 'us-east-1', 'awslogs-group': 'g' }, secretOptions: [{ name: 'awslogs-token', valueFrom: '/t' }] } })), executionRoleArn: EXECUTION_ROLE }),
    expected: client("Invalid 'logConfiguration' setting for container 'web': unknown log opt 'awslogs-token' for awslogs log driver."),
  },
  {
    name: 'awslogs with both a datetime format and a multiline pattern',
    input: () => ec2Input(web({ logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-region': 'us-east-1', 'awslogs-group': 'g', 'awslogs-datetime-format': '%Y', 'awslogs-multiline-pattern': '^x' } } })),
    expected: client("Invalid 'logConfiguration' setting for container 'web': you cannot configure log opt 'awslogs-datetime-format' and 'awslogs-multiline-pattern' at the same time."),
  },
  {
    name: 'an environment file that is not an S3 ARN',
    input: () => ec2Input(web({ environmentFiles: [{ type: 's3', value: 's3://bucket/app.env' }] })),
    expected: client("Invalid 'environmentFiles' setting for container 'web'. The value must be an Amazon S3 object ARN ending in .env."),
  },
  {
    name: 'an environment file without the .env extension',
    input: () => ec2Input(web({ environmentFiles: [{ type: 's3', value: 'arn:aws:s3:::bucket/app.txt' }] })),
    expected: client("Invalid 'environmentFiles' setting for container 'web'. The value must be an Amazon S3 object ARN ending in .env."),
  },
  {
    name: 'an environment file naming only a bucket',
    input: () => ec2Input(web({ environmentFiles: [{ type: 's3', value: 'arn:aws:s3:::bucket.env' }] })),
    expected: client("Invalid 'environmentFiles' setting for container 'web'. The value must be an Amazon S3 object ARN ending in .env."),
  },
  {
    name: 'eleven environment files',
    input: () =>
      ec2Input(web({ environmentFiles: Array.from({ length: 11 }, (_, i) => ({ type: 's3' as const, value: `arn:aws:s3:::b/f${i}.env` })) })),
    expected: client("Invalid 'environmentFiles' setting for container 'web'. A container can have at most 10 environment files."),
  },
];

for (const [title, cases] of [
  ['port mappings', ports],
  ['awsvpc restrictions', awsvpcOnly],
  ['health checks', healthChecks],
  ['dependencies', dependencies],
  ['environment and secrets', envAndSecrets],
  ['log configuration and environment files', logsAndFiles],
] as const) {
  describe(`container rules reject: ${title}`, () => {
    for (const c of cases) test(c.name, () => assert.deepEqual(rejection(() => build(c.input())), c.expected));
  });
}

describe('container rules accept', () => {
  const accepted: Array<{ name: string; input: () => RegisterTaskDefinitionInput }> = [
    { name: 'hostPort equal to containerPort under awsvpc', input: () => fargateInput(app({ portMappings: [{ containerPort: 80, hostPort: 80 }] })) },
    { name: 'the same port over tcp and udp', input: () => fargateInput(app({ portMappings: [{ containerPort: 53 }, { containerPort: 53, protocol: 'udp' }] })) },
    { name: 'a host port differing from the container port in bridge mode', input: () => ec2Input(web({ portMappings: [{ containerPort: 80, hostPort: 8080 }] })) },
    {
      name: 'dynamic host ports (0) repeated in bridge mode',
      input: () => ec2Input(web({ portMappings: [{ containerPort: 80, hostPort: 0 }] }), web({ name: 'b', portMappings: [{ containerPort: 80, hostPort: 0 }] })),
    },
    { name: 'a containerPortRange without containerPort', input: () => fargateInput(app({ portMappings: [{ containerPortRange: '8000-8010' }] })) },
    { name: 'links in bridge mode', input: () => ec2Input(web({ links: ['db'] }), web({ name: 'db' })) },
    { name: 'dnsServers and extraHosts in bridge mode', input: () => ec2Input(web({ dnsServers: ['1.1.1.1'], extraHosts: [{ hostname: 'a', ipAddress: '10.0.0.1' }] })) },
    { name: 'empty links/dns lists under awsvpc (as CDK emits them)', input: () => fargateInput(app({ links: [], dnsServers: [], dnsSearchDomains: [], extraHosts: [] })) },
    { name: 'health check timings at their bounds', input: () => withCheck({ interval: 5, timeout: 60, retries: 10, startPeriod: 300 }) },
    { name: 'health check timings at their other bounds', input: () => withCheck({ interval: 300, timeout: 2, retries: 1, startPeriod: 0 }) },
    { name: 'CMD-SHELL health check', input: () => withCheck({ command: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'] }) },
    {
      name: 'HEALTHY on a container with a health check, SUCCESS on a non-essential one',
      input: () =>
        fargateInput(
          app({ dependsOn: [{ containerName: 'envoy', condition: 'HEALTHY' }, { containerName: 'init', condition: 'SUCCESS' }] }),
          app({ name: 'envoy', healthCheck: { command: ['CMD', 'true'] } }),
          app({ name: 'init', essential: false }),
        ),
    },
    {
      name: 'a chain of START dependencies',
      input: () =>
        fargateInput(app({ dependsOn: [{ containerName: 'b', condition: 'START' }] }), app({ name: 'b', dependsOn: [{ containerName: 'c', condition: 'START' }] }), app({ name: 'c' })),
    },
    { name: 'the same variable name in two containers', input: () => ({ ...fargateInput(app({ environment: [{ name: 'A', value: '1' }] }), app({ name: 'b', secrets: [{ name: 'A', valueFrom: '/a' }] })), executionRoleArn: EXECUTION_ROLE }) },
    { name: 'awslogs with region and group on EC2 without an execution role', input: () => ec2Input(web({ logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-region': 'eu-west-1', 'awslogs-group': 'g' } } })) },
    {
      name: 'awslogs with a secret option it knows, and an execution role',
      input: () =>
        ({ ...ec2Input(web({ logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-region': 'us-east-1', 'awslogs-group': 'g' }, secretOptions: [{ name: 'awslogs-endpoint', valueFrom: '/logs/endpoint' }] } })), executionRoleArn: EXECUTION_ROLE }),
    },
    { name: 'other log drivers without options on EC2', input: () => ec2Input(web({ logConfiguration: { logDriver: 'json-file' } })) },
    { name: 'ten environment files with S3 ARNs', input: () => ec2Input(web({ environmentFiles: Array.from({ length: 10 }, (_, i) => ({ type: 's3' as const, value: `arn:aws:s3:::b/dir/f${i}.env` })) })) },
  ];
  for (const c of accepted) test(c.name, () => assert.doesNotThrow(() => build(c.input())));
});
