import type { SecretCipher } from '../../ports/secret-cipher.js';
import type { Store } from '../../ports/store.js';
import { loadModel } from '../model/load-model.js';
import type { ServiceApi } from '../service.js';
import { secretHandlers } from './secrets.js';
import { valueHandlers } from './values.js';

export interface SecretsManagerApiDeps {
  readonly store: Store;
  /** Values are sealed before they reach the store and opened only to answer a read. */
  readonly cipher: SecretCipher;
}

/**
 * AWS Secrets Manager over AWS JSON 1.1 (target prefix `secretsmanager`).
 * Rotation, replication and resource policies answer NotImplemented.
 */
export function secretsManagerApi(deps: SecretsManagerApiDeps): ServiceApi {
  return {
    signingName: 'secretsmanager',
    model: loadModel('secretsmanager'),
    // Broken model constraints: "1 validation error detected: ..." as ValidationException; the handlers' own checks answer InvalidParameterException.
    validationErrorCode: 'ValidationException',
    handlers: { ...secretHandlers(deps.store, deps.cipher), ...valueHandlers(deps.store, deps.cipher) },
  };
}
