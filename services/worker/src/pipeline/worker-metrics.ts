import { metricOnce as once } from '@flowbridge/platform';
import { Counter, Histogram } from 'prom-client';

export const triggerEvents = once(
  'flowbridge_trigger_events_total',
  () =>
    new Counter({
      name: 'flowbridge_trigger_events_total',
      help: 'Trigger events taken off the queue, by source and outcome (applied, duplicate, refused)',
      labelNames: ['source', 'outcome'],
    }),
);

export const runsFinished = once(
  'flowbridge_runs_finished_total',
  () =>
    new Counter({
      name: 'flowbridge_runs_finished_total',
      help: 'Runs that ended, by status (completed, failed, expired) and reason',
      labelNames: ['status', 'reason'],
    }),
);

export const apiCallDuration = once(
  'flowbridge_api_call_duration_seconds',
  () =>
    new Histogram({
      name: 'flowbridge_api_call_duration_seconds',
      help: 'One attempt of a data_exchange step, by connection and outcome (success, failure, retry)',
      labelNames: ['connection', 'outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
);

export const apiRetries = once(
  'flowbridge_api_retries_total',
  () =>
    new Counter({
      name: 'flowbridge_api_retries_total',
      help: 'Retries scheduled for API steps, by connection',
      labelNames: ['connection'],
    }),
);

export const queueWait = once(
  'flowbridge_queue_wait_seconds',
  () =>
    new Histogram({
      name: 'flowbridge_queue_wait_seconds',
      help: 'Time from when a job was due (queued, or its delay over) to when a worker took it',
      labelNames: ['queue'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    }),
);

export const abandonedSteps = once(
  'flowbridge_api_steps_abandoned_total',
  () =>
    new Counter({
      name: 'flowbridge_api_steps_abandoned_total',
      help: 'API steps whose job failed for good (stalled: its workers died twice; failed: retries spent); each took its failure screen. Alert on any.',
      labelNames: ['reason'],
    }),
);

export const batchSize = once(
  'flowbridge_worker_batch_size',
  () =>
    new Histogram({
      name: 'flowbridge_worker_batch_size',
      help: 'Items (events, API attempt logs) written per worker transaction (group commit)',
      buckets: [1, 2, 4, 8, 16, 32, 64],
    }),
);

export const pendingRedriven = once(
  'flowbridge_worker_pending_redriven_total',
  () =>
    new Counter({
      name: 'flowbridge_worker_pending_redriven_total',
      help: "Contacts whose pending events the pending sweep applied (their own job's retry had not within a minute). Alert on a steady rate.",
    }),
);
