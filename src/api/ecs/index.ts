import type { ContainerInstances } from '../../ports/container-instances.js';
import type { Store } from '../../ports/store.js';
import { loadModel } from '../model/load-model.js';
import type { ServiceApi } from '../service.js';
import { accountSettingHandlers } from './account-settings.js';
import { capacityProviderHandlers } from './capacity-providers.js';
import { clusterHandlers } from './clusters.js';
import { executeCommandHandlers } from './execute-command.js';
import { expressGatewayHandlers } from './express-gateway.js';
import { containerInstanceHandlers } from './container-instances.js';
import { serviceDeploymentHandlers } from './service-deployments.js';
import { continueServiceDeploymentHandlers } from './continue-service-deployment.js';
import { serviceHandlers } from './services.js';
import { tagHandlers } from './tags.js';
import { taskSetHandlers } from './task-sets.js';
import { taskDefinitionHandlers } from './task-definitions.js';
import { taskHandlers } from './tasks.js';

/**
 * Amazon ECS over AWS JSON 1.1. Operations without a handler answer NotImplemented.
 * `registryHost` is Wharf's registry (`127.0.0.1:<port>`): task definitions naming
 * images by its repositoryUri form are held to the ECR rules.
 */
export function ecsApi(deps: { store: Store; instances: ContainerInstances; registryHost?: () => string | undefined; execHost?: () => string | undefined }): ServiceApi {
  return {
    signingName: 'ecs',
    model: loadModel('ecs'),
    validationErrorCode: 'InvalidParameterException',
    handlers: {
      ...clusterHandlers(deps.store),
      ...taskDefinitionHandlers(deps.store, deps.registryHost),
      ...accountSettingHandlers(deps.store),
      ...capacityProviderHandlers(deps.store),
      ...tagHandlers(deps.store),
      ...taskHandlers(deps),
      ...serviceHandlers(deps.store),
      ...serviceDeploymentHandlers(deps.store),
      ...continueServiceDeploymentHandlers(deps.store),
      ...executeCommandHandlers(deps),
      ...taskSetHandlers(deps.store),
      ...containerInstanceHandlers(deps.store, deps.registryHost),
      ...expressGatewayHandlers(deps.store, deps.registryHost),
    },
  };
}
