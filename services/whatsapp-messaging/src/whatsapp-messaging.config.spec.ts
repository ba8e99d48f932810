import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '@flowbridge/platform';
import { WhatsappMessagingConfig } from './whatsapp-messaging.config';

describe('WhatsappMessagingConfig', () => {
  const ENCRYPTION_KEYS = `k1:${randomBytes(32).toString('base64')}`;

  it('defaults to a pool that does not grow with the navigation partitions (no connection held across a send)', () => {
    const config = loadConfig(WhatsappMessagingConfig, { INTERNAL_KEY: 'k'.repeat(32), ENCRYPTION_KEYS });
    expect(config.DATABASE_POOL_SIZE).toBe(16);
    expect(config.NAVIGATION_PARTITIONS).toBe(16);
    expect(
      loadConfig(WhatsappMessagingConfig, {
        INTERNAL_KEY: 'k'.repeat(32),
        ENCRYPTION_KEYS,
        NAVIGATION_PARTITIONS: '64',
      }),
    ).toMatchObject({ DATABASE_POOL_SIZE: 16, NAVIGATION_PARTITIONS: 64 });
  });

  it('refuses a pool smaller than WEBHOOK_WRITE_CONCURRENCY + 2, naming both', () => {
    let error: unknown;
    try {
      loadConfig(WhatsappMessagingConfig, {
        INTERNAL_KEY: 'k'.repeat(32),
        ENCRYPTION_KEYS,
        DATABASE_POOL_SIZE: '5',
        WEBHOOK_WRITE_CONCURRENCY: '4',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable)).toEqual(['DATABASE_POOL_SIZE']);
    expect((error as ConfigError).message).toContain('at least WEBHOOK_WRITE_CONCURRENCY + 2 (6)');
    expect(
      loadConfig(WhatsappMessagingConfig, {
        INTERNAL_KEY: 'k'.repeat(32),
        ENCRYPTION_KEYS,
        DATABASE_POOL_SIZE: '5',
        WEBHOOK_WRITE_CONCURRENCY: '2',
      }),
    ).toMatchObject({ DATABASE_POOL_SIZE: 5 });
  });
});
