import { AwsError } from '../errors.js';
import { wildcardCount } from './wildcard.js';

/**
 * ECR lifecycle policies: the JSON text ECR accepts and the rules it holds.
 * Schema problems are answered in ECR's JSON-schema wording ("Invalid
 * parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle
 * policy validation failure: object has missing required properties ...'"),
 * rule conflicts as "Lifecycle policy validation failure: <why>".
 */

export type LifecycleTagStatus = 'tagged' | 'untagged' | 'any';

export interface LifecycleRule {
  readonly rulePriority: number;
  readonly description?: string;
  readonly selection: {
    readonly tagStatus: LifecycleTagStatus;
    readonly tagPrefixList?: readonly string[];
    readonly tagPatternList?: readonly string[];
    readonly countType: 'imageCountMoreThan' | 'sinceImagePushed';
    readonly countUnit?: 'days';
    readonly countNumber: number;
  };
  readonly action: { readonly type: 'expire' };
}

export interface LifecyclePolicy {
  /** In rulePriority order. */
  readonly rules: readonly LifecycleRule[];
}

const SCHEMA_PREFIX = "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ";

function schemaError(detail: string): AwsError {
  return new AwsError('InvalidParameterException', `${SCHEMA_PREFIX}${detail}'`);
}

function ruleError(detail: string): AwsError {
  return new AwsError('InvalidParameterException', `Lifecycle policy validation failure: ${detail}`);
}

type Json = Record<string, unknown>;

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function expectType(value: unknown, allowed: 'object' | 'array' | 'string' | 'integer'): void {
  const actual = typeName(value);
  if (actual !== allowed) throw schemaError(`instance type (${actual}) does not match any allowed primitive type (allowed: ["${allowed}"])`);
}

function checkProperties(object: Json, required: readonly string[], allowed: readonly string[]): void {
  const missing = required.filter((name) => object[name] === undefined).sort();
  if (missing.length > 0) throw schemaError(`object has missing required properties (${JSON.stringify(missing)})`);
  const extra = Object.keys(object).filter((name) => !allowed.includes(name)).sort();
  if (extra.length > 0) throw schemaError(`object instance has properties which are not allowed by the schema: (${JSON.stringify(extra)})`);
}

function checkEnum(value: unknown, values: readonly string[]): void {
  expectType(value, 'string');
  if (!values.includes(value as string)) throw schemaError(`instance value (${JSON.stringify(value)}) not found in enum (possible values: ${JSON.stringify(values)})`);
}

function stringList(value: unknown): string[] {
  expectType(value, 'array');
  const list = value as unknown[];
  if (list.length === 0) throw schemaError('array is too short: must have at least 1 elements but instance has 0 elements');
  for (const item of list) expectType(item, 'string');
  return list as string[];
}

/** Parses and checks a policy text; throws InvalidParameterException as ECR does. */
export function parseLifecyclePolicy(text: string): LifecyclePolicy {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw schemaError('Could not map policyString into LifecyclePolicy.');
  }
  if (typeName(parsed) !== 'object') throw schemaError('Could not map policyString into LifecyclePolicy.');
  const doc = parsed as Json;
  if (doc.rules === undefined) throw schemaError('object has missing required properties (["rules"])');
  checkProperties(doc, ['rules'], ['rules']);
  expectType(doc.rules, 'array');
  const rawRules = doc.rules as unknown[];
  if (rawRules.length === 0) throw schemaError('array is too short: must have at least 1 elements but instance has 0 elements');

  const rules: LifecycleRule[] = [];
  for (const raw of rawRules) {
    expectType(raw, 'object');
    const rule = raw as Json;
    checkProperties(rule, ['action', 'rulePriority', 'selection'], ['action', 'description', 'rulePriority', 'selection']);
    expectType(rule.rulePriority, 'integer');
    const priority = rule.rulePriority as number;
    if (priority < 1) throw schemaError(`numeric instance is lower than the required minimum (minimum: 1, found: ${priority})`);
    if (rule.description !== undefined) expectType(rule.description, 'string');

    expectType(rule.action, 'object');
    const action = rule.action as Json;
    checkProperties(action, ['type'], ['type']);
    checkEnum(action.type, ['expire']);

    expectType(rule.selection, 'object');
    const selection = rule.selection as Json;
    checkProperties(selection, ['countNumber', 'countType', 'tagStatus'], ['countNumber', 'countType', 'countUnit', 'tagPatternList', 'tagPrefixList', 'tagStatus']);
    checkEnum(selection.tagStatus, ['tagged', 'untagged', 'any']);
    checkEnum(selection.countType, ['imageCountMoreThan', 'sinceImagePushed']);
    if (selection.countUnit !== undefined) checkEnum(selection.countUnit, ['days']);
    expectType(selection.countNumber, 'integer');
    const countNumber = selection.countNumber as number;
    if (countNumber < 1) throw schemaError(`numeric instance is lower than the required minimum (minimum: 1, found: ${countNumber})`);
    const tagPrefixList = selection.tagPrefixList === undefined ? undefined : stringList(selection.tagPrefixList);
    const tagPatternList = selection.tagPatternList === undefined ? undefined : stringList(selection.tagPatternList);

    const tagStatus = selection.tagStatus as LifecycleTagStatus;
    const countType = selection.countType as LifecycleRule['selection']['countType'];
    // Rule conflicts: (unverified) wording except where noted.
    if (tagStatus === 'tagged' && !tagPrefixList && !tagPatternList) throw ruleError('Must specify tagPrefixList or tagPatternList when tagStatus=TAGGED.');
    if (tagStatus !== 'tagged' && (tagPrefixList || tagPatternList)) throw ruleError(`tagPrefixList and tagPatternList can only be specified when tagStatus=TAGGED.`);
    if (tagPrefixList && tagPatternList) throw ruleError('tagPrefixList and tagPatternList cannot both be specified in one rule.');
    for (const pattern of tagPatternList ?? []) {
      if (wildcardCount(pattern) > 4) throw ruleError(`The tag pattern '${pattern}' has more than 4 wildcards.`);
    }
    if (countType === 'sinceImagePushed' && selection.countUnit === undefined) throw ruleError('countUnit must be specified when countType=sinceImagePushed.');
    if (countType === 'imageCountMoreThan' && selection.countUnit !== undefined) throw ruleError('countUnit can only be specified when countType=sinceImagePushed.');

    rules.push({
      rulePriority: priority,
      ...(typeof rule.description === 'string' ? { description: rule.description } : {}),
      selection: {
        tagStatus,
        ...(tagPrefixList ? { tagPrefixList } : {}),
        ...(tagPatternList ? { tagPatternList } : {}),
        countType,
        ...(selection.countUnit !== undefined ? { countUnit: 'days' as const } : {}),
        countNumber,
      },
      action: { type: 'expire' },
    });
  }

  rules.sort((a, b) => a.rulePriority - b.rulePriority);
  for (let i = 1; i < rules.length; i++) {
    if (rules[i]!.rulePriority === rules[i - 1]!.rulePriority) throw ruleError(`Rule priorities must be unique: ${rules[i]!.rulePriority} is used more than once.`);
  }
  // The next two are ECR's own wording.
  if (rules.filter((rule) => rule.selection.tagStatus === 'untagged').length > 1) throw ruleError('Only one rule can select Untagged images per storage class');
  const anyRules = rules.filter((rule) => rule.selection.tagStatus === 'any');
  if (anyRules.length > 1 || (anyRules.length === 1 && rules[rules.length - 1] !== anyRules[0])) {
    throw ruleError('Rule for tagStatus=ANY must have the lowest priority per storage class');
  }
  return { rules };
}
