/**
 * A task a process runs every `everyMs` (a sweep, a lease renewal, a check), never twice at once: a run that
 * outlasts the period covers the ticks that fall during it, so a stalled Postgres or Redis does not pile runs
 * up behind it, each waiting for a connection and all running at once when it answers again. A failed run is
 * reported to `onError` and the task runs again at the next tick. The timer does not keep the process alive.
 */
export class Periodic {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly task: () => Promise<unknown>,
    private readonly everyMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Runs the task every `everyMs` from now on (the first run one period from now, or `runNow()`). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.runNow(), this.everyMs);
    this.timer.unref();
  }

  /** Runs the task now, unless a run is in progress: then the promise of that run. Never rejects. */
  runNow(): Promise<void> {
    this.running ??= Promise.resolve()
      .then(() => this.task())
      .then(() => undefined, this.onError)
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** No more runs; a run in progress ends on its own. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
