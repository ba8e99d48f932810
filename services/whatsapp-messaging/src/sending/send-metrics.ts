import { metricOnce } from '@flowbridge/platform';
import { Counter, Histogram } from 'prom-client';

export const sends = metricOnce(
  'flowbridge_messages_sent_total',
  () =>
    new Counter({
      name: 'flowbridge_messages_sent_total',
      help: 'Cloud API sends by outcome (sent, retry, in_doubt: no answer once connected, failed, recovered: a send in doubt found by its status)',
      labelNames: ['outcome'],
    }),
);
export const cloudApiErrors = metricOnce(
  'flowbridge_cloud_api_errors_total',
  () =>
    new Counter({
      name: 'flowbridge_cloud_api_errors_total',
      help: "Cloud API errors answering a send, by Meta's error code (190: the channel's access token is invalid)",
      labelNames: ['code'],
    }),
);
export const sendDuration = metricOnce(
  'flowbridge_send_duration_seconds',
  () =>
    new Histogram({
      name: 'flowbridge_send_duration_seconds',
      help: 'Time of one POST to the Cloud API, by outcome',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    }),
);
