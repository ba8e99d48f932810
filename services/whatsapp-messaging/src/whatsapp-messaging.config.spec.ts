import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '@flowbridge/platform';
import { WhatsappMessagingConfig } from './whatsapp-messaging.config';

describe('WhatsappMessagingConfig', () => {
  const ENCRYPTION_KEYS = `k1:${randomBytes(32).toString('base64')}`;

  it('defaults to a pool that fits every navigation partition', () => {
    const config = loadConfig(WhatsappMessagingConfig, { INTERNAL_KEY: 'k'.repeat(32), ENCRYPTION_KEYS });
    expect(config.DATABASE_POOL_SIZE).toBe(24);
    expect(config.NAVIGATION_PARTITIONS).toBe(16);
  });

  it('refuses a pool smaller than NAVIGATION_PARTITIONS + 4, naming both', () => {
    let error: unknown;
    try {
      loadConfig(WhatsappMessagingConfig, {
        INTERNAL_KEY: 'k'.repeat(32),
        ENCRYPTION_KEYS,
        DATABASE_POOL_SIZE: '10',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable)).toEqual(['DATABASE_POOL_SIZE']);
    expect((error as ConfigError).message).toContain('at least NAVIGATION_PARTITIONS + 4 (20)');
    expect(
      loadConfig(WhatsappMessagingConfig, {
        INTERNAL_KEY: 'k'.repeat(32),
        ENCRYPTION_KEYS,
        DATABASE_POOL_SIZE: '10',
        NAVIGATION_PARTITIONS: '6',
      }),
    ).toMatchObject({ DATABASE_POOL_SIZE: 10 });
  });
});
