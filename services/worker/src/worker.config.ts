import { OutboundConfig } from '@flowbridge/outbound';
import { ToBoolean, ToInt } from '@flowbridge/platform';
import { IsBoolean, IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';

export class WorkerConfig extends OutboundConfig {
  @ToInt()
  @IsInt({ message: 'must be a port number' })
  @Min(0)
  @Max(65535)
  WORKER_PORT = 3003;

  /**
   * The operators' key for the queue dashboard (/queues), which shows every workspace's jobs: workspace
   * admin keys never open it. Unset, the dashboard is closed to everyone.
   */
  @IsOptional()
  @IsString()
  @MinLength(24, { message: 'must be at least 24 characters' })
  OPERATOR_API_KEY?: string;

  /** The dashboard's write actions (retry, promote, clean, pause, add): off unless set to true. */
  @ToBoolean()
  @IsBoolean({ message: 'must be true or false' })
  QUEUE_DASHBOARD_WRITE = false;

  /**
   * flowbridge_queue_jobs is reported by one worker of the deployment, the one holding this lease in Redis
   * (renewed at a third of it); when it stops, another takes over within this long.
   */
  @ToInt()
  @IsInt({ message: 'must be an integer' })
  @Min(1000)
  @Max(300_000)
  QUEUE_METRICS_LEASE_MS = 15_000;

  /**
   * Jobs one worker process runs at once, per queue (different contacts run in parallel), and the API calls it
   * makes at once: API steps' first attempts run in the process that decided them, up to this many at once;
   * beyond, they are `flow-api-calls` jobs like every retry (a queue hop and two more statements each). A call
   * in flight costs a socket and its answer (at most OUTBOUND_MAX_RESPONSE_BYTES), so the bound is generous: a
   * process makes at most this many ÷ the API's latency calls a second (64 at 200 ms: 320/s).
   */
  @ToInt()
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(500)
  WORKER_CONCURRENCY = 64;

  /**
   * Transactions one worker process writes at once per workspace (group commit: each writes every event that
   * waited for it, up to 64). One lets the batches grow with the load, so each transaction's fixed cost (BEGIN,
   * the contacts' locks, four statements, COMMIT) is shared the most (docs/benchmarks.md, "One transaction in
   * flight"); more help only where a commit is slow against the work in it (a distant database). Each holds a
   * database connection, so keep it under DATABASE_POOL_SIZE.
   */
  @ToInt()
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(64)
  WORKER_WRITE_CONCURRENCY = 1;

  /** A run with no event for this long ends as `expired` (WhatsApp's 24-hour service window). */
  @ToInt()
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(1000)
  @Max(30 * 24 * 3600 * 1000)
  RUN_IDLE_TIMEOUT_MS = 24 * 3600 * 1000;

  /**
   * A job's lock: if its worker dies (kill -9, node lost), another worker takes the job over after about
   * this long. Longer than any API attempt's timeout is not needed: the lock is renewed while a job runs.
   * The lease of an API attempt run in-process is the same (renewed while it runs; the outbox sweep queues it
   * as a job once it runs out).
   */
  @ToInt()
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(1000)
  @Max(600_000)
  WORKER_LOCK_DURATION_MS = 30_000;

  /**
   * WhatsApp Flows screen requests one worker process answers at once (their own queue, beside the chat's):
   * each mostly waits for the business API, within its deadline.
   */
  @ToInt()
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(500)
  FORM_EXCHANGE_CONCURRENCY = 32;

  /**
   * How long a form's footer API call may take, retries included, unless its footer says (`deadlineMs`): past
   * it the person gets the failure screen. Meta wants answers in about a second; WhatsApp gives up near ten.
   */
  @ToInt()
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(500)
  @Max(7000)
  FORM_DEADLINE_MS = 5000;

  /** How long the worker waits for flow-definition and connections to answer an RPC. */
  @ToInt()
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(100)
  @Max(60_000)
  WORKER_RPC_TIMEOUT_MS = 5000;
}
