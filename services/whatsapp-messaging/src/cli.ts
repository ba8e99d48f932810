import 'reflect-metadata';
import {
  ConfigError,
  loadConfig,
  type PlatformConfig,
  runMigrateCli,
  scopedDataSource,
  SecretBox,
  Tenancy,
} from '@flowbridge/platform';
import { SERVICE_NAME } from './app.module';
import { ChannelEntity } from './channels/channel.entity';
import { rotateChannelSecrets } from './channels/rotate-channel-secrets';
import { MESSAGING_MIGRATIONS, MESSAGING_SCHEMA } from './migrations';
import { WhatsappMessagingConfig } from './whatsapp-messaging.config';

// `cli.js migrate`, or `cli.js secrets:rotate [--dry-run]`: re-encrypt the channels' access tokens and app
// secrets with the first key of ENCRYPTION_KEYS (`npm run cli -- secrets:rotate` runs this after the
// connections service's own).
const [command, ...rest] = process.argv.slice(2);
if (command === 'secrets:rotate') void rotate(rest.includes('--dry-run'));
else runMigrateCli({ service: SERVICE_NAME, schema: MESSAGING_SCHEMA, migrations: MESSAGING_MIGRATIONS });

async function rotate(dryRun: boolean): Promise<void> {
  try {
    const config = loadConfig(WhatsappMessagingConfig);
    const box = new SecretBox(config.ENCRYPTION_KEYS);
    const dataSource = await scopedDataSource({
      type: 'postgres',
      url: (config as PlatformConfig).DATABASE_URL,
      schema: MESSAGING_SCHEMA,
      entities: [ChannelEntity],
      applicationName: 'flowbridge-cli',
    });
    try {
      // An operator's command: every workspace's channels.
      const report = await Tenancy.acrossWorkspaces(() => rotateChannelSecrets(dataSource, box, { dryRun }));
      process.stdout.write(
        `${dryRun ? 'would re-encrypt' : 're-encrypted'} ${report.secrets} secret(s) in ${report.channels} channel(s) with key "${box.currentKeyId}"\n`,
      );
    } finally {
      await dataSource.destroy();
    }
    process.exit(0);
  } catch (error) {
    process.stderr.write(
      error instanceof ConfigError
        ? `${error.message}\n`
        : `failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(error instanceof ConfigError ? 78 : 1);
  }
}
