import type { AccessKey, KeyRing } from './sigv4.js';

export interface ConfiguredKey extends AccessKey {
  /** May call the admin endpoints from off the host. */
  readonly admin?: boolean;
}

/** The key pairs from configuration (temporary keys: SessionKeyRing). */
export class StaticKeyRing implements KeyRing {
  private readonly keys: Map<string, ConfiguredKey>;

  constructor(keys: readonly ConfiguredKey[]) {
    this.keys = new Map(keys.map((key) => [key.accessKeyId, key]));
  }

  lookup(accessKeyId: string): ConfiguredKey | undefined {
    return this.keys.get(accessKeyId);
  }
}
