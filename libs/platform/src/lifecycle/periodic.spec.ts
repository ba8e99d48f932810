import { Periodic } from './periodic';

/** A task whose runs end when the test says so, counting how many started. */
function gatedTask(fail = false) {
  const gates: Array<() => void> = [];
  const task = { started: 0, run: jest.fn() };
  task.run.mockImplementation(async () => {
    task.started++;
    await new Promise<void>((open) => gates.push(open));
    if (fail) throw new Error('the database is away');
  });
  const finishAll = async () => {
    while (gates.length > 0) gates.shift()!();
    await flush();
  };
  return { task, finishAll };
}

/** Lets the promise callbacks queued so far run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('Periodic', () => {
  afterEach(() => jest.useRealTimers());

  it('runs every period, and never starts a run while the previous one is in progress', async () => {
    jest.useFakeTimers();
    const { task, finishAll } = gatedTask();
    const periodic = new Periodic(task.run, 1000, () => undefined);
    periodic.start();
    jest.advanceTimersByTime(999);
    await flush();
    expect(task.started).toBe(0);

    jest.advanceTimersByTime(1);
    await flush();
    expect(task.started).toBe(1);
    // The run stalls (a database that does not answer) for five periods: no second run piles up behind it.
    jest.advanceTimersByTime(5000);
    await flush();
    expect(task.started).toBe(1);

    await finishAll();
    jest.advanceTimersByTime(1000);
    await flush();
    expect(task.started).toBe(2);
    await finishAll();
    periodic.stop();
  });

  it('reports a failed run and runs again at the next tick', async () => {
    jest.useFakeTimers();
    const { task, finishAll } = gatedTask(true);
    const errors: unknown[] = [];
    const periodic = new Periodic(task.run, 1000, (err) => errors.push(err));
    periodic.start();
    jest.advanceTimersByTime(1000);
    await flush();
    await finishAll();
    expect(errors).toEqual([new Error('the database is away')]);

    jest.advanceTimersByTime(1000);
    await flush();
    expect(task.started).toBe(2);
    await finishAll();
    expect(errors).toHaveLength(2);
    periodic.stop();
  });

  it('runNow joins a run in progress instead of starting another, and never rejects', async () => {
    const { task, finishAll } = gatedTask(true);
    const periodic = new Periodic(task.run, 60_000, () => undefined);
    const first = periodic.runNow();
    const second = periodic.runNow();
    expect(second).toBe(first);
    await flush();
    expect(task.started).toBe(1);
    await finishAll();
    await expect(first).resolves.toBeUndefined();

    const third = periodic.runNow();
    expect(third).not.toBe(first);
    await flush();
    expect(task.started).toBe(2);
    await finishAll();
    await third;
  });

  it('keeps one timer however often it is started, and runs nothing once stopped', async () => {
    jest.useFakeTimers();
    const { task } = gatedTask();
    const periodic = new Periodic(task.run, 1000, () => undefined);
    periodic.start();
    periodic.start(); // a second start keeps one timer
    expect(jest.getTimerCount()).toBe(1);
    periodic.stop();
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(5000);
    await flush();
    expect(task.started).toBe(0);
  });
});
