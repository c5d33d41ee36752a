import type { RuleConditionRecord } from './records.js';
import { validationError } from './errors.js';

/** ELBv2's RuleCondition as it arrives (the model's member names). */
export interface ConditionInput {
  readonly Field?: string;
  readonly Values?: readonly string[];
  readonly PathPatternConfig?: { readonly Values?: readonly string[] };
  readonly HostHeaderConfig?: { readonly Values?: readonly string[] };
  readonly HttpHeaderConfig?: { readonly HttpHeaderName?: string; readonly Values?: readonly string[] };
  readonly QueryStringConfig?: { readonly Values?: readonly { readonly Key?: string; readonly Value?: string }[] };
  readonly HttpRequestMethodConfig?: { readonly Values?: readonly string[] };
  readonly SourceIpConfig?: { readonly Values?: readonly string[] };
}

type Field = RuleConditionRecord['field'];
const FIELDS: readonly Field[] = ['http-header', 'http-request-method', 'host-header', 'path-pattern', 'query-string', 'source-ip'];
/** Fields a rule may use once; http-header and query-string may repeat. */
const ONCE: readonly Field[] = ['host-header', 'path-pattern', 'http-request-method', 'source-ip'];
/** ALB counts condition values across a rule, with a limit of 5. */
const MAX_VALUES = 5;

// unverified wording for every message in this file except the field list
const fieldRequired = () => validationError("A condition field must be specified");
const configMissing = (field: string, config: string) => validationError(`A '${config}' must be specified for the '${field}' condition`);

export function parseConditions(inputs: readonly ConditionInput[]): RuleConditionRecord[] {
  if (inputs.length === 0) throw validationError('A rule must have at least one condition');
  const records = inputs.map(parseCondition);
  for (const field of ONCE) {
    if (records.filter((record) => record.field === field).length > 1) throw validationError(`A rule can only have one '${field}' condition`);
  }
  const values = records.reduce((sum, record) => sum + valueCount(record), 0);
  if (values > MAX_VALUES) throw validationError(`A rule can only have '${MAX_VALUES}' condition values`);
  return records;
}

function valueCount(record: RuleConditionRecord): number {
  return (
    record.pathPatternConfig?.values.length ??
    record.hostHeaderConfig?.values.length ??
    record.httpHeaderConfig?.values.length ??
    record.queryStringConfig?.values.length ??
    record.httpRequestMethodConfig?.values.length ??
    record.sourceIpConfig?.values.length ??
    0
  );
}

function nonEmpty(field: string, values: readonly string[] | undefined): readonly string[] {
  if (!values || values.length === 0) throw validationError(`A '${field}' condition must have at least one value`);
  return values;
}

/** The legacy `Values` or the field's config, not both; path-pattern and host-header only take `Values`. */
function pick(input: ConditionInput, field: Field, config: { readonly Values?: readonly string[] } | undefined, configName: string): readonly string[] {
  if (input.Values && input.Values.length > 0 && config) throw validationError(`You cannot specify both 'Values' and '${configName}' for the '${field}' condition`);
  return nonEmpty(field, config ? config.Values : input.Values);
}

function parseCondition(input: ConditionInput): RuleConditionRecord {
  const field = input.Field;
  if (field === undefined) throw fieldRequired();
  if (!(FIELDS as readonly string[]).includes(field)) throw validationError(`Condition field '${field}' must be one of '[${FIELDS.join(', ')}]'`);
  switch (field as Field) {
    case 'path-pattern': {
      const values = pick(input, 'path-pattern', input.PathPatternConfig, 'PathPatternConfig');
      for (const value of values) {
        if (value.length > 128) throw validationError(`Path pattern '${value}' cannot be longer than 128 characters`);
        if (!/^[A-Za-z0-9_\-.$/~"'@:+&()!,;=*?]+$/.test(value)) throw validationError(`Path pattern '${value}' contains characters that are not valid`);
      }
      return { field: 'path-pattern', values, pathPatternConfig: { values } };
    }
    case 'host-header': {
      const values = pick(input, 'host-header', input.HostHeaderConfig, 'HostHeaderConfig');
      for (const value of values) {
        if (value.length > 128) throw validationError(`Host header '${value}' cannot be longer than 128 characters`);
        if (!/^[A-Za-z0-9\-.*?]+$/.test(value)) throw validationError(`Host header '${value}' contains characters that are not valid`);
      }
      return { field: 'host-header', values, hostHeaderConfig: { values } };
    }
    case 'http-header': {
      const config = input.HttpHeaderConfig;
      if (!config) throw configMissing(field, 'HttpHeaderConfig');
      const name = config.HttpHeaderName;
      if (!name || !/^[A-Za-z0-9!#$%&'*+\-.^_`|~]{1,40}$/.test(name)) throw validationError(`HTTP header name '${name ?? ''}' is not valid`);
      const values = nonEmpty(field, config.Values);
      for (const value of values) if (value.length > 128) throw validationError(`HTTP header value '${value}' cannot be longer than 128 characters`);
      return { field: 'http-header', httpHeaderConfig: { httpHeaderName: name, values } };
    }
    case 'query-string': {
      const config = input.QueryStringConfig;
      if (!config) throw configMissing(field, 'QueryStringConfig');
      const pairs = config.Values ?? [];
      if (pairs.length === 0) throw validationError(`A 'query-string' condition must have at least one value`);
      const values = pairs.map((pair) => {
        if (pair.Value === undefined || pair.Value === '') throw validationError('A query string condition value must be specified');
        if (pair.Value.length > 128 || (pair.Key?.length ?? 0) > 128) throw validationError('Query string keys and values cannot be longer than 128 characters');
        return { ...(pair.Key !== undefined ? { key: pair.Key } : {}), value: pair.Value };
      });
      return { field: 'query-string', queryStringConfig: { values } };
    }
    case 'http-request-method': {
      const config = input.HttpRequestMethodConfig;
      if (!config) throw configMissing(field, 'HttpRequestMethodConfig');
      const values = nonEmpty(field, config.Values);
      for (const value of values) if (!/^[A-Z_-]{1,40}$/.test(value)) throw validationError(`HTTP request method '${value}' is not valid`);
      return { field: 'http-request-method', httpRequestMethodConfig: { values } };
    }
    case 'source-ip': {
      const config = input.SourceIpConfig;
      if (!config) throw configMissing(field, 'SourceIpConfig');
      const values = nonEmpty(field, config.Values);
      for (const value of values) if (!isCidr(value)) throw validationError(`Source IP '${value}' is not a valid CIDR block`);
      return { field: 'source-ip', sourceIpConfig: { values } };
    }
  }
}

function isCidr(value: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (v4) return v4.slice(1, 5).every((octet) => Number(octet) <= 255) && Number(v4[5]) <= 32;
  const v6 = /^[0-9a-fA-F:]+\/(\d{1,3})$/.exec(value);
  return v6 !== null && value.includes(':') && Number(v6[1]) <= 128;
}

/** Back to the wire form: the config, plus `Values` for the two fields that have a legacy form. */
export function conditionOutput(record: RuleConditionRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { Field: record.field };
  if (record.values) out.Values = record.values;
  if (record.pathPatternConfig) out.PathPatternConfig = { Values: record.pathPatternConfig.values };
  if (record.hostHeaderConfig) out.HostHeaderConfig = { Values: record.hostHeaderConfig.values };
  if (record.httpHeaderConfig) out.HttpHeaderConfig = { HttpHeaderName: record.httpHeaderConfig.httpHeaderName, Values: record.httpHeaderConfig.values };
  if (record.queryStringConfig) out.QueryStringConfig = { Values: record.queryStringConfig.values.map((pair) => ({ Key: pair.key, Value: pair.value })) };
  if (record.httpRequestMethodConfig) out.HttpRequestMethodConfig = { Values: record.httpRequestMethodConfig.values };
  if (record.sourceIpConfig) out.SourceIpConfig = { Values: record.sourceIpConfig.values };
  return out;
}
