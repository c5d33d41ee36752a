import { loadModel } from '../model/load-model.js';
import type { RequestContext, ServiceApi } from '../service.js';

/** AWS STS over the Query protocol. */
export function stsApi(): ServiceApi {
  return {
    signingName: 'sts',
    model: loadModel('sts'),
    validationErrorCode: 'ValidationError',
    handlers: {
      async GetCallerIdentity(_input: unknown, ctx: RequestContext) {
        const isRoot = ctx.principalArn.endsWith(':root');
        return { UserId: isRoot ? ctx.scope.account : ctx.accessKeyId, Account: ctx.scope.account, Arn: ctx.principalArn };
      },
    },
  };
}
