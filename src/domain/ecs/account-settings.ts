import { invalidParameter } from '../errors.js';

export interface AccountSetting {
  readonly name: string;
  readonly value: string;
  readonly principalArn: string;
  readonly type: 'user' | 'aws_managed';
}

/** What AWS answers for an account that has set nothing. */
export const AWS_DEFAULTS: Readonly<Record<string, string>> = {
  serviceLongArnFormat: 'enabled',
  taskLongArnFormat: 'enabled',
  containerInstanceLongArnFormat: 'enabled',
  awsvpcTrunking: 'disabled',
  containerInsights: 'disabled',
  fargateFIPSMode: 'disabled',
  tagResourceAuthorization: 'on',
  fargateTaskRetirementWaitPeriod: '7',
  guardDutyActivate: 'off',
  defaultLogDriverMode: 'non-blocking',
  fargateEventWindows: 'disabled',
};

const ALLOWED_VALUES: Readonly<Record<string, readonly string[]>> = {
  serviceLongArnFormat: ['enabled', 'disabled'],
  taskLongArnFormat: ['enabled', 'disabled'],
  containerInstanceLongArnFormat: ['enabled', 'disabled'],
  awsvpcTrunking: ['enabled', 'disabled'],
  containerInsights: ['enabled', 'disabled', 'enhanced'],
  fargateFIPSMode: ['enabled', 'disabled'],
  tagResourceAuthorization: ['on', 'off'],
  fargateTaskRetirementWaitPeriod: ['0', '7', '14'],
  guardDutyActivate: ['on', 'off'],
  defaultLogDriverMode: ['blocking', 'non-blocking'],
  fargateEventWindows: ['enabled', 'disabled'],
};

export function checkSettingValue(name: string, value: string): void {
  const allowed = ALLOWED_VALUES[name];
  if (allowed && !allowed.includes(value)) {
    throw invalidParameter(`Invalid value '${value}' for setting '${name}'. Valid values are: ${allowed.join(', ')}.`);
  }
  // (unverified) ECS only lets the account default of these be changed, not a principal's.
  if (name === 'fargateFIPSMode' || name === 'fargateTaskRetirementWaitPeriod' || name === 'guardDutyActivate') return;
}

export function rootPrincipal(partition: string, account: string): string {
  return `arn:${partition}:iam::${account}:root`;
}

/**
 * The setting in force for a principal: its own, else the account default
 * (set on the root principal), else AWS's default.
 */
export function effectiveSetting(name: string, principalArn: string, rootArn: string, stored: readonly AccountSetting[]): AccountSetting {
  const own = stored.find((setting) => setting.name === name && setting.principalArn === principalArn);
  if (own) return own;
  const accountDefault = stored.find((setting) => setting.name === name && setting.principalArn === rootArn);
  if (accountDefault) return accountDefault;
  return { name, value: AWS_DEFAULTS[name] ?? '', principalArn: rootArn, type: 'aws_managed' };
}
