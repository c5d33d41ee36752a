import type { RoleRecord } from '../../domain/iam/roles.js';

/**
 * A role as IAM answers it. IAM sends policy documents URL-encoded (the CLI
 * and SDKs decode them), in GetRole and ListRoles as in GetRolePolicy.
 */
export function roleView(role: RoleRecord, withTags = true): Record<string, unknown> {
  return {
    Path: role.Path,
    RoleName: role.RoleName,
    RoleId: role.RoleId,
    Arn: role.Arn,
    CreateDate: new Date(role.CreateDate),
    AssumeRolePolicyDocument: encodePolicy(role.AssumeRolePolicyDocument),
    ...(role.Description !== undefined ? { Description: role.Description } : {}),
    MaxSessionDuration: role.MaxSessionDuration,
    ...(role.PermissionsBoundary !== undefined
      ? { PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: role.PermissionsBoundary } }
      : {}),
    ...(withTags && role.Tags.length > 0 ? { Tags: role.Tags } : {}),
  };
}

export function encodePolicy(document: string): string {
  return encodeURIComponent(document);
}
