import { maskSecret, type SealedSecret, SecretBox } from '@flowbridge/platform';
import { Injectable } from '@nestjs/common';
import { ConnectionsConfig } from '../connections.config';

export type SecretOwner = { kind: 'connection' | 'api'; workspaceId: string; id: string };

/** Seals and opens the secrets of connections and APIs, each bound to its owner and field. */
@Injectable()
export class SecretsService {
  readonly box: SecretBox;

  constructor(config: ConnectionsConfig) {
    this.box = new SecretBox(config.ENCRYPTION_KEYS);
  }

  seal(owner: SecretOwner, field: string, plaintext: string): SealedSecret {
    return this.box.seal(plaintext, associatedData(owner, field));
  }

  open(owner: SecretOwner, field: string, sealed: SealedSecret): string {
    return this.box.open(sealed, associatedData(owner, field));
  }

  mask(sealed: SealedSecret | undefined): string | null {
    return maskSecret(sealed);
  }
}

export function associatedData(owner: SecretOwner, field: string): string {
  return `flowbridge/${owner.workspaceId}/${owner.kind}/${owner.id}/${field}`;
}
