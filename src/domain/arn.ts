/** ARNs carry the partition their region belongs to, as in AWS. */
export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov';

export function partitionOf(region: string): Partition {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export interface ArnParts {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  readonly resource: string;
}

export function formatArn(parts: Omit<ArnParts, 'partition'> & { partition?: string }): string {
  const partition = parts.partition ?? partitionOf(parts.region);
  return `arn:${partition}:${parts.service}:${parts.region}:${parts.account}:${parts.resource}`;
}

export function parseArn(value: string): ArnParts | undefined {
  const match = /^arn:(aws|aws-cn|aws-us-gov):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):(.+)$/.exec(value);
  if (!match) return undefined;
  const [, partition, service, region, account, resource] = match as unknown as [string, string, string, string, string, string];
  return { partition, service, region, account, resource };
}
