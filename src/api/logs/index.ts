import type { LogStore } from '../../ports/log-store.js';
import { loadModel } from '../model/load-model.js';
import type { ServiceApi } from '../service.js';
import { accountResourceHandlers } from './account-resources.js';
import { eventHandlers } from './events.js';
import { groupHandlers } from './groups.js';
import { insightsHandlers } from './insights.js';
import { metricFilterHandlers } from './metric-filters.js';
import { streamHandlers } from './streams.js';
import { subscriptionHandlers } from './subscriptions.js';

export interface LogsApiDeps {
  readonly logStore: LogStore;
}

/** Amazon CloudWatch Logs over AWS JSON 1.1 (target prefix Logs_20140328). Operations without a handler answer NotImplemented. */
export function logsApi(deps: LogsApiDeps): ServiceApi {
  return {
    signingName: 'logs',
    model: loadModel('logs'),
    validationErrorCode: 'InvalidParameterException',
    handlers: {
      ...groupHandlers(deps.logStore),
      ...streamHandlers(deps.logStore),
      ...eventHandlers(deps.logStore),
      ...metricFilterHandlers(deps.logStore),
      ...subscriptionHandlers(deps.logStore),
      ...accountResourceHandlers(deps.logStore),
      ...insightsHandlers(deps.logStore),
    },
  };
}
