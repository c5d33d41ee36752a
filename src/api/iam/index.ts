import type { Store } from '../../ports/store.js';
import { loadModel } from '../model/load-model.js';
import type { ServiceApi } from '../service.js';
import { rolePolicyHandlers } from './role-policies.js';
import { roleTagHandlers } from './role-tags.js';
import { roleHandlers } from './roles.js';
import { simulateHandlers } from './simulate.js';

export interface IamApiDeps {
  readonly store: Store;
}

/**
 * AWS IAM over the Query protocol: roles, enough to hold the ARNs of task
 * roles and execution roles honestly and to assume them through STS. Policies
 * (trust, inline, managed) are stored and listed; the simulator evaluates
 * them, and so does the authorizer when enforcement is on.
 */
export function iamApi(deps: IamApiDeps): ServiceApi {
  return {
    signingName: 'iam',
    model: loadModel('iam'),
    validationErrorCode: 'ValidationError',
    // IAM answers a bad path with its own sentence, not the pattern (checkPath).
    handlerCheckedPatterns: new Set(['pathType']),
    handlers: {
      ...roleHandlers(deps.store),
      ...rolePolicyHandlers(deps.store),
      ...roleTagHandlers(deps.store),
      ...simulateHandlers(deps.store),
    },
  };
}
