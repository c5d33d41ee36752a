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

export const invalidFilterKey = (message: string) => new AwsError('InvalidFilterKey', message);

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

export const maxVersionsWithLabel = (name: string, oldest: number) =>
  new AwsError(
    'ParameterMaxVersionLimitExceeded',
    `You attempted to create a new version of ${name} by calling the PutParameter API with the overwrite flag. Version ${oldest}, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.`,
  );
