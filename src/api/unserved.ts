import { loadModel } from './model/load-model.js';
import type { ServiceApi } from './service.js';

/**
 * An AWS service Wharf knows the model of but serves no operation of yet:
 * registering it makes every call answer NotImplemented with the operation's
 * name (after signature checks), instead of an unknown-target error.
 */
export function unservedApi(modelName: string, validationErrorCode = 'ValidationException'): ServiceApi {
  const model = loadModel(modelName);
  return { signingName: model.metadata.signingName ?? model.metadata.endpointPrefix, model, validationErrorCode, handlers: {} };
}
