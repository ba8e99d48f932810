import type { SecretBox } from '@flowbridge/platform';
import type { DataSource } from 'typeorm';
import { ChannelEntity } from './channel.entity';
import { aad, type SecretField } from './channels.service';

export interface ChannelRotationReport {
  channels: number;
  secrets: number;
}

const FIELDS: SecretField[] = ['accessToken', 'appSecret'];

/**
 * Re-encrypts every channel secret (access token, app secret) that is not under the current key, one row at
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
    for (const field of FIELDS)
      if (box.needsRotation(channel[field]))
        changed[field] = box.rotate(channel[field], aad(channel.workspaceId, channel.id, field));
    const count = Object.keys(changed).length;
    if (count === 0) continue;
    report.channels += 1;
    report.secrets += count;
    if (!options.dryRun)
      await dataSource.query(
        `UPDATE whatsapp_messaging.channels SET access_token = $2, app_secret = $3, updated_at = now()
          WHERE id = $1 AND access_token = $4::jsonb AND app_secret = $5::jsonb`,
        [
          channel.id,
          JSON.stringify(changed.accessToken ?? channel.accessToken),
          JSON.stringify(changed.appSecret ?? channel.appSecret),
          JSON.stringify(channel.accessToken),
          JSON.stringify(channel.appSecret),
        ],
      );
  }
  return report;
}
