import { AwsError } from '../errors.js';

/**
 * Amazon ECR's errors with its own wording. Messages marked (unverified) follow
 * the family's pattern but have not been seen from the real service.
 */

export const repositoryNotFound = (name: string, registryId: string) =>
  new AwsError('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${registryId}'`);

export const repositoryAlreadyExists = (name: string, registryId: string) =>
  new AwsError('RepositoryAlreadyExistsException', `The repository with name '${name}' already exists in the registry with id '${registryId}'`);

export const repositoryNotEmpty = (name: string, registryId: string) =>
  new AwsError('RepositoryNotEmptyException', `The repository with name '${name}' in registry with id '${registryId}' cannot be deleted because it still contains images`);

export const imageNotFound = (imageId: { imageDigest?: string; imageTag?: string }, name: string, registryId: string) =>
  new AwsError(
    'ImageNotFoundException',
    `The image with imageId {imageDigest:'${imageId.imageDigest ?? 'null'}', imageTag:'${imageId.imageTag ?? 'null'}'} does not exist within the repository with name '${name}' in the registry with id '${registryId}'`,
  );

export const lifecyclePolicyNotFound = (name: string, registryId: string) =>
  new AwsError('LifecyclePolicyNotFoundException', `Lifecycle policy does not exist for the repository with name '${name}' in the registry with id '${registryId}'`);

/** (unverified) wording, in the family's form. */
export const lifecyclePolicyPreviewNotFound = (name: string, registryId: string) =>
  new AwsError('LifecyclePolicyPreviewNotFoundException', `Lifecycle policy preview does not exist for the repository with name '${name}' in the registry with id '${registryId}'`);

export const repositoryPolicyNotFound = (name: string, registryId: string) =>
  new AwsError('RepositoryPolicyNotFoundException', `Repository policy does not exist for the repository with name '${name}' in the registry with id '${registryId}'`);

export const imageAlreadyExists = (digest: string, tag: string | undefined, name: string, registryId: string) =>
  new AwsError('ImageAlreadyExistsException', `Image with digest '${digest}' and tag '${tag ?? 'null'}' already exists in the repository with name '${name}' in registry with id '${registryId}'`);

/** What docker shows after `tag invalid: ` when a push moves an immutable tag. */
export const imageTagAlreadyExists = (tag: string, name: string) =>
  new AwsError('ImageTagAlreadyExistsException', `The image tag '${tag}' already exists in the '${name}' repository and cannot be overwritten because the repository is immutable.`);

/** (unverified) wording, in the form of the registry's "Images with digests [...] required for pushing image into repository [...] do not exist". */
export const layersNotFound = (digests: readonly string[], name: string, registryId: string) =>
  new AwsError(
    'LayersNotFoundException',
    `Layers with digests '[${digests.join(', ')}]' required for pushing image into repository with name '${name}' in the registry with id '${registryId}' do not exist`,
  );

/** (unverified) wording. */
export const referencedImagesNotFound = (digests: readonly string[], name: string, registryId: string) =>
  new AwsError(
    'ReferencedImagesNotFoundException',
    `Images with digests '[${digests.join(', ')}]' required for pushing image into repository with name '${name}' in the registry with id '${registryId}' do not exist`,
  );

/** (unverified) wording. */
export const layerNotFoundForDownload = (digest: string, name: string, registryId: string) =>
  new AwsError('LayersNotFoundException', `The layer with digest '${digest}' does not exist in the repository with name '${name}' in the registry with id '${registryId}'`);

/** (unverified) wording. */
export const imageDigestDoesNotMatch = (given: string, actual: string) =>
  new AwsError('ImageDigestDoesNotMatchException', `The provided image digest '${given}' does not match the digest '${actual}' calculated for the image manifest.`);

/** (unverified) wording. */
export const uploadNotFound = (uploadId: string, name: string, registryId: string) =>
  new AwsError('UploadNotFoundException', `The upload with id '${uploadId}' does not exist in the repository with name '${name}' in the registry with id '${registryId}'`);

/** (unverified) wording; the extra members are the exception's modelled ones. */
export const invalidLayerPart = (
  message: string,
  details: { uploadId: string; repositoryName: string; registryId: string; lastValidByteReceived: number },
) => new AwsError('InvalidLayerPartException', message, { extra: { ...details } });

/** (unverified) wording. */
export const invalidLayer = (message: string) => new AwsError('InvalidLayerException', message);

/** (unverified) wording. */
export const emptyUpload = (uploadId: string) => new AwsError('EmptyUploadException', `The upload with id '${uploadId}' contains no data.`);

/** ECR's form for a member that breaks a service-side constraint. */
export const invalidParameterAt = (member: string, constraint: string) =>
  new AwsError('InvalidParameterException', `Invalid parameter at '${member}' failed to satisfy constraint: '${constraint}'`);

export const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message);
