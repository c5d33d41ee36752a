import type { Store } from '../../ports/store.js';
import { loadModel } from '../model/load-model.js';
import type { ServiceApi } from '../service.js';
import { accountSettingHandlers } from './account-settings.js';
import { capacityProviderHandlers } from './capacity-providers.js';
import { clusterHandlers } from './clusters.js';
import { tagHandlers } from './tags.js';
import { taskDefinitionHandlers } from './task-definitions.js';

/** Amazon ECS over AWS JSON 1.1. Operations without a handler answer NotImplemented. */
export function ecsApi(deps: { store: Store }): ServiceApi {
  return {
    signingName: 'ecs',
    model: loadModel('ecs'),
    validationErrorCode: 'InvalidParameterException',
    handlers: {
      ...clusterHandlers(deps.store),
      ...taskDefinitionHandlers(deps.store),
      ...accountSettingHandlers(deps.store),
      ...capacityProviderHandlers(deps.store),
      ...tagHandlers(deps.store),
    },
  };
}
