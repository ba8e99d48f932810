import { GroupCommit, groupCommitWaiting } from './group-commit';

/** A writer whose writes finish when the test says so, recording each batch it was given. */
function gatedWriter(fail: (item: number) => boolean = () => false) {
  const batches: Array<{ lane: string; items: number[] }> = [];
  const gates: Array<() => void> = [];
  const write = async (lane: string, items: number[]): Promise<string[]> => {
    batches.push({ lane, items });
    await new Promise<void>((open) => gates.push(open));
    const bad = items.find(fail);
    if (bad !== undefined) throw new Error(`item ${bad} is bad`);
    return items.map((i) => `${lane}:${i}`);
  };
  const openAll = async () => {
    while (gates.length > 0) {
      gates.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { batches, write, openAll };
}

describe('GroupCommit', () => {
  it('writes a lone item at once, and what arrives during a write as the next batch, in order', async () => {
    const w = gatedWriter();
    const group = new GroupCommit(w.write, { maxBatch: 10 });
    const first = group.submit('a', 1);
    const rest = [2, 3, 4].map((i) => group.submit('a', i));
    expect(w.batches).toEqual([{ lane: 'a', items: [1] }]);
    expect(group.waiting).toBe(3);
    await w.openAll();
    await expect(first).resolves.toBe('a:1');
    await expect(Promise.all(rest)).resolves.toEqual(['a:2', 'a:3', 'a:4']);
    expect(w.batches).toEqual([
      { lane: 'a', items: [1] },
      { lane: 'a', items: [2, 3, 4] },
    ]);
    expect(group.waiting).toBe(0);
  });

  it('caps a batch at maxBatch and keeps lanes apart', async () => {
    const w = gatedWriter();
    const group = new GroupCommit(w.write, { maxBatch: 2 });
    const all = [group.submit('a', 1), group.submit('b', 9), group.submit('a', 2), group.submit('a', 3)];
    group.submit('a', 4).catch(() => undefined);
    const more = group.submit('a', 5);
    await w.openAll();
    await Promise.all([...all, more]);
    expect(w.batches).toEqual([
      { lane: 'a', items: [1] },
      { lane: 'b', items: [9] },
      { lane: 'a', items: [2, 3] },
      { lane: 'a', items: [4, 5] },
    ]);
  });

  it('splits a failed batch: only the bad item fails, the others are written alone and succeed', async () => {
    const w = gatedWriter((i) => i === 3);
    const group = new GroupCommit(w.write, { maxBatch: 10 });
    const first = group.submit('a', 1);
    const batch = [2, 3, 4].map((i) => group.submit('a', i).then(String, (e: Error) => e.message));
    await w.openAll();
    await first;
    await expect(Promise.all(batch)).resolves.toEqual(['a:2', 'item 3 is bad', 'a:4']);
    expect(w.batches.map((b) => b.items)).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });

  it('rejects a lone failing item without writing it twice', async () => {
    const w = gatedWriter(() => true);
    const group = new GroupCommit(w.write, { maxBatch: 10 });
    const only = group.submit('a', 7).then(String, (e: Error) => e.message);
    await w.openAll();
    await expect(only).resolves.toBe('item 7 is bad');
    expect(w.batches).toHaveLength(1);
  });

  it('fails a batch whose error every item would meet, and what waits behind it, at once: no write per item', async () => {
    const w = gatedWriter((item) => item === 1); // the first write meets the outage
    const group = new GroupCommit(w.write, {
      maxBatch: 10,
      sharedFailure: (e) => (e as Error).message === 'item 1 is bad',
    });
    const all = [1, 2, 3].map((i) => group.submit('a', i).then(String, (e: Error) => e.message));
    expect(group.waiting).toBe(2);
    await w.openAll();
    await expect(Promise.all(all)).resolves.toEqual(['item 1 is bad', 'item 1 is bad', 'item 1 is bad']);
    // One write: neither the failed batch nor the items behind it were written one by one.
    expect(w.batches).toEqual([{ lane: 'a', items: [1] }]);
    expect(group.waiting).toBe(0);
    // The lane writes again as soon as something new comes.
    const next = group.submit('a', 4);
    await w.openAll();
    await expect(next).resolves.toBe('a:4');
  });

  it('writes up to `concurrency` batches of a lane at once, each taking what waited when it started', async () => {
    const w = gatedWriter();
    const group = new GroupCommit(w.write, { maxBatch: 10, concurrency: 2 });
    const all = [1, 2, 3, 4, 5].map((i) => group.submit('a', i));
    expect(w.batches.map((b) => b.items)).toEqual([[1], [2]]);
    expect(group.waiting).toBe(3);
    await w.openAll();
    await expect(Promise.all(all)).resolves.toEqual(['a:1', 'a:2', 'a:3', 'a:4', 'a:5']);
    expect(w.batches.map((b) => b.items)).toEqual([[1], [2], [3, 4, 5]]);
  });

  it('a named writer reports what waits for its next batch in flowbridge_group_commit_waiting', async () => {
    const w = gatedWriter();
    const group = new GroupCommit(w.write, { maxBatch: 10, writer: 'spec-writer' });
    const waitingNow = async () =>
      (await groupCommitWaiting.get()).values.find((v) => v.labels.writer === 'spec-writer')?.value ?? 0;
    const all = [1, 2, 3].map((i) => group.submit('a', i));
    expect(await waitingNow()).toBe(2); // one being written, two waiting
    await w.openAll();
    await Promise.all(all);
    expect(await waitingNow()).toBe(0);
  });
});
