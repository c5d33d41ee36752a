import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AwsError } from '../errors.js';
import { ATTRIBUTE, type ContainerInstance } from '../placement/container-instance.js';
import type { HostRegistration } from './host-registration.js';
import { checkSubnetFree, hostViewOf, newRegisteredInstance, reRegistered, REGISTERED_INSTANCE_TYPE } from './registered-instance.js';

const IDS = { containerInstanceId: '0123456789abcdef0123456789abcdef', ec2InstanceId: 'i-0123456789abcdef0' };
const WHERE = { account: '123456789012', region: 'eu-west-1' };

function registration(overrides: Partial<HostRegistration> = {}): HostRegistration {
  return { name: 'engine-1', url: 'tcp://10.0.0.5:2376', cluster: 'prod', region: 'eu-west-1', account: '123456789012', attributes: [], ...overrides };
}

/** Asserts `run` throws an InvalidParameterException whose message matches every pattern. */
function refused(run: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof AwsError, `not an AwsError: ${String(error)}`);
    assert.equal(error.code, 'InvalidParameterException');
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  });
}

const valueOf = (instance: ContainerInstance, name: string) => instance.attributes.filter((attribute) => attribute.name === name).map((attribute) => attribute.value);

describe('newRegisteredInstance', () => {
  test('ACTIVE, not connected, holding nothing, in the registration cluster, version 1', () => {
    const instance = newRegisteredInstance(registration(), IDS, 5_000);
    assert.deepEqual(instance, {
      containerInstanceId: IDS.containerInstanceId,
      ec2InstanceId: IDS.ec2InstanceId,
      clusterName: 'prod',
      status: 'ACTIVE',
      implicit: false,
      host: { name: 'engine-1', url: 'tcp://10.0.0.5:2376' },
      agentConnected: false,
      version: 1,
      registeredResources: {},
      attributes: [
        { name: ATTRIBUTE.osType, value: 'linux' },
        { name: ATTRIBUTE.instanceType, value: REGISTERED_INSTANCE_TYPE },
        { name: ATTRIBUTE.availabilityZone, value: 'eu-west-1a' },
      ],
      registeredAt: 5_000,
      reservations: {},
    });
  });

  test('a given availability zone replaces the default, once; custom attributes follow', () => {
    const instance = newRegisteredInstance(registration({ attributes: [{ name: 'stack', value: 'blue' }, { name: ATTRIBUTE.availabilityZone, value: 'eu-west-1c' }, { name: 'gpu' }] }), IDS, 5_000);
    assert.deepEqual(valueOf(instance, ATTRIBUTE.availabilityZone), ['eu-west-1c']);
    assert.deepEqual(valueOf(instance, 'stack'), ['blue']);
    assert.deepEqual(instance.attributes.find((attribute) => attribute.name === 'gpu'), { name: 'gpu' });
    assert.equal(instance.attributes.length, 5);
  });

  test('TLS files and the task subnet are kept on the host reference', () => {
    const tls = { caFile: '/certs/ca.pem', certFile: '/certs/cert.pem', keyFile: '/certs/key.pem' };
    const instance = newRegisteredInstance(registration({ tls, taskSubnet: '10.220.1.0/24' }), IDS, 5_000);
    assert.deepEqual(instance.host, { name: 'engine-1', url: 'tcp://10.0.0.5:2376', tls, taskSubnet: '10.220.1.0/24' });
  });
});

describe('reRegistered', () => {
  const existing: ContainerInstance = {
    ...newRegisteredInstance(registration({ attributes: [{ name: 'stack', value: 'blue' }], taskSubnet: '10.220.1.0/24' }), IDS, 5_000),
    status: 'DRAINING',
    agentConnected: true,
    version: 7,
    registeredResources: { cpu: 4096, memory: 8192 },
    reservations: { '123456789012|eu-west-1|prod/t1': { cpu: 256, memory: 512, group: 'service:web' } },
  };
  const withArch: ContainerInstance = { ...existing, attributes: [...existing.attributes, { name: ATTRIBUTE.cpuArchitecture, value: 'arm64' }] };

  test('keeps the id, status, reservations and resources; follows url, TLS, subnet and attributes; version + 1', () => {
    const tls = { caFile: '/c/ca.pem', certFile: '/c/cert.pem', keyFile: '/c/key.pem' };
    const next = reRegistered(existing, WHERE, registration({ url: 'tcp://10.0.0.9:2376', tls, taskSubnet: '10.220.2.0/24', attributes: [{ name: 'stack', value: 'green' }, { name: ATTRIBUTE.availabilityZone, value: 'eu-west-1b' }] }));
    assert.equal(next.containerInstanceId, IDS.containerInstanceId);
    assert.equal(next.ec2InstanceId, IDS.ec2InstanceId);
    assert.equal(next.status, 'DRAINING');
    assert.equal(next.registeredAt, 5_000);
    assert.deepEqual(next.reservations, existing.reservations);
    assert.deepEqual(next.registeredResources, existing.registeredResources);
    assert.deepEqual(next.host, { name: 'engine-1', url: 'tcp://10.0.0.9:2376', tls, taskSubnet: '10.220.2.0/24' });
    assert.deepEqual(valueOf(next, 'stack'), ['green']);
    assert.deepEqual(valueOf(next, ATTRIBUTE.availabilityZone), ['eu-west-1b']);
    assert.equal(next.version, 8);
    assert.equal(existing.host!.url, 'tcp://10.0.0.5:2376', 'the input is not mutated');
  });

  test('TLS, subnet and attributes left out of the new registration are dropped', () => {
    const next = reRegistered({ ...existing, host: { ...existing.host!, tls: { caFile: '/a', certFile: '/b', keyFile: '/c' } } }, WHERE, registration());
    assert.deepEqual(next.host, { name: 'engine-1', url: 'tcp://10.0.0.5:2376' });
    assert.deepEqual(valueOf(next, 'stack'), []);
    assert.deepEqual(valueOf(next, ATTRIBUTE.availabilityZone), ['eu-west-1a'], 'back to the default zone');
  });

  test('the CPU architecture the engine reported stays', () => {
    const next = reRegistered(withArch, WHERE, registration());
    assert.deepEqual(valueOf(next, ATTRIBUTE.cpuArchitecture), ['arm64']);
  });

  test('a record without a version counts as version 1', () => {
    const { version: _, ...unversioned } = existing;
    assert.equal(reRegistered(unversioned, WHERE, registration()).version, 2);
  });

  test('another cluster, account or region is refused, naming wharf hosts remove', () => {
    refused(() => reRegistered(existing, WHERE, registration({ cluster: 'staging' })), /registered in cluster prod \(123456789012, eu-west-1\)/, /wharf hosts remove engine-1/);
    refused(() => reRegistered(existing, WHERE, registration({ account: '210987654321' })), /wharf hosts remove engine-1/);
    refused(() => reRegistered(existing, WHERE, registration({ region: 'us-east-1' })), /wharf hosts remove engine-1/);
  });
});

describe('checkSubnetFree', () => {
  const holder = newRegisteredInstance(registration({ name: 'engine-2', taskSubnet: '10.220.1.0/24' }), IDS, 1);

  test('a subnet no other host has is free', () => {
    assert.doesNotThrow(() => checkSubnetFree(registration({ taskSubnet: '10.220.2.0/24' }), [holder]));
  });

  test('the same host registering again on its own subnet is allowed', () => {
    assert.doesNotThrow(() => checkSubnetFree(registration({ name: 'engine-2', taskSubnet: '10.220.1.0/24' }), [holder]));
  });

  test('another host on the subnet: refused, naming it', () => {
    refused(() => checkSubnetFree(registration({ taskSubnet: '10.220.1.0/24' }), [holder]), /taskSubnet 10\.220\.1\.0\/24 is already host engine-2's/);
  });

  test('no subnet asked: nothing to check', () => {
    assert.doesNotThrow(() => checkSubnetFree(registration(), [holder]));
  });
});

describe('hostViewOf', () => {
  test('the admin view, with the container instance ARN of the cluster', () => {
    const instance = { ...newRegisteredInstance(registration({ taskSubnet: '10.220.1.0/24' }), IDS, 1), agentConnected: true };
    assert.deepEqual(hostViewOf(instance, WHERE, 2), {
      name: 'engine-1',
      url: 'tcp://10.0.0.5:2376',
      cluster: 'prod',
      region: 'eu-west-1',
      account: '123456789012',
      containerInstanceArn: `arn:aws:ecs:eu-west-1:123456789012:container-instance/prod/${IDS.containerInstanceId}`,
      ec2InstanceId: IDS.ec2InstanceId,
      status: 'ACTIVE',
      agentConnected: true,
      runningTasksCount: 2,
      taskSubnet: '10.220.1.0/24',
    });
  });

  test('a never connected host shows agentConnected false and no subnet', () => {
    const view = hostViewOf(newRegisteredInstance(registration(), IDS, 1), WHERE, 0);
    assert.equal(view.agentConnected, false);
    assert.equal('taskSubnet' in view, false);
  });
});
