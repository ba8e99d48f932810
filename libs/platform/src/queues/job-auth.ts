import { UnrecoverableError } from 'bullmq';
import { Counter } from 'prom-client';
import { InternalMac, purposeKey } from '../crypto/internal-key';
import { metricOnce } from '../metrics/metrics';

/** The field of a job's data that carries its tag. */
export const JOB_AUTH_FIELD = 'jobAuth';

const refusedJobs = metricOnce(
  'flowbridge_jobs_refused_total',
  () =>
    new Counter({
      name: 'flowbridge_jobs_refused_total',
      help: 'Queued jobs refused unprocessed because their producer is not a Flowbridge service (bad tag or name)',
      labelNames: ['queue', 'reason'],
    }),
);

export type JobRefusal = 'unexpected_name' | 'unsigned' | 'bad_signature';

/**
 * Signs what a service queues for another and checks it on receipt. The tag covers the queue, the job's
 * name, its id and its data, under a key derived from INTERNAL_KEY: a job added by hand (a dashboard, a
 * client of Redis) or moved to another queue does not verify, and its consumer refuses it unprocessed.
 */
export class JobAuth {
  private readonly mac: InternalMac;

  constructor(internalKey: string) {
    this.mac = new InternalMac(purposeKey(internalKey, 'jobs:v1'));
  }

  /** The data to queue: `data` with its tag as the last field. */
  sign<T extends object>(queue: string, name: string, jobId: string, data: T): T {
    const plain = withoutTag(data);
    return { ...plain, [JOB_AUTH_FIELD]: this.mac.tag(queue, name, jobId, JSON.stringify(plain)) } as T;
  }

  /**
   * Null when the job is one a Flowbridge service queued under one of `names`; else why not, counted.
   * Its data comes back from Redis as it was serialised, so the same JSON is rebuilt here.
   */
  check(
    job: { queueName: string; name: string; id?: string; data: unknown },
    names: readonly string[],
  ): JobRefusal | null {
    const refusal = this.refusal(job, names);
    if (refusal) refusedJobs.inc({ queue: job.queueName, reason: refusal });
    return refusal;
  }

  /** Whether a Flowbridge service queued the job under one of `names`, not counted (it was, when it ran). */
  authentic(
    job: { queueName: string; name: string; id?: string; data: unknown },
    names: readonly string[],
  ): boolean {
    return this.refusal(job, names) === null;
  }

  private refusal(
    job: { queueName: string; name: string; id?: string; data: unknown },
    names: readonly string[],
  ): JobRefusal | null {
    if (!names.includes(job.name)) return 'unexpected_name';
    const data = job.data as Record<string, unknown> | null;
    const tag = data && typeof data === 'object' ? data[JOB_AUTH_FIELD] : undefined;
    if (typeof tag !== 'string') return 'unsigned';
    const plain = JSON.stringify(withoutTag(data as object));
    return this.mac.verify(tag, job.queueName, job.name, job.id ?? '', plain) ? null : 'bad_signature';
  }
}

function withoutTag(data: object): object {
  if (!(JOB_AUTH_FIELD in data)) return data;
  const { [JOB_AUTH_FIELD]: _tag, ...rest } = data as Record<string, unknown>;
  return rest;
}

/**
 * The `default` of a processor's dispatch (a `switch` on the job name): a name the switch does not handle fails
 * to compile there, and a job under a name no release knows is failed for good at run time.
 */
export function noUseCaseFor(name: never): never {
  throw new UnrecoverableError(`no use-case for job ${String(name)}`);
}
