import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeContainer, normalizePortMapping, parseTaskCpu, parseTaskMemory, withHealthCheckDefaults } from './normalize.js';
import { build, client, ec2Input, fargateInput, rejection } from './fixtures.js';
import type { PortMapping } from './types.js';

const INVALID_CPU = client(
  "Invalid 'cpu' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.",
);
const INVALID_MEMORY = client(
  "Invalid 'memory' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.",
);

describe('task cpu normalisation', () => {
  const cases: Array<[string, number]> = [
    ['1024', 1024],
    ['256', 256],
    ['1 vCPU', 1024],
    ['1 vcpu', 1024],
    ['1vCPU', 1024],
    ['0.25 vcpu', 256],
    ['0.5 vCPU', 512],
    ['0.50 vCPU', 512],
    ['2 vCPUs', 2048],
    ['16 vCPU', 16384],
    ['0.125 vCPU', 128],
    [' 4 VCPU ', 4096],
  ];
  for (const [text, units] of cases) test(`${JSON.stringify(text)} -> ${units}`, () => assert.equal(parseTaskCpu(text), units));

  for (const text of ['', ' ', 'abc', '1 GHz', '-1', '0', '0 vCPU', '1024.5', '0.1 vCPU', '1e3', 'vCPU', '1 2']) {
    test(`${JSON.stringify(text)} is refused`, () => assert.deepEqual(rejection(() => parseTaskCpu(text)), INVALID_CPU));
  }
});

describe('task memory normalisation', () => {
  const cases: Array<[string, number]> = [
    ['2048', 2048],
    ['2 GB', 2048],
    ['2GB', 2048],
    ['0.5GB', 512],
    ['0.5 gb', 512],
    ['1.5 GB', 1536],
    ['3 GiB', 3072],
    ['512 MiB', 512],
    ['512 MB', 512],
    ['120 GB', 122880],
  ];
  for (const [text, mib] of cases) test(`${JSON.stringify(text)} -> ${mib}`, () => assert.equal(parseTaskMemory(text), mib));

  for (const text of ['', 'lots', '-512', '0', '0 GB', '512.5', '0.0001 GB', '2 TB', '2 GB RAM']) {
    test(`${JSON.stringify(text)} is refused`, () => assert.deepEqual(rejection(() => parseTaskMemory(text)), INVALID_MEMORY));
  }
});

describe('normalised sizes in the stored definition', () => {
  const cases: Array<[cpu: string, memory: string, storedCpu: string, storedMemory: string]> = [
    ['1 vCPU', '2 GB', '1024', '2048'],
    ['0.25 vcpu', '0.5GB', '256', '512'],
    ['1024', '2048', '1024', '2048'],
    ['2 vCPU', '16GB', '2048', '16384'],
  ];
  for (const [cpu, memory, storedCpu, storedMemory] of cases) {
    test(`Fargate ${cpu} / ${memory} is stored as ${storedCpu} / ${storedMemory}`, () => {
      const out = build({ ...fargateInput(), cpu, memory });
      assert.equal(out.cpu, storedCpu);
      assert.equal(out.memory, storedMemory);
    });
  }

  test('an invalid size string is refused at registration', () => {
    assert.deepEqual(rejection(() => build({ ...fargateInput(), cpu: 'fast' })), INVALID_CPU);
    assert.deepEqual(rejection(() => build({ ...fargateInput(), memory: 'big' })), INVALID_MEMORY);
    assert.deepEqual(rejection(() => build({ ...ec2Input(), cpu: '' })), INVALID_CPU);
  });

  test('the Fargate table is checked after normalisation ("0.5 vCPU" / "1 GB" is 512 / 1024)', () => {
    const out = build({ ...fargateInput(), cpu: '0.5 vCPU', memory: '1 GB' });
    assert.deepEqual([out.cpu, out.memory], ['512', '1024']);
  });
});

describe('container defaults', () => {
  test('a bare container gains the members ECS fills', () => {
    assert.deepEqual(normalizeContainer({ name: 'a', image: 'busybox' }, 'bridge'), {
      name: 'a',
      image: 'busybox',
      cpu: 0,
      portMappings: [],
      essential: true,
      environment: [],
      mountPoints: [],
      volumesFrom: [],
      systemControls: [],
    });
  });

  test('given values are kept, including essential false and cpu', () => {
    const out = normalizeContainer({ name: 'a', image: 'busybox', cpu: 128, essential: false, memory: 64 }, 'bridge');
    assert.equal(out.cpu, 128);
    assert.equal(out.essential, false);
    assert.equal(out.memory, 64);
  });

  test('members come out in the order ECS prints them, unknown ones last', () => {
    const out = normalizeContainer(
      { futureFlag: true, healthCheck: { command: ['CMD', 'true'] }, image: 'busybox', name: 'a', secrets: [] },
      'bridge',
    );
    assert.deepEqual(Object.keys(out), [
      'name', 'image', 'cpu', 'portMappings', 'essential', 'environment', 'mountPoints', 'volumesFrom', 'secrets',
      'healthCheck', 'systemControls', 'futureFlag',
    ]);
  });

  test('the input is never aliased', () => {
    const env = [{ name: 'A', value: '1' }];
    const out = normalizeContainer({ name: 'a', image: 'busybox', environment: env }, 'bridge');
    out.environment![0]!.value = 'changed';
    assert.equal(env[0]!.value, '1');
  });
});

describe('port mapping defaults', () => {
  const cases: Array<[mode: 'awsvpc' | 'host' | 'bridge' | 'none', input: PortMapping, expected: PortMapping]> = [
    ['awsvpc', { containerPort: 80 }, { containerPort: 80, hostPort: 80, protocol: 'tcp' }],
    ['awsvpc', { containerPort: 53, protocol: 'udp' }, { containerPort: 53, hostPort: 53, protocol: 'udp' }],
    ['awsvpc', { containerPort: 80, hostPort: 80 }, { containerPort: 80, hostPort: 80, protocol: 'tcp' }],
    ['host', { containerPort: 80 }, { containerPort: 80, hostPort: 80, protocol: 'tcp' }],
    ['bridge', { containerPort: 80 }, { containerPort: 80, protocol: 'tcp' }],
    ['bridge', { containerPort: 80, hostPort: 0 }, { containerPort: 80, hostPort: 0, protocol: 'tcp' }],
    ['bridge', { containerPort: 80, hostPort: 8080 }, { containerPort: 80, hostPort: 8080, protocol: 'tcp' }],
    [
      'awsvpc',
      { name: 'web', containerPort: 80, appProtocol: 'http' },
      { name: 'web', containerPort: 80, hostPort: 80, protocol: 'tcp', appProtocol: 'http' },
    ],
  ];
  for (const [mode, input, expected] of cases) {
    test(`${mode}: ${JSON.stringify(input)}`, () => assert.deepEqual(normalizePortMapping(input, mode), expected));
  }

  test('awsvpc turns a hostPort of 0 into the container port', () => {
    const out = build(fargateInput({ name: 'app', image: 'nginx', portMappings: [{ containerPort: 80, hostPort: 0 }] }));
    assert.deepEqual(out.containerDefinitions[0]!.portMappings, [{ containerPort: 80, hostPort: 80, protocol: 'tcp' }]);
  });
});

describe('health check defaults', () => {
  test('interval 30, timeout 5, retries 3 are filled; startPeriod stays off', () => {
    assert.deepEqual(withHealthCheckDefaults({ command: ['CMD', 'true'] }), {
      command: ['CMD', 'true'],
      interval: 30,
      timeout: 5,
      retries: 3,
    });
  });

  test('given timings win, startPeriod is kept when given', () => {
    assert.deepEqual(withHealthCheckDefaults({ command: ['CMD', 'true'], interval: 10, timeout: 2, retries: 10, startPeriod: 0 }), {
      command: ['CMD', 'true'],
      interval: 10,
      timeout: 2,
      retries: 10,
      startPeriod: 0,
    });
  });

  test('the stored definition shows the defaults', () => {
    const out = build(fargateInput({ name: 'app', image: 'nginx', healthCheck: { command: ['CMD-SHELL', 'exit 0'] } }));
    assert.deepEqual(out.containerDefinitions[0]!.healthCheck, { command: ['CMD-SHELL', 'exit 0'], interval: 30, timeout: 5, retries: 3 });
  });
});
