import type { SecretBox } from '@flowbridge/platform';
import type { DataSource } from 'typeorm';
import { ApiEntity } from '../apis/api.entity';
import { ConnectionEntity, type SealedMap } from '../connections/connection.entity';
import { associatedData, type SecretOwner } from '../secrets/secrets.service';

export interface RotationReport {
  connections: number;
  apis: number;
  secrets: number;
}

/**
 * Re-encrypts every stored secret that is not under the current key, row by row, each row in its own
 * transaction, so that the command can be stopped and run again at any point.
 */
export async function rotateSecrets(
  dataSource: DataSource,
  box: SecretBox,
  options: { dryRun?: boolean } = {},
): Promise<RotationReport> {
  const report: RotationReport = { connections: 0, apis: 0, secrets: 0 };
  const rotateMap = (
    owner: SecretOwner,
    prefix: string,
    map: SealedMap,
  ): { map: SealedMap; count: number } => {
    let count = 0;
    const out: SealedMap = {};
    for (const [name, sealed] of Object.entries(map)) {
      if (box.needsRotation(sealed)) {
        out[name] = box.rotate(sealed, associatedData(owner, `${prefix}${name}`));
        count += 1;
      } else out[name] = sealed;
    }
    return { map: out, count };
  };

  for (const entity of await dataSource.getRepository(ConnectionEntity).find()) {
    const owner: SecretOwner = { kind: 'connection', workspaceId: entity.workspaceId, id: entity.id };
    const auth = rotateMap(owner, 'auth.', entity.authSecrets);
    const headers = rotateMap(owner, 'headers.', entity.secretHeaders);
    if (auth.count + headers.count === 0) continue;
    report.connections += 1;
    report.secrets += auth.count + headers.count;
    if (!options.dryRun) {
      await dataSource
        .getRepository(ConnectionEntity)
        .update(
          { id: entity.id, version: entity.version },
          { authSecrets: auth.map, secretHeaders: headers.map },
        );
    }
  }
  for (const entity of await dataSource.getRepository(ApiEntity).find()) {
    const owner: SecretOwner = { kind: 'api', workspaceId: entity.workspaceId, id: entity.id };
    const headers = rotateMap(owner, 'headers.', entity.secretHeaders);
    if (headers.count === 0) continue;
    report.apis += 1;
    report.secrets += headers.count;
    if (!options.dryRun) {
      await dataSource
        .getRepository(ApiEntity)
        .update({ id: entity.id, version: entity.version }, { secretHeaders: headers.map });
    }
  }
  return report;
}
