import { Injectable } from '@nestjs/common';
import { WorkerConfig } from '../worker.config';

/**
 * The API calls one worker process makes at once: WORKER_CONCURRENCY, shared by the first attempts it runs
 * right after deciding them and the attempts it takes off the `flow-api-calls` queue. A call waits here for a
 * slot; the batch that decides a step runs it in-process only while a slot is free (else it becomes a job).
 */
@Injectable()
export class CallSlots {
  private busy = 0;
  /** Slots promised to first attempts whose batch is being written. */
  private promised = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly config: WorkerConfig) {}

  /** Promises a slot to a first attempt, if one is free; false: let the queue run it. */
  promise(): boolean {
    if (this.busy + this.promised >= this.config.WORKER_CONCURRENCY) return false;
    this.promised++;
    return true;
  }

  /** Gives back promised slots (the batch failed, or the attempts took theirs). */
  unpromise(count: number): void {
    this.promised -= count;
  }

  /** Runs the call once a slot is free. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.busy >= this.config.WORKER_CONCURRENCY)
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.busy++;
    try {
      return await call();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next caller; busy stays as it is.
      if (next) next();
      else this.busy--;
    }
  }
}
