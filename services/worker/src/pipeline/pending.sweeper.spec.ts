import type { DataSource } from 'typeorm';
import type { ContactDrainer } from './contact-drainer';
import { InboxRepository } from './inbox.repository';
import type { ContactKey } from './jobs';
import { PENDING_GRACE_MS, PendingSweeper } from './pending.sweeper';

describe('PendingSweeper: events still pending a minute after they failed to apply', () => {
  const contact = (waId: string): ContactKey => ({ workspaceId: 'ws-a', channelId: 'ch', waId });
  const db = {} as DataSource;

  afterEach(() => jest.restoreAllMocks());

  it('drains each stalled contact; counts those that still had events, goes on past one that fails', async () => {
    const stalled = jest
      .spyOn(InboxRepository, 'stalled')
      .mockResolvedValue([contact('1'), contact('2'), contact('3')]);
    const outcomes: Record<string, boolean | Error> = {
      '1': true,
      '2': new Error('Postgres is down'),
      '3': false, // applied by its own job since the query
    };
    const drained: string[] = [];
    const drainer = {
      drain: jest.fn(async (c: ContactKey) => {
        drained.push(c.waId);
        const outcome = outcomes[c.waId];
        if (outcome instanceof Error) throw outcome;
        return outcome;
      }),
    } as unknown as ContactDrainer;

    const sweeper = new PendingSweeper(db, drainer);
    expect(await sweeper.sweep()).toBe(1);
    expect(drained).toEqual(['1', '2', '3']);
    expect(stalled).toHaveBeenCalledWith(db, PENDING_GRACE_MS, expect.any(Number));
  });

  it('asks only for contacts pending longer than the grace it is given', async () => {
    const stalled = jest.spyOn(InboxRepository, 'stalled').mockResolvedValue([]);
    const drainer = { drain: jest.fn() } as unknown as ContactDrainer;
    expect(await new PendingSweeper(db, drainer).sweep(0)).toBe(0);
    expect(stalled).toHaveBeenCalledWith(db, 0, expect.any(Number));
    expect(drainer.drain).not.toHaveBeenCalled();
  });
});
