import { AwsError } from '../errors.js';

/** Secrets Manager's answers, in its words (HTTP 400 for all, as the service sends them). */
export const secretNotFound = () => new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");

export const stageNotFound = (stage: string) => new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for staging label: ${stage}`);

export const versionNotFound = (versionId: string) => new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`);

export const secretExists = (name: string) => new AwsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);

export const markedForDeletion = () => new AwsError('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");

export const versionImmutable = () => new AwsError('ResourceExistsException', "You can't modify an existing version, you can only create a new version.");

/** The value does not open: another key than the one it was sealed with, or a damaged store. */
export const decryptionFailure = () => new AwsError('DecryptionFailure', "Secrets Manager can't decrypt the protected secret text using the provided KMS key.");

export const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message);

export const invalidRequest = (message: string) => new AwsError('InvalidRequestException', message);
