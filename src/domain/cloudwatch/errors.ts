import { AwsError } from '../errors.js';

/** CloudWatch's wire error codes (AWS Query names, which the JSON and CBOR protocols also carry). */
export const invalidParameterValue = (message: string) => new AwsError('InvalidParameterValue', message);
export const missingParameter = (message: string) => new AwsError('MissingParameter', message);
export const invalidParameterCombination = (message: string) => new AwsError('InvalidParameterCombination', message);
export const validationError = (message: string) => new AwsError('ValidationError', message);
export const invalidNextToken = () => new AwsError('InvalidNextToken', 'The service cannot process the token.'); // unverified wording
export const resourceNotFound = (message: string) => new AwsError('ResourceNotFound', message, { status: 404 });
export const invalidFormat = (message: string) => new AwsError('InvalidFormat', message);
export const limitExceeded = (message: string) => new AwsError('LimitExceeded', message);
