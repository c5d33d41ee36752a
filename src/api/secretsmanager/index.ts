import type { SecretCipher } from '../../ports/secret-cipher.js';
import type { Store } from '../../ports/store.js';
import { loadModel } from '../model/load-model.js';
import type { ServiceApi } from '../service.js';
import { policyHandlers } from './policies.js';
import { replicationHandlers } from './replication.js';
import { rotationHandlers } from './rotation.js';
import { secretHandlers } from './secrets.js';
import { valueHandlers } from './values.js';

export interface SecretsManagerApiDeps {
  readonly store: Store;
  /** Values are sealed before they reach the store and opened only to answer a read. */
  readonly cipher: SecretCipher;
}

/**
 * AWS Secrets Manager over AWS JSON 1.1 (target prefix `secretsmanager`).
 * Replication copies secrets to other regions of this Wharf; resource
 * policies are stored and checked; rotation keeps its configuration and fails
 * as AWS fails when it cannot invoke the rotation function (there is no Lambda).
 */
export function secretsManagerApi(deps: SecretsManagerApiDeps): ServiceApi {
  return {
    signingName: 'secretsmanager',
    model: loadModel('secretsmanager'),
    // Broken model constraints: "1 validation error detected: ..." as ValidationException; the handlers' own checks answer InvalidParameterException.
    validationErrorCode: 'ValidationException',
    handlers: {
      ...secretHandlers(deps.store, deps.cipher),
      ...valueHandlers(deps.store, deps.cipher),
      ...policyHandlers(deps.store, deps.cipher),
      ...replicationHandlers(deps.store, deps.cipher),
      ...rotationHandlers(deps.store, deps.cipher),
    },
  };
}
