import type { Store } from '../../ports/store.js';
import { loadModel } from '../model/load-model.js';
import type { ServiceApi } from '../service.js';
import { activityHandlers } from './activities.js';
import { policyHandlers } from './policies.js';
import { scheduledActionHandlers } from './scheduled-actions.js';
import { tagHandlers } from './tags.js';
import { targetHandlers } from './targets.js';

export interface ApplicationAutoScalingApiDeps {
  readonly store: Store;
}

/**
 * Application Auto Scaling over AWS JSON 1.1 (target prefix
 * AnyScaleFrontendService), for ECS services' desired counts. Handlers record
 * targets, policies (with their alarms) and scheduled actions; the autoscaler
 * controller acts on alarms and schedules.
 */
export function applicationAutoScalingApi(deps: ApplicationAutoScalingApiDeps): ServiceApi {
  return {
    signingName: 'application-autoscaling',
    model: loadModel('application-autoscaling'),
    validationErrorCode: 'ValidationException',
    handlers: {
      ...targetHandlers(deps.store),
      ...policyHandlers(deps.store),
      ...scheduledActionHandlers(deps.store),
      ...activityHandlers(deps.store),
      ...tagHandlers(deps.store),
    },
  };
}
