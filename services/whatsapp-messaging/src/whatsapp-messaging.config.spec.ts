import { randomBytes } from 'node:crypto';
import { loadConfig } from '@flowbridge/platform';
import { WhatsappMessagingConfig, webhookPoolSize } from './whatsapp-messaging.config';

describe('WhatsappMessagingConfig', () => {
  const ENCRYPTION_KEYS = `k1:${randomBytes(32).toString('base64')}`;

  it('defaults to pools that do not grow with the navigation partitions (no connection held across a send)', () => {
    const config = loadConfig(WhatsappMessagingConfig, { INTERNAL_KEY: 'k'.repeat(32), ENCRYPTION_KEYS });
    expect(config.DATABASE_POOL_SIZE).toBe(14);
    expect(webhookPoolSize(config)).toBe(2);
    expect(config.NAVIGATION_PARTITIONS).toBe(16);
    const more = loadConfig(WhatsappMessagingConfig, {
      INTERNAL_KEY: 'k'.repeat(32),
      ENCRYPTION_KEYS,
      NAVIGATION_PARTITIONS: '64',
      WEBHOOK_WRITE_CONCURRENCY: '4',
    });
    expect(more).toMatchObject({ DATABASE_POOL_SIZE: 14, NAVIGATION_PARTITIONS: 64 });
    // Each webhook writer holds a connection of the webhooks' pool, and the Redis epoch check may take one more.
    expect(webhookPoolSize(more)).toBe(5);
  });
});
