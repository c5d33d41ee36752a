/**
 * Image resolution for a task: use the local image when there is one (the
 * engine's store is the cache), otherwise pull. Failures become ImagePullError
 * carrying the engine's own sentence, which ends up in the task's
 * "CannotPullContainerError: ..." stopped reason.
 */
import type Docker from 'dockerode';
import { ImagePullError } from '../../ports/runtime.js';
import { engineMessage, isNotFound } from './engine-errors.js';
import { drainProgress } from './json-lines.js';

export async function ensureImage(docker: Docker, image: string): Promise<{ imageId: string; pulled: boolean }> {
  const local = await localImageId(docker, image);
  if (local) return { imageId: local, pulled: false };
  const { fromImage, tag } = splitReference(image);
  try {
    // Registry credentials (ECR and private registries) are not handled yet: anonymous pulls only.
    const progress = await docker.createImage({ fromImage, ...(tag ? { tag } : {}) });
    await drainProgress(progress);
  } catch (err) {
    throw new ImagePullError(image, engineMessage(err));
  }
  const pulled = await localImageId(docker, image);
  if (!pulled) throw new ImagePullError(image, `pulled ${image} but the engine does not list it`);
  return { imageId: pulled, pulled: true };
}

async function localImageId(docker: Docker, image: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(image).inspect()).Id;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Splits `name[:tag][@digest]` for `POST /images/create`. Without a tag the
 * engine would pull every tag of the repository, so `latest` is made explicit,
 * as the docker CLI does. A digest reference is passed whole.
 */
export function splitReference(image: string): { fromImage: string; tag?: string } {
  if (image.includes('@')) return { fromImage: image };
  const lastSlash = image.lastIndexOf('/');
  const lastColon = image.lastIndexOf(':');
  // A colon before the last slash belongs to a registry host:port, not a tag.
  if (lastColon > lastSlash) return { fromImage: image.slice(0, lastColon), tag: image.slice(lastColon + 1) };
  return { fromImage: image, tag: 'latest' };
}
