import type { Store } from '../../ports/store.js';
import { loadModel } from '../model/load-model.js';
import type { ServiceApi } from '../service.js';
import { listenerHandlers } from './listeners.js';
import { loadBalancerHandlers } from './load-balancers.js';
import { ruleHandlers } from './rules.js';
import { tagHandlers } from './tags.js';
import { targetGroupHandlers } from './target-groups.js';
import { tooManyTargets } from '../../domain/elbv2/errors.js';
import { MAX_TARGETS, targetHandlers } from './targets.js';

export interface Elbv2ApiDeps {
  readonly store: Store;
}

/** ELB's account quotas for Application Load Balancers (the defaults AWS documents). */
const ACCOUNT_LIMITS = [
  ['application-load-balancers', '50'],
  ['target-groups', '3000'],
  ['targets-per-application-load-balancer', '1000'],
  ['listeners-per-application-load-balancer', '50'],
  ['rules-per-application-load-balancer', '100'],
  ['certificates-per-application-load-balancer', '25'],
  ['target-groups-per-action-on-application-load-balancer', '5'],
  ['target-groups-per-application-load-balancer', '100'],
  ['condition-values-per-alb-rule', '5'],
  ['condition-wildcards-per-alb-rule', '5'],
] as const;

/** Elastic Load Balancing v2 (Application Load Balancers) over the AWS Query protocol, signing name `elasticloadbalancing`. */
export function elbv2Api(deps: Elbv2ApiDeps): ServiceApi {
  const model = loadModel('elbv2');
  return {
    signingName: model.metadata.signingName ?? model.metadata.endpointPrefix,
    model,
    validationErrorCode: 'ValidationError',
    // A group holds at most MAX_TARGETS, so a longer list is refused before it is decoded.
    queryListLimits: new Map([['TargetDescriptions', { max: MAX_TARGETS, error: tooManyTargets }]]),
    handlers: {
      ...loadBalancerHandlers(deps.store),
      ...targetGroupHandlers(deps.store),
      ...listenerHandlers(deps.store),
      ...ruleHandlers(deps.store),
      ...targetHandlers(deps.store),
      ...tagHandlers(deps.store),
      async DescribeAccountLimits() {
        return { Limits: ACCOUNT_LIMITS.map(([Name, Max]) => ({ Name, Max })) };
      },
    },
  };
}
