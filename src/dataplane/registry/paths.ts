/**
 * The distribution API's routes. Repository names may contain '/', so each
 * route is recognised by what ends the path.
 */
export type RegistryRoute =
  | { readonly kind: 'base' }
  | { readonly kind: 'catalog' }
  | { readonly kind: 'tags'; readonly name: string }
  | { readonly kind: 'manifest'; readonly name: string; readonly reference: string }
  | { readonly kind: 'blob'; readonly name: string; readonly digest: string }
  | { readonly kind: 'uploads'; readonly name: string }
  | { readonly kind: 'upload'; readonly name: string; readonly uploadId: string };

const ROUTES: readonly [RegExp, (m: readonly string[]) => RegistryRoute][] = [
  [/^\/v2\/?$/, () => ({ kind: 'base' })],
  [/^\/v2\/_catalog$/, () => ({ kind: 'catalog' })],
  [/^\/v2\/(.+)\/tags\/list$/, (m) => ({ kind: 'tags', name: m[1]! })],
  [/^\/v2\/(.+)\/manifests\/([^/]+)$/, (m) => ({ kind: 'manifest', name: m[1]!, reference: m[2]! })],
  [/^\/v2\/(.+)\/blobs\/uploads\/?$/, (m) => ({ kind: 'uploads', name: m[1]! })],
  [/^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/, (m) => ({ kind: 'upload', name: m[1]!, uploadId: m[2]! })],
  [/^\/v2\/(.+)\/blobs\/([^/]+)$/, (m) => ({ kind: 'blob', name: m[1]!, digest: m[2]! })],
];

/** The route of a request path (still percent-encoded), or undefined. */
export function matchRoute(pathname: string): RegistryRoute | undefined {
  for (const [pattern, build] of ROUTES) {
    const match = pattern.exec(pathname);
    if (!match) continue;
    try {
      return build(match.map((part) => decodeURIComponent(part)));
    } catch {
      return undefined; // malformed percent-encoding
    }
  }
  return undefined;
}

/** Where an upload session lives, as Location headers give it. */
export const uploadLocation = (name: string, uploadId: string) => `/v2/${name}/blobs/uploads/${uploadId}`;
export const blobLocation = (name: string, digest: string) => `/v2/${name}/blobs/${digest}`;
export const manifestLocation = (name: string, digest: string) => `/v2/${name}/manifests/${digest}`;
