import type { SecretCipher } from '../../ports/secret-cipher.js';
import type { Store } from '../../ports/store.js';
import { loadModel } from '../model/load-model.js';
import type { ServiceApi } from '../service.js';
import { describeHandlers } from './describe.js';
import { parameterHandlers } from './parameters.js';
import { sessionHandlers } from './sessions.js';

export interface SsmApiDeps {
  readonly store: Store;
  /** SecureString values are sealed before they reach the store. */
  readonly cipher: SecretCipher;
  /** `host:port` of the ECS Exec endpoint, for ResumeSession's stream URL. */
  readonly execHost?: () => string | undefined;
}

/**
 * AWS Systems Manager Parameter Store over AWS JSON 1.1 (target prefix
 * `AmazonSSM`). The rest of Systems Manager answers NotImplemented.
 */
export function ssmApi(deps: SsmApiDeps): ServiceApi {
  return {
    signingName: 'ssm',
    model: loadModel('ssm'),
    validationErrorCode: 'ValidationException',
    handlers: { ...parameterHandlers(deps.store, deps.cipher), ...describeHandlers(deps.store, deps.cipher), ...sessionHandlers(deps.store, deps.execHost) },
  };
}
