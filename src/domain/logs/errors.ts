import { AwsError } from '../errors.js';

/** CloudWatch Logs' error codes and wording. */
export const logsInvalidParameter = (message: string) => new AwsError('InvalidParameterException', message);
export const logGroupAlreadyExists = () => new AwsError('ResourceAlreadyExistsException', 'The specified log group already exists');
export const logStreamAlreadyExists = () => new AwsError('ResourceAlreadyExistsException', 'The specified log stream already exists');
export const logGroupNotFound = () => new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');
export const logStreamNotFound = () => new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.');
export const invalidLogsToken = () => new AwsError('InvalidParameterException', 'The specified nextToken is invalid.');
