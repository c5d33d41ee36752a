import type { BlobStore, RegistryCredentials } from '../../ports/blob-store.js';
import { awsRegistryHost } from '../../domain/ecr/repository.js';
import type { Scope, Store } from '../../ports/store.js';
import { loadModel } from '../model/load-model.js';
import type { ServiceApi } from '../service.js';
import { authHandlers } from './auth.js';
import { imageHandlers } from './images.js';
import { layerHandlers } from './layers.js';
import { policyHandlers } from './policies.js';
import { registryHandlers } from './registry.js';
import { repositoryHandlers } from './repositories.js';
import { scanHandlers } from './scans.js';
import { tagHandlers } from './tags.js';

export interface EcrApiDeps {
  readonly store: Store;
  readonly blobs: BlobStore;
  readonly credentials: RegistryCredentials;
  /** `127.0.0.1:<port>`: where docker reaches Wharf's registry (repositoryUri, proxyEndpoint, download URLs). */
  readonly registryHost: () => string;
  /** `aws`: repositoryUri and proxyEndpoint name the registry as AWS does (`<account>.dkr.ecr.<region>.amazonaws.com`); the registry answers to both. */
  readonly uriStyle?: 'wharf' | 'aws';
}

/** Amazon ECR over AWS JSON 1.1 (target prefix AmazonEC2ContainerRegistry_V20150921). Operations without a handler answer NotImplemented. */
export function ecrApi(deps: EcrApiDeps): ServiceApi {
  const repositoryHost = (scope: Scope) => (deps.uriStyle === 'aws' ? awsRegistryHost(scope.account, scope.region) : deps.registryHost());
  const proxyEndpoint = (scope: Scope) => (deps.uriStyle === 'aws' ? `https://${awsRegistryHost(scope.account, scope.region)}` : `http://${deps.registryHost()}`);
  return {
    signingName: 'ecr',
    model: loadModel('ecr'),
    validationErrorCode: 'InvalidParameterException',
    // ECR answers a bad repository name in its own form (checkRepositoryName), not the model's.
    handlerCheckedPatterns: new Set(['RepositoryName']),
    handlers: {
      ...repositoryHandlers(deps.store, repositoryHost),
      ...policyHandlers(deps.store),
      ...tagHandlers(deps.store),
      ...imageHandlers(deps.store, deps.blobs),
      ...layerHandlers(deps.store, deps.blobs, deps.registryHost),
      ...authHandlers(deps.credentials, proxyEndpoint),
      ...registryHandlers(deps.store),
      ...scanHandlers(deps.store),
    },
  };
}
