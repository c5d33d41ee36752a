import { AwsError } from '../errors.js';
import type { ImageRecord } from './records.js';

/**
 * Wharf has no vulnerability database, so a scan never runs: StartImageScan
 * records the scan as FAILED with a description that says why, which is what
 * ECR answers when a scan cannot complete. Nothing pretends to find nothing.
 */
export const SCAN_UNAVAILABLE = {
  status: 'FAILED',
  description: 'Wharf has no vulnerability database, so this image was not scanned. Scan it with a scanner of your own.',
} as const;

export const scanNotFound = (imageId: { imageDigest?: string; imageTag?: string }, name: string, registryId: string) =>
  new AwsError(
    'ScanNotFoundException',
    `Image scan does not exist for the image with '{imageDigest:'${imageId.imageDigest ?? 'null'}', imageTag:'${imageId.imageTag ?? 'null'}'}' in the repository with name '${name}' in the registry with id '${registryId}'`,
  ); // (unverified) wording, in the family's form

/** The image after a scan request. */
export function scanned(image: ImageRecord): ImageRecord {
  return { ...image, imageScanStatus: { ...SCAN_UNAVAILABLE } };
}
