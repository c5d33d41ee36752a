import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AwsError } from '../errors.js';
import { checkHostName, parseHostRegistration } from './host-registration.js';

const DEFAULTS = { account: '123456789012' };
const BASE = { name: 'engine-1', url: 'tcp://10.0.0.5:2376' };

/** Asserts the body is refused with an InvalidParameterException whose message matches every pattern. */
function refused(body: unknown, ...patterns: RegExp[]): void {
  assert.throws(
    () => parseHostRegistration(body, DEFAULTS),
    (error: unknown) => {
      assert.ok(error instanceof AwsError, `not an AwsError: ${String(error)}`);
      assert.equal(error.code, 'InvalidParameterException');
      assert.equal(error.fault, 'client');
      for (const pattern of patterns) assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('parseHostRegistration', () => {
  test('the smallest registration gets the defaults', () => {
    assert.deepEqual(parseHostRegistration(BASE, DEFAULTS), {
      name: 'engine-1',
      url: 'tcp://10.0.0.5:2376',
      cluster: 'default',
      region: 'us-east-1',
      account: '123456789012',
      attributes: [],
    });
  });

  test('the caller supplies the default account and region', () => {
    const parsed = parseHostRegistration(BASE, { account: '111122223333', region: 'eu-west-1' });
    assert.equal(parsed.account, '111122223333');
    assert.equal(parsed.region, 'eu-west-1');
  });

  test('every member given is kept', () => {
    const body = {
      name: 'gpu.box_2',
      url: 'tcp://docker-2.internal:2376',
      cluster: 'batch_jobs-1',
      region: 'ap-southeast-2',
      account: '210987654321',
      attributes: [{ name: 'ecs.availability-zone', value: 'ap-southeast-2b' }, { name: 'gpu' }, { name: 'team/owner', value: 'data:science' }],
      tls: { caFile: '/etc/wharf/ca.pem', certFile: '/etc/wharf/cert.pem', keyFile: '/etc/wharf/key.pem' },
      taskSubnet: '10.220.1.0/24',
    };
    assert.deepEqual(parseHostRegistration(body, DEFAULTS), body);
  });

  test('a value in the body wins over the defaults', () => {
    const parsed = parseHostRegistration({ ...BASE, account: '999988887777', region: 'us-west-2' }, { account: '111122223333', region: 'eu-west-1' });
    assert.equal(parsed.account, '999988887777');
    assert.equal(parsed.region, 'us-west-2');
  });

  test('the result holds no absent optional members (so it serializes as given)', () => {
    const parsed = parseHostRegistration(BASE, DEFAULTS);
    assert.equal('tls' in parsed, false);
    assert.equal('taskSubnet' in parsed, false);
  });

  describe('the body', () => {
    for (const body of [null, undefined, 'engine-1', 42, true, [BASE]]) {
      test(`${JSON.stringify(body) ?? 'undefined'} is not an object`, () => refused(body, /must be a JSON object/, /"url": "tcp:\/\/ADDR:PORT"/));
    }
    test('unknown members are named', () => refused({ ...BASE, port: 2376, clutser: 'x' }, /unknown members "port", "clutser"/, /allowed: name, url, cluster/));
    test('name is required', () => refused({ url: BASE.url }, /^name is required/));
    test('url is required', () => refused({ name: 'a' }, /^url is required/));
  });

  describe('name', () => {
    for (const name of ['a', 'A1', '1host', 'x'.repeat(64), 'a.b-c_d', 'h.']) {
      test(`${JSON.stringify(name)} is accepted`, () => assert.equal(parseHostRegistration({ ...BASE, name }, DEFAULTS).name, name));
    }
    for (const name of ['x'.repeat(65), '-host', '.host', '_host', 'my host', 'host/1', 'hôte', 'host:1']) {
      test(`${JSON.stringify(name.length > 20 ? `${name.slice(0, 20)}...` : name)} is refused`, () => refused({ ...BASE, name }, /^name must be 1 to 64 letters, digits/));
    }
    for (const name of ['', 7, null, ['a']]) {
      test(`${JSON.stringify(name)} is not a non-empty string`, () => refused({ ...BASE, name }, /^name must be a non-empty string/));
    }
    test('a huge name is cut short in the message', () => {
      assert.throws(
        () => parseHostRegistration({ ...BASE, name: 'x'.repeat(100_000) }, DEFAULTS),
        (error: unknown) => error instanceof AwsError && error.message.length < 400,
      );
    });
  });

  describe('url', () => {
    for (const url of [
      'tcp://10.0.0.5:2376',
      'tcp://0.0.0.0:1',
      'tcp://255.255.255.255:65535',
      'tcp://localhost:2375',
      'tcp://docker-2.internal.example.com:2376',
      'tcp://1host:2375',
      'tcp://[::1]:2375',
      'tcp://[fd00::a:2]:2376',
      'tcp://[2001:db8:0:0:0:0:0:1]:2375',
      'tcp://[::ffff:10.0.0.5]:2375',
      'tcp://[::]:2375',
    ]) {
      test(`${url} is accepted`, () => assert.equal(parseHostRegistration({ ...BASE, url }, DEFAULTS).url, url));
    }
    for (const url of [
      '10.0.0.5:2376',
      'http://10.0.0.5:2376',
      'TCP://10.0.0.5:2376',
      'unix:///var/run/docker.sock',
      'tcp://10.0.0.5',
      'tcp://10.0.0.5:',
      'tcp://10.0.0.5:2376/',
      'tcp://10.0.0.5:2376/v1.41',
      'tcp://10.0.0.5:2376?x=1',
      'tcp://::1:2375',
    ]) {
      test(`${url} is not tcp://ADDR:PORT`, () => refused({ ...BASE, url }, /^url must be tcp:\/\/ADDR:PORT/, /got "/));
    }
    for (const url of [
      'tcp://256.0.0.1:2375',
      'tcp://10.0.0:2375',
      'tcp://10.0.0.05:2375',
      'tcp://-docker:2375',
      'tcp://docker-:2375',
      'tcp://docker..internal:2375',
      'tcp://dock_er:2375',
      `tcp://${'a'.repeat(64)}.example:2375`,
      'tcp://[1::2::3]:2375',
      'tcp://[12345::1]:2375',
      'tcp://[1:2:3:4:5:6:7:8:9]:2375',
      'tcp://[1:2:3:4:5:6:7]:2375',
      'tcp://[fe80::1%eth0]:2375',
      'tcp://[10.0.0.5]:2375',
      'tcp://[::ffff:256.0.0.1]:2375',
      'tcp://[]:2375',
      'tcp://user@10.0.0.5:2376',
      'tcp://:2376',
      'tcp:// 10.0.0.5:2376',
    ]) {
      test(`${url} has no valid address`, () => refused({ ...BASE, url }, /^url must be tcp:\/\/ADDR:PORT/, /is not a hostname or IP address/));
    }
    for (const url of ['tcp://10.0.0.5:0', 'tcp://10.0.0.5:65536', 'tcp://10.0.0.5:99999', 'tcp://10.0.0.5:02375', 'tcp://10.0.0.5:123456']) {
      test(`${url} has its port out of range`, () => refused({ ...BASE, url }, /^url must be tcp:\/\/ADDR:PORT/, /the port "\d+" is out of range/));
    }
  });

  describe('cluster, region, account', () => {
    test('a cluster name of 255 is accepted', () => assert.equal(parseHostRegistration({ ...BASE, cluster: 'c'.repeat(255) }, DEFAULTS).cluster, 'c'.repeat(255)));
    for (const cluster of ['c'.repeat(256), 'my.cluster', 'arn:aws:ecs:us-east-1:123456789012:cluster/default', 'a b']) {
      test(`cluster ${JSON.stringify(cluster.slice(0, 30))} is refused`, () => refused({ ...BASE, cluster }, /^cluster must be a cluster name of 1 to 255/));
    }
    test('an empty cluster is refused', () => refused({ ...BASE, cluster: '' }, /^cluster must be a non-empty string/));
    for (const region of ['us-east-7', 'mars-north-1', 'US-EAST-1', 'local']) {
      test(`region ${region} is refused`, () => refused({ ...BASE, region }, /^region must be an AWS region name/, new RegExp(`"${region}"`)));
    }
    test('an unknown default region is refused too', () => {
      assert.throws(() => parseHostRegistration(BASE, { account: '123456789012', region: 'nowhere-1' }), /region must be an AWS region name/);
    });
    test('a partition other than aws is known', () => assert.equal(parseHostRegistration({ ...BASE, region: 'cn-north-1' }, DEFAULTS).region, 'cn-north-1'));
    for (const account of ['12345678901', '1234567890123', 'abcdefghijkl', ' 123456789012']) {
      test(`account ${JSON.stringify(account)} is refused`, () => refused({ ...BASE, account }, /^account must be 12 digits/));
    }
    test('an account as a number is refused', () => refused({ ...BASE, account: 123456789012 }, /^account must be a non-empty string when given, got a number/));
    test('a bad default account is refused', () => assert.throws(() => parseHostRegistration(BASE, { account: 'none' }), /account must be 12 digits/));
  });

  describe('attributes', () => {
    test('ten are allowed, eleven are not', () => {
      const ten = Array.from({ length: 10 }, (_, index) => ({ name: `a${index}`, value: 'v' }));
      assert.equal(parseHostRegistration({ ...BASE, attributes: ten }, DEFAULTS).attributes.length, 10);
      refused({ ...BASE, attributes: [...ten, { name: 'a10' }] }, /^attributes may hold at most 10 attributes, got 11/);
    });
    test('an empty list is no attributes', () => assert.deepEqual(parseHostRegistration({ ...BASE, attributes: [] }, DEFAULTS).attributes, []));
    test('names and values at the longest', () => {
      const attribute = { name: 'n'.repeat(128), value: 'v:'.repeat(64) };
      assert.deepEqual(parseHostRegistration({ ...BASE, attributes: [attribute] }, DEFAULTS).attributes, [attribute]);
    });
    test('not an array', () => refused({ ...BASE, attributes: { gpu: 'yes' } }, /^attributes must be an array of \{"name", "value"\?\}, got an object/));
    test('an item that is not an object', () => refused({ ...BASE, attributes: ['gpu=yes'] }, /^attributes\[0\] must be a JSON object with name, value, got a string/));
    test('an item with an unknown member', () => refused({ ...BASE, attributes: [{ name: 'gpu', targetType: 'container-instance' }] }, /^attributes\[0\] has unknown member "targetType"/));
    for (const name of ['', 'n'.repeat(129), 'has space', 'colon:name', 'star*']) {
      test(`name ${JSON.stringify(name.slice(0, 20))} is refused`, () => refused({ ...BASE, attributes: [{ name: 'ok' }, { name, value: 'x' }] }, /^attributes\[1\]\.name is invalid/, /1 to 128 letters/));
    }
    test('a missing name is refused', () => refused({ ...BASE, attributes: [{ value: 'x' }] }, /^attributes\[0\]\.name is invalid: nothing/));
    for (const value of ['', 'v'.repeat(129), 'a b', 'a=b', 7]) {
      test(`value ${JSON.stringify(value)} is refused`, () => refused({ ...BASE, attributes: [{ name: 'k', value }] }, /^attributes\[0\]\.value is invalid/));
    }
    for (const name of ['ecs.instance-type', 'ecs.os-type', 'ecs.cpu-architecture', 'ECS.availability-zone', 'Ecs.anything']) {
      test(`${name} is reserved`, () => refused({ ...BASE, attributes: [{ name, value: 'x' }] }, /is reserved/, /ecs\.availability-zone/));
    }
    test('ecs.availability-zone may be set, with a value', () => {
      assert.deepEqual(parseHostRegistration({ ...BASE, attributes: [{ name: 'ecs.availability-zone', value: 'us-east-1a' }] }, DEFAULTS).attributes, [
        { name: 'ecs.availability-zone', value: 'us-east-1a' },
      ]);
      refused({ ...BASE, attributes: [{ name: 'ecs.availability-zone' }] }, /ecs\.availability-zone needs a value/);
    });
    test('names that merely contain ecs are fine', () => {
      assert.equal(parseHostRegistration({ ...BASE, attributes: [{ name: 'my.ecs.thing' }, { name: 'ecs' }] }, DEFAULTS).attributes.length, 2);
    });
    test('a name given twice is refused', () => refused({ ...BASE, attributes: [{ name: 'gpu', value: 'a' }, { name: 'gpu', value: 'b' }] }, /^attributes\[1\]\.name "gpu" is given twice/));
  });

  describe('tls', () => {
    const tls = { caFile: '/etc/wharf/ca.pem', certFile: '/etc/wharf/cert.pem', keyFile: '/etc/wharf/key.pem' };
    test('all three files', () => assert.deepEqual(parseHostRegistration({ ...BASE, tls }, DEFAULTS).tls, tls));
    test('a partial tls names what is missing', () => {
      refused({ ...BASE, tls: { caFile: tls.caFile } }, /^tls needs all of caFile, certFile and keyFile/, /certFile, keyFile missing/);
      refused({ ...BASE, tls: { caFile: tls.caFile, certFile: tls.certFile } }, /keyFile missing/);
      refused({ ...BASE, tls: {} }, /caFile, certFile, keyFile missing/);
    });
    test('not an object', () => refused({ ...BASE, tls: true }, /^tls must be a JSON object with caFile, certFile, keyFile, got a boolean/));
    test('null is not "none"', () => refused({ ...BASE, tls: null }, /^tls must be a JSON object/));
    test('an unknown member', () => refused({ ...BASE, tls: { ...tls, verify: false } }, /^tls has unknown member "verify"/));
    for (const path of ['ca.pem', './ca.pem', '', 'C:\\ca.pem', 7, '/etc/\0ca.pem']) {
      test(`path ${JSON.stringify(path)} is refused`, () => refused({ ...BASE, tls: { ...tls, certFile: path } }, /^tls\.certFile must be the absolute path of a PEM file/));
    }
  });

  describe('taskSubnet', () => {
    for (const taskSubnet of ['10.220.1.0/24', '10.0.0.0/8', '192.168.7.240/28', '172.16.0.0/12', '10.220.0.0/16']) {
      test(`${taskSubnet} is accepted`, () => assert.equal(parseHostRegistration({ ...BASE, taskSubnet }, DEFAULTS).taskSubnet, taskSubnet));
    }
    for (const taskSubnet of ['10.0.0.0/7', '10.0.0.0/29', '10.0.0.0/32', '0.0.0.0/0']) {
      test(`${taskSubnet} has its prefix out of range`, () => refused({ ...BASE, taskSubnet }, /^taskSubnet must be an IPv4 CIDR block with a prefix from 8 to 28/, /is out of range/));
    }
    test('host bits set name the block meant', () => refused({ ...BASE, taskSubnet: '10.220.1.5/24' }, /has host bits set \(the block is 10\.220\.1\.0\/24\)/));
    test('host bits in a high octet', () => refused({ ...BASE, taskSubnet: '10.255.0.0/9' }, /the block is 10\.128\.0\.0\/9/));
    test('host bits near the top of the address space', () => refused({ ...BASE, taskSubnet: '255.255.255.17/28' }, /the block is 255\.255\.255\.16\/28/));
    for (const taskSubnet of ['10.220.1.0', '10.220.1.0/', '10.220.1/24', '256.0.0.0/8', 'fd00::/64', '10.220.1.0/024', ' 10.220.1.0/24', 'ten/8']) {
      test(`${JSON.stringify(taskSubnet)} is not a CIDR block`, () => refused({ ...BASE, taskSubnet }, /^taskSubnet must be an IPv4 CIDR block/, /got "/));
    }
    test('not a string', () => refused({ ...BASE, taskSubnet: 24 }, /^taskSubnet must be a non-empty string when given, got a number/));
  });

  describe('registryAddress', () => {
    for (const registryAddress of ['10.203.1.1:4566', 'wharf.internal:443', 'w:1', 'registry-1.example:65535']) {
      test(`${registryAddress} is accepted`, () => assert.equal(parseHostRegistration({ ...BASE, registryAddress }, DEFAULTS).registryAddress, registryAddress));
    }
    test('absent: the registration has none', () => assert.equal('registryAddress' in parseHostRegistration(BASE, DEFAULTS), false));
    for (const registryAddress of ['10.203.1.1', 'http://10.203.1.1:4566', '10.203.1.1:4566/v2', '10.203.1.1:0', '10.203.1.1:65536', '[fd00::1]:4566', '-bad:1', 'a:01']) {
      test(`${JSON.stringify(registryAddress)} is refused`, () => refused({ ...BASE, registryAddress }, /^registryAddress must be HOST:PORT/));
    }
  });
});

describe('checkHostName', () => {
  test('accepts what a registration may be named and refuses the rest', () => {
    checkHostName('engine-1');
    assert.throws(() => checkHostName('a/b'), (error: unknown) => error instanceof AwsError && error.code === 'InvalidParameterException' && /"a\/b"/.test(error.message));
    assert.throws(() => checkHostName(''), /name must be 1 to 64/);
  });
});
