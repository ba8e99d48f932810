import { metricOnce } from '@flowbridge/platform';
import { Counter, Histogram } from 'prom-client';

export const webhookRequests = metricOnce(
  'flowbridge_webhook_requests_total',
  () =>
    new Counter({
      name: 'flowbridge_webhook_requests_total',
      help: 'Webhook POSTs by outcome (accepted, unsigned, bad_signature, malformed, unknown_channel, unavailable)',
      labelNames: ['outcome'],
    }),
);
export const inboundMessages = metricOnce(
  'flowbridge_inbound_messages_total',
  () =>
    new Counter({
      name: 'flowbridge_inbound_messages_total',
      help: 'Inbound messages by type and outcome (new, duplicate)',
      labelNames: ['type', 'outcome'],
    }),
);
export const webhookBatchSize = metricOnce(
  'flowbridge_webhook_batch_size',
  () =>
    new Histogram({
      name: 'flowbridge_webhook_batch_size',
      help: 'Webhooks written per statement (group commit)',
      buckets: [1, 2, 4, 8, 16, 32, 64],
    }),
);
export const unknownTypes = metricOnce(
  'flowbridge_webhook_unknown_total',
  () =>
    new Counter({
      name: 'flowbridge_webhook_unknown_total',
      help: 'Inbound message types and statuses this version does not know (logged, never a crash)',
      labelNames: ['type'],
    }),
);
