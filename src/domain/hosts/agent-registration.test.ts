import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentRegistration } from './agent-registration.js';

const where = { account: '123456789012', region: 'eu-west-1' };

test('the engine address names the host when nothing else does; a cluster ARN is its name; wharf.* attributes become the registration', () => {
  const registration = agentRegistration(
    {
      cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/batch',
      attributes: [{ name: 'wharf.docker-url', value: 'tcp://10.0.1.10:2375' }, { name: 'wharf.registry-address', value: '10.0.0.1:4566' }, { name: 'gpu' }],
    },
    where,
  );
  assert.deepEqual(registration, { name: '10.0.1.10-2375', url: 'tcp://10.0.1.10:2375', cluster: 'batch', region: 'eu-west-1', account: '123456789012', attributes: [{ name: 'gpu' }], registryAddress: '10.0.0.1:4566' });
  assert.equal(agentRegistration({ attributes: [{ name: 'wharf.docker-url', value: 'tcp://e:1' }, { name: 'wharf.host-name', value: 'edge-1' }] }, where).name, 'edge-1');
  assert.equal(agentRegistration({ attributes: [{ name: 'wharf.docker-url', value: 'tcp://e:1' }] }, where).cluster, 'default');
  assert.throws(() => agentRegistration({ attributes: [{ name: 'wharf.docker-url', value: 'tcp://e:1' }], instanceIdentityDocument: '{' }, where), /instanceIdentityDocument must be the JSON/);
});
