import type { MetricStore } from '../../ports/metric-store.js';
import type { Store } from '../../ports/store.js';
import { loadModel } from '../model/load-model.js';
import type { ServiceApi } from '../service.js';
import { alarmHandlers } from './alarms.js';
import { metricHandlers } from './metrics.js';
import { tagHandlers } from './tags.js';

export interface MonitoringApiDeps {
  readonly store: Store;
  readonly metrics: MetricStore;
}

/**
 * Amazon CloudWatch metrics and alarms (signing name `monitoring`): metric
 * data through the MetricStore port, alarms and their history as documents
 * in the store; the alarm evaluator (controllers/) changes alarm states.
 */
export function monitoringApi(deps: MonitoringApiDeps): ServiceApi {
  return {
    signingName: 'monitoring',
    model: loadModel('monitoring'),
    // CloudWatch answers broken constraints with ValidationError (Coral's "N validation errors detected").
    validationErrorCode: 'ValidationError',
    handlers: {
      ...metricHandlers(deps.metrics),
      ...alarmHandlers(deps.store),
      ...tagHandlers(deps.store),
    },
  };
}
