import { RpcPattern } from '@flowbridge/contracts';
import type { ClientProxy } from '@nestjs/microservices';
import { NEVER, of } from 'rxjs';
import { ChannelsClient } from './channels.client';

// The unit test of ChannelsClient: the messaging service's RPC is a stand-in answering what each test says. The
// whole path (messaging answering over Redis, the API trigger refusing) runs in test/flows-endpoint.test.ts.

function setUp(answers: Array<unknown>) {
  const send = jest.fn((_pattern: string, _data: unknown) => {
    const answer = answers.shift();
    return answer === 'silent' ? NEVER : of(answer);
  });
  return { client: new ChannelsClient({ send } as unknown as ClientProxy), send };
}

describe('ChannelsClient: does the workspace have this channel, as the messaging service says', () => {
  afterEach(() => jest.useRealTimers());

  it("asks once for the workspace's channels and answers from them; a channel not among them is asked about again, not more than once a second", async () => {
    jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
    const { client, send } = setUp([
      { ok: true, channelIds: ['ch-1'] },
      { ok: true, channelIds: ['ch-1', 'ch-2'] },
    ]);
    expect(await client.has('ws-a', 'ch-1')).toBe(true);
    expect(send).toHaveBeenCalledWith(RpcPattern.MessagingChannels, { workspaceId: 'ws-a' });
    expect(await client.has('ws-a', 'ch-1')).toBe(true);
    expect(await client.has('ws-a', 'ch-2')).toBe(false);
    expect(send).toHaveBeenCalledTimes(1);
    // A channel made since: a second later it is asked about again, and found.
    jest.advanceTimersByTime(1001);
    expect(await client.has('ws-a', 'ch-2')).toBe(true);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('questions at the same moment share one answer', async () => {
    const { client, send } = setUp([{ ok: true, channelIds: ['ch-1'] }]);
    expect(await Promise.all([client.has('ws-a', 'ch-1'), client.has('ws-a', 'ch-9')])).toEqual([
      true,
      false,
    ]);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('no answer in time, or a refusal: it cannot say (the run is accepted), and does not ask again at once', async () => {
    const silent = setUp(['silent']);
    const began = Date.now();
    expect(await silent.client.has('ws-a', 'ch-1')).toBeUndefined();
    expect(Date.now() - began).toBeGreaterThanOrEqual(1400);
    expect(await silent.client.has('ws-a', 'ch-1')).toBeUndefined();
    expect(silent.send).toHaveBeenCalledTimes(1);

    const refusing = setUp([{ ok: false, code: 'INVALID_REQUEST', message: 'workspaceId is required' }]);
    expect(await refusing.client.has('ws-a', 'ch-1')).toBeUndefined();
    const garbled = setUp([{ channels: 'all of them' }]);
    expect(await garbled.client.has('ws-a', 'ch-1')).toBeUndefined();
  });

  it("a flow's channels: each one the workspace does not have, with its place; publishing asks afresh; none when it cannot say", async () => {
    const { client, send } = setUp([
      { ok: true, channelIds: ['ch-1', 'ch-2'] },
      { ok: true, channelIds: ['ch-1'] },
      'silent',
    ]);
    expect(await client.unknown('ws-a', [])).toEqual([]);
    expect(send).not.toHaveBeenCalled();
    expect(await client.unknown('ws-a', ['ch-1', 'ch-9', 'ch-2', 'ch-8'])).toEqual([
      { index: 1, id: 'ch-9' },
      { index: 3, id: 'ch-8' },
    ]);
    // ch-2 deleted since: what is remembered still has it, a fresh question does not.
    expect(await client.unknown('ws-a', ['ch-2'])).toEqual([]);
    expect(await client.unknown('ws-a', ['ch-2'], true)).toEqual([{ index: 0, id: 'ch-2' }]);
    expect(send).toHaveBeenCalledTimes(2);
    // The messaging service silent: it cannot say, so none is refused.
    expect(await client.unknown('ws-a', ['ch-9'], true)).toEqual([]);
    expect(send).toHaveBeenCalledTimes(3);
  });
});
