import type { RegistryCredentials } from '../../ports/blob-store.js';
import type { Scope } from '../../ports/store.js';
import type { RequestContext } from '../service.js';

/**
 * GetAuthorizationToken: `base64("AWS:" + password)` where the password is
 * a signed, expiring statement of the caller's account and region (the
 * registry verifies it), valid 12 hours; proxyEndpoint is Wharf's registry.
 */
export function authHandlers(credentials: RegistryCredentials, proxyEndpoint: (scope: Scope) => string) {
  return {
    async GetAuthorizationToken(input: { registryIds?: string[] }, ctx: RequestContext) {
      const { password, expiresAt } = credentials.mint(ctx.scope.account, ctx.scope.region, ctx.now);
      const token = Buffer.from(`AWS:${password}`, 'utf8').toString('base64');
      const registries = input.registryIds && input.registryIds.length > 0 ? input.registryIds : [ctx.scope.account];
      return { authorizationData: registries.map(() => ({ authorizationToken: token, expiresAt, proxyEndpoint: proxyEndpoint(ctx.scope) })) };
    },
  };
}
