/**
 * ECR's tag wildcards (lifecycle `tagPatternList`, tag mutability exclusion
 * filters): `*` matches any run of characters, everything else matches itself,
 * and the pattern covers the whole tag.
 */
export function matchesWildcard(pattern: string, value: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === value;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!value.startsWith(first) || value.length < first.length + last.length || !value.endsWith(last)) return false;
  let at = first.length;
  const end = value.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = value.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

export function wildcardCount(pattern: string): number {
  return pattern.split('*').length - 1;
}
