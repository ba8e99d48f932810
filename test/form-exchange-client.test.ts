import { loadConfig } from '@flowbridge/platform';
import { until } from '@flowbridge/testing';
import { Redis } from 'ioredis';
import { FormExchangeClient } from '../services/whatsapp-messaging/src/flows-endpoint/form-exchange-client';
import { WhatsappMessagingConfig } from '../services/whatsapp-messaging/src/whatsapp-messaging.config';
import { OwnRedis } from './reliability/harness/own-infra';
import { freePort } from './service-process';

// A messaging replica started while Redis is down: WhatsApp's screen requests are answered without the worker
// meanwhile, and the replica's answer channel is subscribed once Redis comes (issue 19).
describe('[issue 19] the form answers channel of a replica started while Redis is down', () => {
  const redis = new OwnRedis();
  let client: FormExchangeClient;

  afterAll(async () => {
    await client?.beforeApplicationShutdown();
    await redis.stop();
  });

  it('answers on its own while Redis is away, and subscribes when it comes', async () => {
    redis.port = await freePort();
    const config = loadConfig(WhatsappMessagingConfig, {
      NODE_ENV: 'test',
      DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused',
      REDIS_URL: redis.url,
      ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
      QUEUE_PREFIX: 'fbtest-fec',
      FLOW_ENDPOINT_WAIT_MS: '1000',
    });
    client = new FormExchangeClient(config);
    client.onApplicationBootstrap();
    const exchange = {
      channelId: 'c1',
      claims: {
        workspaceId: 'ws',
        runId: 'r1',
        formId: 'f',
        navigationId: 'r1:1',
        expiresAt: Date.now() + 60_000,
      },
      action: 'data_exchange' as const,
      screen: 'ORDER',
      data: { order_id: 'A-1' },
    };
    const started = Date.now();
    expect(await client.ask(exchange)).toEqual({
      screen: 'ORDER',
      data: { error_message: expect.stringMatching(/longer than expected/) },
    });
    expect(Date.now() - started).toBeLessThan(3000);

    await redis.start();
    const probe = new Redis(redis.url);
    try {
      const channels = await until('the answers channel subscribed', async () => {
        const names = (await probe.pubsub('CHANNELS', 'fbtest-fec:form-answers:*')) as string[];
        return names.length === 1 && names;
      });
      expect(channels[0]).toMatch(/^fbtest-fec:form-answers:[0-9a-f-]{36}$/);
    } finally {
      probe.disconnect();
    }
  });
});
