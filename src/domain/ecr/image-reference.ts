/**
 * Image references that name an ECR repository, and how Wharf pulls them.
 *
 * A task definition may name an ECR image two ways:
 * - the AWS form `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<repo>[:tag|@digest]`,
 *   whose account and region say whose repository it is;
 * - Wharf's own `repositoryUri` form `<registry host>/<repo>[:tag|@digest]`
 *   (e.g. `127.0.0.1:4566/my-app:1`), which names a repository of the task's
 *   own account and region.
 * Both are pulled from Wharf's registry: the engine is given
 * `<registry host>/<repo>:<tag>` (or `@<digest>`) and credentials minted for
 * the repository's account and region. Pure: the registry host is a parameter.
 */

export interface ImageReference {
  /** The registry host[:port], when the reference names one. */
  readonly registry?: string;
  /** The repository path, without the registry. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/**
 * Splits a reference as docker reads it: the first path component is a
 * registry when it has a `.` or a `:` or is `localhost`; a `:` after the last
 * `/` starts the tag; `@` starts the digest. Undefined for an empty reference.
 */
export function parseImageReference(image: string): ImageReference | undefined {
  let rest = image.trim();
  if (rest === '') return undefined;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  let registry: string | undefined;
  const slash = rest.indexOf('/');
  if (slash > 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first;
      rest = rest.slice(slash + 1);
    }
  }
  if (rest === '') return undefined;
  return { ...(registry !== undefined ? { registry } : {}), repository: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/*
 * Docker's reference grammar (distribution's `reference` package), spelled
 * out here because the engine is the wrong place to find out: it answers a
 * name with `//` or `..` in its API path by redirecting, and docker-modem
 * follows that redirect to a host named after the path.
 */
const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|-+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])`;
const NAME = `(?:${HOST}(?::[0-9]+)?/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(${NAME})(?::${TAG})?(?:@${DIGEST})?$`);
const MAX_NAME_LENGTH = 255;

/**
 * Why the engine would refuse to pull `image`, in its words, or undefined
 * when the reference is well formed. Uppercase in the repository path gets
 * docker's own explanation; a name over 255 characters is refused too.
 */
export function referenceFormatProblem(image: string): string | undefined {
  const match = REFERENCE.exec(image);
  if (match) {
    return match[1]!.length > MAX_NAME_LENGTH ? `invalid reference format: repository name must not be more than ${MAX_NAME_LENGTH} characters` : undefined;
  }
  const reference = parseImageReference(image);
  if (reference && reference.repository !== reference.repository.toLowerCase()) {
    const lowered = image.replace(reference.repository, reference.repository.toLowerCase());
    if (REFERENCE.test(lowered)) return `invalid reference format: repository name (${reference.repository}) must be lowercase`;
  }
  return 'invalid reference format';
}

// <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]
const AWS_ECR_REGISTRY = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** The account and region an AWS-form registry host names (a port, as a hosts entry may add one, is ignored), else undefined. */
export function parseAwsRegistryHost(host: string): { account: string; region: string } | undefined {
  const match = AWS_ECR_REGISTRY.exec(host.toLowerCase().replace(/:\d+$/, ''));
  return match ? { account: match[1]!, region: match[2]! } : undefined;
}

export interface EcrImage extends ImageReference {
  readonly form: 'aws' | 'wharf';
  /** The AWS form's account and region; absent for Wharf's form (the task's own apply). */
  readonly account?: string;
  readonly region?: string;
}

/** Loopback names docker treats alike: `127.0.0.1:P` and `localhost:P` both name Wharf's registry. */
function sameRegistry(candidate: string, registryHost: string): boolean {
  const a = candidate.toLowerCase();
  const b = registryHost.toLowerCase();
  if (a === b) return true;
  const loopback = (host: string) => host.replace(/^localhost(?=:|$)/, '127.0.0.1');
  return loopback(a) === loopback(b);
}

/**
 * The ECR repository an image names, in either form, or undefined when it is
 * not an ECR image (a public or other registry's image, or a local one).
 * Wharf's form is recognised only when `registryHost` is given.
 */
export function parseEcrImage(image: string, registryHost?: string): EcrImage | undefined {
  const reference = parseImageReference(image);
  if (!reference?.registry) return undefined;
  const aws = AWS_ECR_REGISTRY.exec(reference.registry);
  if (aws) return { ...reference, form: 'aws', account: aws[1]!, region: aws[2]! };
  if (registryHost && sameRegistry(reference.registry, registryHost)) return { ...reference, form: 'wharf' };
  return undefined;
}

export function isEcrImage(image: string | undefined, registryHost?: string): boolean {
  return image !== undefined && parseEcrImage(image, registryHost) !== undefined;
}

export interface RegistryPull {
  /** What the engine pulls: `<registry host>/<repo>:<tag>` or `<registry host>/<repo>@<digest>`. */
  readonly reference: string;
  /** `<registry host>/<repo>`: the name the engine files the image's digests under. */
  readonly repository: string;
  /** Whose registry credentials the pull uses (the repository's account and region). */
  readonly account: string;
  readonly region: string;
}

/**
 * How an ECR image is pulled from Wharf's registry. A digest wins over a tag
 * (as docker pulls `repo:tag@digest`); neither means `latest`.
 */
export function registryPull(ecr: EcrImage, registryHost: string, taskScope: { readonly account: string; readonly region: string }): RegistryPull {
  const repository = `${registryHost}/${ecr.repository}`;
  return {
    reference: ecr.digest ? `${repository}@${ecr.digest}` : `${repository}:${ecr.tag ?? 'latest'}`,
    repository,
    account: ecr.account ?? taskScope.account,
    region: ecr.region ?? taskScope.region,
  };
}

/** The exact image a task runs once pulled: the repository pinned to the manifest digest. */
export function pinnedReference(repository: string, digest: string): string {
  return `${repository}@${digest}`;
}

/**
 * The reference as ECS's agent names it in pull errors: the image as written,
 * with `:latest` made explicit when it has neither tag nor digest.
 */
export function resolvedRefName(image: string): string {
  const reference = parseImageReference(image);
  return reference && reference.tag === undefined && reference.digest === undefined ? `${image}:latest` : image;
}
