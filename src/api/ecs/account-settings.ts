import { AWS_DEFAULTS, checkSettingValue, effectiveSetting, rootPrincipal, type AccountSetting } from '../../domain/ecs/account-settings.js';
import { checkSettingPrincipal } from '../../domain/ecs/principals.js';
import type { Store } from '../../ports/store.js';
import { checkMaxResults, decodePageToken, page } from '../pagination.js';
import type { RequestContext } from '../service.js';
import { KIND } from './records.js';

const settingId = (principalArn: string, name: string) => `${principalArn}|${name}`;

export function accountSettingHandlers(store: Store) {
  async function put(ctx: RequestContext, name: string, value: string, principalArn: string) {
    checkSettingValue(name, value);
    const setting: AccountSetting = { name, value, principalArn, type: 'user' };
    await store.write([{ op: 'put', kind: KIND.accountSetting, scope: ctx.scope, id: settingId(principalArn, name), doc: setting }]);
    return { setting };
  }

  return {
    PutAccountSetting(input: { name: string; value: string; principalArn?: string }, ctx: RequestContext) {
      if (input.principalArn !== undefined) checkSettingPrincipal(input.principalArn, ctx.partition, ctx.scope.account);
      return put(ctx, input.name, input.value, input.principalArn ?? ctx.principalArn);
    },

    PutAccountSettingDefault(input: { name: string; value: string }, ctx: RequestContext) {
      return put(ctx, input.name, input.value, rootPrincipal(ctx.partition, ctx.scope.account));
    },

    async DeleteAccountSetting(input: { name: string; principalArn?: string }, ctx: RequestContext) {
      if (input.principalArn !== undefined) checkSettingPrincipal(input.principalArn, ctx.partition, ctx.scope.account);
      const principalArn = input.principalArn ?? ctx.principalArn;
      const existing = await store.get<AccountSetting>(KIND.accountSetting, ctx.scope, settingId(principalArn, input.name));
      const setting = existing?.doc ?? { name: input.name, value: AWS_DEFAULTS[input.name] ?? '', principalArn, type: 'user' as const };
      if (existing) await store.write([{ op: 'delete', kind: KIND.accountSetting, scope: ctx.scope, id: existing.id }]);
      return { setting };
    },

    async ListAccountSettings(
      input: { name?: string; value?: string; principalArn?: string; effectiveSettings?: boolean; nextToken?: string; maxResults?: number },
      ctx: RequestContext,
    ) {
      const limit = checkMaxResults(input.maxResults, 10, 10);
      const principalArn = input.principalArn ?? ctx.principalArn;
      const root = rootPrincipal(ctx.partition, ctx.scope.account);
      const stored = (await store.list<AccountSetting>(KIND.accountSetting, ctx.scope)).map((record) => record.doc);
      const names = input.name ? [input.name] : Object.keys(AWS_DEFAULTS);
      const settings = input.effectiveSettings
        ? names.map((name) => effectiveSetting(name, principalArn, root, stored))
        : stored.filter((setting) => setting.principalArn === principalArn && names.includes(setting.name));
      const matching = settings.filter((setting) => input.value === undefined || setting.value === input.value);
      const result = page(matching, (setting) => setting.name, decodePageToken(input.nextToken), limit);
      return { settings: result.items, nextToken: result.nextToken };
    },
  };
}
