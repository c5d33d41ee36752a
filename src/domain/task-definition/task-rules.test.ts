import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RegisterTaskDefinitionInput } from './types.js';
import { build, client, ec2Input, fargateInput, invalid, rejection, seedInput } from './fixtures.js';

type Case = { name: string; input: () => RegisterTaskDefinitionInput; expected: { code: string; message: string } };

const container = (name: string, extra: object = {}) => ({ name, image: 'busybox', memory: 128, ...extra });
const many = (n: number) => Array.from({ length: n }, (_, i) => container(`c${i}`));

const rejected: Case[] = [
  // family
  { name: 'family with a space', input: () => ({ ...ec2Input(), family: 'my app' }), expected: client('Family contains invalid characters.') },
  { name: 'family with a dot', input: () => ({ ...ec2Input(), family: 'my.app' }), expected: client('Family contains invalid characters.') },
  { name: 'family with a colon', input: () => ({ ...ec2Input(), family: 'app:1' }), expected: client('Family contains invalid characters.') },
  { name: 'empty family', input: () => ({ ...ec2Input(), family: '' }), expected: client('Family contains invalid characters.') },
  { name: 'family of 256 characters', input: () => ({ ...ec2Input(), family: 'a'.repeat(256) }), expected: client('Family contains invalid characters.') },
  // container list
  { name: 'no containers', input: () => ({ ...ec2Input(), containerDefinitions: [] }), expected: client('Container list cannot be empty.') },
  { name: 'eleven containers', input: () => ec2Input(...many(11)), expected: client('Too many containers.') },
  // names and images
  { name: 'container without a name', input: () => ec2Input({ image: 'busybox', memory: 128 }), expected: client('Container.name should not be null or empty.') },
  { name: 'container with an empty name', input: () => ec2Input(container('')), expected: client('Container.name should not be null or empty.') },
  { name: 'container name with a slash', input: () => ec2Input(container('web/1')), expected: client('Container.name contains invalid characters.') },
  { name: 'container name of 256 characters', input: () => ec2Input(container('c'.repeat(256))), expected: client('Container.name contains invalid characters.') },
  {
    name: 'two containers with one name',
    input: () => ec2Input(container('web'), container('web')),
    expected: client('Container names must be unique within a Task Definition.'),
  },
  { name: 'container without an image', input: () => ec2Input({ name: 'web', memory: 128 }), expected: client('Container.image should not be null or empty.') },
  { name: 'container with a blank image', input: () => ec2Input(container('web', { image: '  ' })), expected: client('Container.image should not be null or empty.') },
  { name: 'container with a space in its image', input: () => ec2Input(container('web', { image: 'busy box' })), expected: client('Container.image contains invalid characters.') },
  { name: 'container with a control character in its image', input: () => ec2Input(container('web', { image: 'busybox\u0001' })), expected: client('Container.image contains invalid characters.') },
  { name: 'container with a 256-character image', input: () => ec2Input(container('web', { image: 'a'.repeat(256) })), expected: client('Container.image contains invalid characters.') },
  // essential
  {
    name: 'every container non-essential',
    input: () => ec2Input(container('a', { essential: false }), container('b', { essential: false })),
    expected: client("Task definition doesn't have any essential container."),
  },
  // memory at task or container level
  {
    name: 'no memory anywhere',
    input: () => ec2Input({ name: 'web', image: 'busybox' }),
    expected: client("Invalid setting for container 'web'. At least one of 'memory' or 'memoryReservation' must be specified."),
  },
  {
    name: 'memory below memoryReservation',
    input: () => ec2Input(container('web', { memory: 128, memoryReservation: 256 })),
    expected: client("Invalid setting for container 'web'. 'memory' must be greater than or equal to 'memoryReservation'."),
  },
  {
    name: 'container memory above the task memory',
    input: () => ({ ...ec2Input(container('web', { memory: 1025 })), memory: '1024' }),
    expected: client("The 'memory' setting for container is greater than for the task."),
  },
  {
    name: 'container memory above the Fargate task memory',
    input: () => fargateInput({ name: 'app', image: 'nginx', memory: 1024 }),
    expected: client("The 'memory' setting for container is greater than for the task."),
  },
  {
    name: 'one memoryReservation above the task memory',
    input: () => ({ ...ec2Input(container('web', { memory: undefined, memoryReservation: 2048 })), memory: '1024' }),
    expected: client("The 'memoryReservation' setting for container is greater than for the task."),
  },
  {
    name: 'memoryReservations summing above the task memory',
    input: () => ({
      ...ec2Input(container('a', { memory: undefined, memoryReservation: 600 }), container('b', { memory: undefined, memoryReservation: 600 })),
      memory: '1024',
    }),
    expected: client("The sum of all container 'memoryReservation' values cannot be greater than the value of the task 'memory'."),
  },
  {
    name: 'hard limits summing above the task memory',
    input: () => ({ ...ec2Input(container('a', { memory: 600 }), container('b', { memory: 600 })), memory: '1024' }),
    expected: client("The sum of all container 'memory' values cannot be greater than the value of the task 'memory'."),
  },
  // cpu
  {
    name: 'container cpu summing above the task cpu',
    input: () => fargateInput({ name: 'a', image: 'nginx', cpu: 200 }, { name: 'b', image: 'nginx', cpu: 57 }),
    expected: client("The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'."),
  },
  {
    name: 'one container cpu above the task cpu',
    input: () => ({ ...ec2Input(container('web', { cpu: 2048 })), cpu: '1024' }),
    expected: client("The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'."),
  },
  {
    name: 'EC2-only task cpu below 128 units',
    input: () => ({ ...ec2Input(), requiresCompatibilities: ['EC2'], cpu: '64' }),
    expected: client("Invalid 'cpu' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."),
  },
  {
    name: 'EC2-only task cpu above 10 vCPU',
    input: () => ({ ...ec2Input(), requiresCompatibilities: ['EC2'], cpu: '11 vCPU' }),
    expected: client("Invalid 'cpu' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."),
  },
  // ephemeral storage
  { name: 'ephemeral storage of 20 GiB', input: () => ({ ...seedInput(), ephemeralStorage: { sizeInGiB: 20 } }), expected: client('EphemeralStorage size should be at least 21') },
  { name: 'ephemeral storage of 0 GiB', input: () => ({ ...seedInput(), ephemeralStorage: { sizeInGiB: 0 } }), expected: client('EphemeralStorage size should be at least 21') },
  { name: 'ephemeral storage of 201 GiB', input: () => ({ ...seedInput(), ephemeralStorage: { sizeInGiB: 201 } }), expected: client('EphemeralStorage size should be at most 200') },
  // tags
  {
    name: '51 tags',
    input: () => ({ ...seedInput(), tags: Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: 'v' })) }),
    expected: invalid('The number of tags on a resource cannot exceed 50.'),
  },
  { name: 'a tag without a key', input: () => ({ ...seedInput(), tags: [{ value: 'v' }] }), expected: invalid('Tag keys must be between 1 and 128 characters.') },
  { name: 'a tag key of 129 characters', input: () => ({ ...seedInput(), tags: [{ key: 'k'.repeat(129) }] }), expected: invalid('Tag keys must be between 1 and 128 characters.') },
];

describe('task-level rules reject', () => {
  for (const c of rejected) test(c.name, () => assert.deepEqual(rejection(() => build(c.input())), c.expected));
});

describe('task-level rules accept', () => {
  const accepted: Array<{ name: string; input: () => RegisterTaskDefinitionInput }> = [
    { name: 'family of 255 letters, digits, hyphens and underscores', input: () => ({ ...ec2Input(), family: `A-b_9${'x'.repeat(250)}` }) },
    { name: 'ten containers', input: () => ec2Input(...many(10)) },
    { name: 'one essential container among non-essential ones', input: () => ec2Input(container('a', { essential: false }), container('b')) },
    { name: 'essential left out (defaults to true)', input: () => ec2Input(container('a')) },
    { name: 'only memoryReservation on the container', input: () => ec2Input(container('a', { memory: undefined, memoryReservation: 64 })) },
    { name: 'memory equal to memoryReservation', input: () => ec2Input(container('a', { memory: 64, memoryReservation: 64 })) },
    { name: 'task memory and no container memory', input: () => ({ ...ec2Input({ name: 'a', image: 'busybox' }), memory: '512' }) },
    {
      name: 'reservations that fit although hard limits do not',
      input: () => ({
        ...ec2Input(container('a', { memory: 1024, memoryReservation: 256 }), container('b', { memory: 1024, memoryReservation: 256 })),
        memory: '1024',
      }),
    },
    { name: 'container cpu equal to the task cpu', input: () => fargateInput({ name: 'a', image: 'nginx', cpu: 128 }, { name: 'b', image: 'nginx', cpu: 128 }) },
    { name: 'EC2-only cpu at 128 and 10240 units', input: () => ({ ...ec2Input(), requiresCompatibilities: ['EC2'], cpu: '128' }) },
    { name: 'EC2-only cpu of 10 vCPU', input: () => ({ ...ec2Input(), requiresCompatibilities: ['EC2'], cpu: '10 vCPU' }) },
    { name: 'ephemeral storage of 21 GiB', input: () => ({ ...seedInput(), ephemeralStorage: { sizeInGiB: 21 } }) },
    { name: 'ephemeral storage of 200 GiB', input: () => ({ ...seedInput(), ephemeralStorage: { sizeInGiB: 200 } }) },
    { name: '50 tags', input: () => ({ ...seedInput(), tags: Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: '' })) }) },
  ];
  for (const c of accepted) test(c.name, () => assert.doesNotThrow(() => build(c.input())));
});
