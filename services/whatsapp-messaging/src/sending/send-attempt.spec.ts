import type { SendingChannel, SendingChannels } from '../channels/sending-channels';
import type { WhatsappMessagingConfig } from '../whatsapp-messaging.config';
import type { GraphClient, SendOutcome } from './graph-client';
import type { SendRateLimiter } from './rate-limiter';
import { SendAttempt } from './send-attempt';
import type { SendQueue } from './send-queue';
import type { HeadRow } from './send-rows';

// The unit test of SendAttempt: the send queue's statements, the Graph client, the rate limiter and the channel
// cache are stand-ins. The whole lane runs against Postgres and the sandbox in test/sending.test.ts.

const recipient = { workspaceId: 'ws-a', channelId: 'ch-1', waId: '447700900001' };
const channel = { entity: { id: 'ch-1', messagesPerSecond: 80, tokenValid: true }, accessToken: 't' };
const config = {
  SEND_RETRY_ATTEMPTS: 3,
  SEND_RETRY_BASE_MS: 1000,
  SEND_RETRY_MAX_MS: 60_000,
  SEND_IN_DOUBT_GRACE_MS: 60_000,
} as WhatsappMessagingConfig;
const error = { code: 131000, title: 'Something went wrong', message: 'Try again' };

function head(overrides: Partial<HeadRow> = {}): HeadRow {
  return {
    id: '7',
    navigation_id: 'run-1:1',
    part: 0,
    content: {
      messaging_product: 'whatsapp',
      to: recipient.waId,
      type: 'text',
      text: { body: 'Hi' },
    } as never,
    send_state: 'sending',
    attempts: 0,
    next_attempt_at: null,
    sending_since: new Date(),
    trace_parent: null,
    claimed: true,
    ...overrides,
  };
}

function attempt(answer: SendOutcome | Error, options: { more?: boolean; claimable?: boolean } = {}) {
  const queue = {
    markSent: jest.fn(async () => options.more ?? false),
    claimAgain: jest.fn(async () => options.claimable ?? true),
    release: jest.fn(async () => undefined),
    retryAt: jest.fn(async () => undefined),
    markFailed: jest.fn(async () => undefined),
  };
  const channels = { recordTokenWorks: jest.fn(), recordSendError: jest.fn(async () => undefined) };
  const graph = {
    send: jest.fn(async () => {
      if (answer instanceof Error) throw answer;
      return answer;
    }),
  };
  const limiter = { acquire: jest.fn(async () => undefined) };
  const sendAttempt = new SendAttempt(
    queue as unknown as SendQueue,
    config,
    channels as unknown as SendingChannels,
    graph as unknown as GraphClient,
    limiter as unknown as SendRateLimiter,
  );
  const send = (row: HeadRow) => sendAttempt.send(channel as unknown as SendingChannel, row, recipient);
  return { send, queue, channels, graph, limiter };
}

describe('SendAttempt: one POST of one queued row, and what its answer makes of the row', () => {
  it('sent: the row is marked with its message id; done when nothing is queued behind it, else go on', async () => {
    const alone = attempt({ kind: 'sent', waMessageId: 'wamid.1' });
    expect(await alone.send(head())).toBe('done');
    expect(alone.queue.markSent).toHaveBeenCalledWith(recipient, '7', 'wamid.1');
    expect(alone.limiter.acquire).toHaveBeenCalledWith('ch-1', 80);

    const followed = attempt({ kind: 'sent', waMessageId: 'wamid.2' }, { more: true });
    expect(await followed.send(head())).toBeUndefined();
  });

  it('no answer once connected: in doubt, left `sending` until its status comes or the grace passes', async () => {
    const { send, queue } = attempt({ kind: 'in_doubt', error });
    const before = Date.now();
    const due = await send(head());
    expect(due).toBeInstanceOf(Date);
    expect((due as Date).getTime()).toBeGreaterThanOrEqual(before + config.SEND_IN_DOUBT_GRACE_MS);
    expect(queue.markSent).not.toHaveBeenCalled();
    expect(queue.retryAt).not.toHaveBeenCalled();
    expect(queue.markFailed).not.toHaveBeenCalled();
  });

  it('a retryable error: due again after a jittered backoff that doubles per attempt', async () => {
    const { send, queue } = attempt({ kind: 'retry', error });
    const before = Date.now();
    const due = (await send(head({ attempts: 1, claimed: false }))) as Date;
    // The second attempt failed: its ceiling is twice the base, and the jitter keeps the upper half.
    expect(due.getTime() - before).toBeGreaterThanOrEqual(1000);
    expect(due.getTime() - before).toBeLessThanOrEqual(2000 + 50);
    expect(queue.claimAgain).toHaveBeenCalled();
    expect(queue.retryAt).toHaveBeenCalledWith('7', due, error);
    expect(queue.markFailed).not.toHaveBeenCalled();
  });

  it('the last attempt, or an error that is not retryable: failed for good, recorded on the channel', async () => {
    const spent = attempt({ kind: 'retry', error });
    expect(
      await spent.send(head({ attempts: config.SEND_RETRY_ATTEMPTS - 1, claimed: false })),
    ).toBeUndefined();
    expect(spent.queue.markFailed).toHaveBeenCalledWith('7', error);
    expect(spent.channels.recordSendError).toHaveBeenCalledWith(channel, error, false);

    const invalid = attempt({ kind: 'failed', error: { ...error, code: 190 }, tokenInvalid: true });
    await invalid.send(head());
    expect(invalid.queue.retryAt).not.toHaveBeenCalled();
    expect(invalid.channels.recordSendError).toHaveBeenCalledWith(channel, { ...error, code: 190 }, true);
  });

  it('a row another drainer claimed since it was read is not sent; nor is one the rate limiter cannot pass', async () => {
    const taken = attempt({ kind: 'sent', waMessageId: 'wamid.1' }, { claimable: false });
    expect(await taken.send(head({ attempts: 1, claimed: false }))).toBe('taken');
    expect(taken.graph.send).not.toHaveBeenCalled();

    const limited = attempt({ kind: 'sent', waMessageId: 'wamid.1' });
    limited.limiter.acquire.mockRejectedValueOnce(new Error('Redis refused'));
    await expect(limited.send(head())).rejects.toThrow('Redis refused');
    // Not in doubt (nothing was posted): back to the queue as it was.
    expect(limited.queue.release).toHaveBeenCalledWith('7');
    expect(limited.graph.send).not.toHaveBeenCalled();
  });
});
