import { Worker1764000000400 } from './1764000000400-worker';
import { WorkerContactLock1764000000410 } from './1764000000410-contact-lock';
import { WorkerRunSteps1764000000420 } from './1764000000420-run-steps';
import { WorkerRedisEpochs1764000000430 } from './1764000000430-redis-epochs';
import { WorkerIsolation1764000000440 } from './1764000000440-workspace-isolation';
import { WorkerOutboxLease1764000000450 } from './1764000000450-outbox-lease';
import { WorkerFormRequests1764000000460 } from './1764000000460-form-requests';

export const WORKER_SCHEMA = 'worker';
export const WORKER_MIGRATIONS = [
  Worker1764000000400,
  WorkerContactLock1764000000410,
  WorkerRunSteps1764000000420,
  WorkerRedisEpochs1764000000430,
  WorkerIsolation1764000000440,
  WorkerOutboxLease1764000000450,
  WorkerFormRequests1764000000460,
];
