import type { AlarmState } from '../domain/cloudwatch/alarm-record.js';
import type { Scope } from './store.js';

/**
 * Where an alarm's actions go. CloudWatch invokes an action each time the
 * alarm enters the state the action is listed under (and, for Application
 * Auto Scaling policies, again every period while it stays there, as AWS
 * re-invokes scaling policies while an alarm stays in ALARM). The alarm
 * evaluator calls `invoke` for every action ARN of the state it is in when
 * actions are enabled; the Application Auto Scaling side implements it for
 * `arn:<partition>:autoscaling:<region>:<account>:scalingPolicy:...` ARNs.
 * ARNs nobody here serves (SNS, EC2 actions) are recorded in the alarm's
 * history as failed actions by the evaluator and not passed on.
 */
export interface AlarmActionInvocation {
  readonly scope: Scope;
  readonly actionArn: string;
  readonly alarmName: string;
  readonly alarmArn: string;
  readonly state: AlarmState;
  /** The evaluated datapoints, newest last (the metric's values per period), for the policy's arithmetic. */
  readonly datapoints: readonly { readonly timestamp: number; readonly value: number }[];
  readonly threshold?: number;
  /** Epoch ms. */
  readonly now: number;
}

export interface AlarmActions {
  /** Whether this sink serves the ARN (others are recorded as failed actions). */
  serves(actionArn: string): boolean;
  /** Carries out the action; a thrown error is recorded in the alarm's history as a failed action. */
  invoke(invocation: AlarmActionInvocation): Promise<void>;
}
