import { parseEcrImage, pinnedReference, registryPull, resolvedRefName } from '../domain/ecr/image-reference.js';
import { repositoryArn } from '../domain/iam/action-map.js';
import { failPull, failSecrets, markPulled, pullFailureDetail } from '../domain/task/lifecycle.js';
import type { Task } from '../domain/task/task.js';
import type { RegistryCredentials } from '../ports/blob-store.js';
import type { Clock } from '../ports/clock.js';
import { ImagePullError, type ContainerRuntime, type RegistryAuth } from '../ports/runtime.js';
import type { Scope } from '../ports/store.js';
import type { ExecutionRoleCheck } from './execution-role.js';

/** Wharf's own registry as the supervisor reaches it: `host()` is known once the server listens. */
export interface TaskRegistry {
  /** Where the engine pulls Wharf's images from. */
  host(): string | undefined;
  /**
   * The address Wharf's repositoryUris name, when the engine reaches the
   * registry at another (`host()`: a registered host's `registryAddress`):
   * images named either way are Wharf's. Absent: `host()` is that address.
   */
  named?(): string | undefined;
  readonly credentials: RegistryCredentials;
}

/** Where the engine gets one task-definition image from. */
interface ImageSource {
  /** What the engine pulls (or finds locally). */
  readonly reference: string;
  readonly auth?: RegistryAuth;
  /** For a registry pull: the repository the pulled digest is pinned to. */
  readonly repository?: string;
}

/**
 * A task's images, put in place before its containers are made: an ECR image
 * (the AWS form or its repositoryUri form) is pulled from Wharf's registry
 * with credentials minted for its repository's account and region and pinned
 * to the digest pulled; any other image as written, anonymously or from the
 * engine's cache. With IAM enforcement the execution role must be allowed
 * the pull.
 */
export class TaskImages {
  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly clock: Clock,
    private readonly registry?: TaskRegistry,
    private readonly executionRole?: ExecutionRoleCheck,
  ) {}

  /** Until the server listens (just after a start) its registry cannot serve the engine. */
  ready(): boolean {
    return !this.registry || this.registry.host() !== undefined;
  }

  /** Ensures each image; answers the change to record: the digests, or the task failed as ECS reports it. */
  async ensure(scope: Scope, task: Task, images: readonly string[]): Promise<(current: Task) => Task> {
    const digests: Record<string, string> = {};
    const runImages: Record<string, string> = {};
    for (const image of images) {
      const source = this.source(image, scope);
      const denied = await this.pullDenial(scope, task, image, source);
      if (denied) return (current) => (denied.kind === 'auth' ? failSecrets(current, denied.detail, this.clock.now()) : failPull(current, image, denied.detail, this.clock.now()));
      try {
        const ensured = await this.runtime.ensureImage(source.reference, source.auth);
        // ECS reports the manifest digest; an image only built locally has none, so its id stands in.
        digests[image] = ensured.repoDigest ?? ensured.imageId;
        if (source.repository && ensured.repoDigest) runImages[image] = pinnedReference(source.repository, ensured.repoDigest);
        else if (source.reference !== image) runImages[image] = source.reference;
      } catch (error) {
        if (!(error instanceof ImagePullError)) throw error;
        const failure = pullFailureDetail(resolvedRefName(image), error);
        return (current) => failPull(current, image, failure, this.clock.now());
      }
    }
    return (current) => markPulled(current, digests, this.clock.now(), runImages);
  }

  /** The image as Wharf's registry's (AWS form, or the repositoryUri form under either of its names), else undefined. */
  private ecrImage(image: string, host: string | undefined) {
    if (!host) return undefined;
    const named = this.registry?.named?.();
    return parseEcrImage(image, host) ?? (named ? parseEcrImage(image, named) : undefined);
  }

  private source(image: string, scope: Scope): ImageSource {
    const host = this.registry?.host();
    const ecr = this.ecrImage(image, host);
    if (!host || !ecr || !this.registry) return { reference: image };
    const pull = registryPull(ecr, host, scope);
    const { password } = this.registry.credentials.mint(pull.account, pull.region, this.clock.now());
    return { reference: pull.reference, repository: pull.repository, auth: { username: 'AWS', password, serveraddress: host } };
  }

  /**
   * With enforcement on, an ECR pull needs the execution role to be allowed
   * ecr:GetAuthorizationToken (else the agent cannot get registry auth) and
   * ecr:BatchGetImage / ecr:GetDownloadUrlForLayer on the repository (else
   * the registry answers 403).
   */
  private async pullDenial(scope: Scope, task: Task, image: string, source: ImageSource): Promise<{ kind: 'auth' | 'pull'; detail: string } | undefined> {
    const check = this.executionRole;
    const roleArn = task.wharf.executionRoleArn;
    if (!check || !roleArn || !source.repository) return undefined;
    const ecr = this.ecrImage(image, this.registry?.host());
    if (!ecr) return undefined;
    const at = { account: ecr.account ?? scope.account, region: ecr.region ?? scope.region };
    const ask = (action: string, arn: string) => check.denial({ roleArn, sessionName: task.wharf.taskId, scope: at, action, resource: { arn } });
    const token = await ask('ecr:GetAuthorizationToken', '*');
    // unverified wording
    if (token) return { kind: 'auth', detail: `execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): AccessDeniedException: ${token}` };
    const repository = repositoryArn({ partition: roleArn.split(':')[1] ?? 'aws', ...at }, ecr.repository);
    for (const action of ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']) {
      const denied = await ask(action, repository);
      // unverified wording: the registry's 403 as the agent reports a manifest it may not read
      if (denied) return { kind: 'pull', detail: `pull image manifest has been retried 5 time(s): failed to resolve ref ${resolvedRefName(image)}: unexpected status from HEAD request: 403 Forbidden (${denied})` };
    }
    return undefined;
  }
}
