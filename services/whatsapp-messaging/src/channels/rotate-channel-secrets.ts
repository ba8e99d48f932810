import type { SecretBox } from '@flowbridge/platform';
import type { DataSource } from 'typeorm';
import { ChannelEntity } from './channel.entity';
import { aad, type SecretField } from './channels.service';

export interface ChannelRotationReport {
  channels: number;
  secrets: number;
}

const FIELDS: SecretField[] = ['accessToken', 'appSecret', 'flowPrivateKey'];

/**
 * Re-encrypts every channel secret (access token, app secret, Flows private key) that is not under the current key, one row at
 * a time, so that the command can be stopped and run again at any point. A row whose secrets changed
 * meanwhile (an admin set a new token) is left as it is: the new value is already under the current key.
 */
export async function rotateChannelSecrets(
  dataSource: DataSource,
  box: SecretBox,
  options: { dryRun?: boolean } = {},
): Promise<ChannelRotationReport> {
  const report: ChannelRotationReport = { channels: 0, secrets: 0 };
  for (const channel of await dataSource.getRepository(ChannelEntity).find()) {
    const changed: Partial<Record<SecretField, ChannelEntity[SecretField]>> = {};
    for (const field of FIELDS) {
      const sealed = channel[field];
      if (sealed && box.needsRotation(sealed))
        changed[field] = box.rotate(sealed, aad(channel.workspaceId, channel.id, field));
    }
    const count = Object.keys(changed).length;
    if (count === 0) continue;
    report.channels += 1;
    report.secrets += count;
    if (!options.dryRun)
      await dataSource.query(
        `UPDATE whatsapp_messaging.channels
            SET access_token = $2, app_secret = $3, flow_private_key = $4::jsonb, updated_at = now()
          WHERE id = $1 AND access_token = $5::jsonb AND app_secret = $6::jsonb
            AND flow_private_key IS NOT DISTINCT FROM $7::jsonb`,
        [
          channel.id,
          JSON.stringify(changed.accessToken ?? channel.accessToken),
          JSON.stringify(changed.appSecret ?? channel.appSecret),
          jsonOrNull(changed.flowPrivateKey ?? channel.flowPrivateKey),
          JSON.stringify(channel.accessToken),
          JSON.stringify(channel.appSecret),
          jsonOrNull(channel.flowPrivateKey),
        ],
      );
  }
  return report;
}

function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
