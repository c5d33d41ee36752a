import type { DeploymentConfiguration, ServiceDeploymentRecord } from './service.js';

/**
 * `deploymentConfiguration.alarms`: while a service deployment is in
 * progress (a traffic-shifting one until its clean-up), any named alarm in
 * ALARM fails it and, with `rollback`, rolls it back. Pure: the scheduler
 * hands in the states it read.
 */

export type AlarmStates = ReadonlyMap<string, 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'>;

/** The named alarms in ALARM, when alarm monitoring is on. */
export function triggeredAlarms(config: DeploymentConfiguration, states: AlarmStates | undefined): string[] {
  const alarms = config.alarms;
  if (!alarms?.enable || !states) return [];
  return alarms.alarmNames.filter((name) => states.get(name) === 'ALARM');
}

export const alarmRollbackReason = (names: readonly string[]) => `CloudWatch alarm(s) ${names.join(', ')} went into ALARM state during the deployment.`; // unverified wording

/** ServiceDeployment.alarms.status. */
export function alarmsStatus(record: ServiceDeploymentRecord): 'TRIGGERED' | 'MONITORING' | 'MONITORING_COMPLETE' | 'DISABLED' {
  if (!record.deploymentConfiguration.alarms?.enable) return 'DISABLED';
  if ((record.triggeredAlarmNames ?? []).length > 0) return 'TRIGGERED';
  return record.status === 'IN_PROGRESS' || record.status === 'PENDING' ? 'MONITORING' : 'MONITORING_COMPLETE';
}
