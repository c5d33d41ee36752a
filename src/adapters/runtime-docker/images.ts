/**
 * Image resolution for a task. Without credentials: use the local image when
 * there is one (the engine's store is the cache), otherwise pull anonymously.
 * With credentials (a private registry, as Fargate pulls: no cache): always
 * pull, so a tag that moved is seen, and report the manifest digest pulled.
 * Failures become ImagePullError carrying the engine's own sentence, which
 * ends up in the task's "CannotPullContainerError: ..." stopped reason.
 */
import type Docker from 'dockerode';
import { referenceFormatProblem } from '../../domain/ecr/image-reference.js';
import { ImagePullError, type EnsuredImage, type RegistryAuth } from '../../ports/runtime.js';
import { engineMessage, isNotFound, statusOf } from './engine-errors.js';
import { drainProgress } from './json-lines.js';

export async function ensureImage(docker: Docker, image: string, auth?: RegistryAuth): Promise<EnsuredImage> {
  // A malformed name never reaches the engine: its API path would be cleaned by a redirect docker-modem follows to nowhere.
  const problem = referenceFormatProblem(image);
  if (problem) throw new ImagePullError(image, problem);
  if (!auth) {
    const local = await localImage(docker, image);
    if (local) return { imageId: local.id, pulled: false, ...(local.repoDigest ? { repoDigest: local.repoDigest } : {}) };
  }
  const { fromImage, tag } = splitReference(image);
  let pulledDigest: string | undefined;
  try {
    const options = { fromImage, ...(tag ? { tag } : {}) };
    const progress = auth ? await docker.createImage(auth, options) : await docker.createImage(options);
    pulledDigest = digestOf(await drainProgress(progress));
  } catch (err) {
    const message = engineMessage(err);
    // 404: the registry has no such repository, tag or digest (a refusal says so in its words).
    throw new ImagePullError(image, message, statusOf(err) === 404 && !/denied|unauthori[sz]ed/i.test(message));
  }
  const pulled = await localImage(docker, image);
  if (!pulled) throw new ImagePullError(image, `pulled ${image} but the engine does not list it`);
  const repoDigest = pulledDigest ?? pulled.repoDigest;
  return { imageId: pulled.id, pulled: true, ...(repoDigest ? { repoDigest } : {}) };
}

/** The image's id, and the manifest digest the engine recorded for the reference's repository, if it was ever pulled. */
async function localImage(docker: Docker, image: string): Promise<{ id: string; repoDigest?: string } | undefined> {
  let info: { Id: string; RepoDigests?: string[] };
  try {
    info = await docker.getImage(image).inspect();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  const repository = repositoryOf(image);
  const digest = (info.RepoDigests ?? []).find((entry) => entry.startsWith(`${repository}@`))?.slice(repository.length + 1);
  return { id: info.Id, ...(digest ? { repoDigest: digest } : {}) };
}

/** The pull stream ends with `{"status": "Digest: sha256:..."}`: the manifest it fetched. */
function digestOf(progress: readonly unknown[]): string | undefined {
  for (const item of progress) {
    const status = (item as { status?: unknown }).status;
    const match = typeof status === 'string' ? /^Digest: (sha256:[0-9a-f]{64})$/.exec(status) : null;
    if (match) return match[1];
  }
  return undefined;
}

/** `name[:tag][@digest]` without its tag and digest. */
export function repositoryOf(image: string): string {
  const withoutDigest = image.split('@')[0]!;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const lastColon = withoutDigest.lastIndexOf(':');
  return lastColon > lastSlash ? withoutDigest.slice(0, lastColon) : withoutDigest;
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
