import { AwsError } from '../errors.js';

/** Parameter Store's answers, in its words. */
export const parameterNotFound = (message = '') => new AwsError('ParameterNotFound', message);

export const parameterAlreadyExists = () =>
  new AwsError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');

export const versionNotFound = (name: string, selector: string) =>
  new AwsError('ParameterVersionNotFound', `Systems Manager could not find version ${selector} of ${name}. Verify the version and try again.`);

export const validation = (message: string) => new AwsError('ValidationException', message);

export const hierarchyTooDeep = () =>
  // unverified wording
  new AwsError('HierarchyLevelLimitExceededException', 'Parameter name: hierarchy depth exceeds the maximum allowed 15 levels.');

export const hierarchyTypeMismatch = () =>
  // unverified wording
  new AwsError('HierarchyTypeMismatchException', 'The parameter type cannot be changed from a hierarchy parameter to a non-hierarchy parameter, or the reverse.');

export const invalidFilterKey = (key: string) => new AwsError('InvalidFilterKey', `The following filter key is not valid: ${key}. Valid filter keys include: [Path, Name, Type, KeyId, Tier, DataType, Label].`); // unverified wording

export const invalidFilterOption = (message: string) => new AwsError('InvalidFilterOption', message);

export const invalidFilterValue = (message: string) => new AwsError('InvalidFilterValue', message);

export const patternMismatch = (pattern: string) =>
  // unverified wording
  new AwsError('ParameterPatternMismatchException', `Parameter value failed to satisfy constraint specified in the allowed pattern: ${pattern}.`);

export const invalidAllowedPattern = (message: string) => new AwsError('InvalidAllowedPatternException', message);

export const invalidResourceId = () => new AwsError('InvalidResourceId', ''); // unverified wording (AWS sends no message)

export const invalidResourceType = () => new AwsError('InvalidResourceType', ''); // unverified wording (AWS sends no message)

export const labelLimitExceeded = () =>
  // unverified wording
  new AwsError('ParameterVersionLabelLimitExceeded', 'A parameter version can have maximum 10 labels. Move one or more labels to another version and try again.');

export const tooManyTags = () => new AwsError('TooManyTagsError', 'The parameter has more than 50 tags.'); // unverified wording
