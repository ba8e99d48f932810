import type { ChannelEntity } from '../channels/channel.entity';
import type { ParsedChange, ParsedInbound } from './envelope';
import type { VerifiedWebhook } from './webhook-verifier';
import { triggerEventOf, webhookRows } from './webhook-rows';

const channel = { id: 'ch-1', workspaceId: 'ws-a' } as ChannelEntity;
const at = new Date('2026-12-07T10:00:00Z');

function text(id: string, body: string, extra: Partial<ParsedInbound> = {}): ParsedInbound {
  return {
    waMessageId: id,
    from: '447700900001',
    timestamp: at,
    inbound: { type: 'text', text: body },
    message: { kind: 'text', text: body },
    ...extra,
  } as ParsedInbound;
}

function change(overrides: Partial<ParsedChange>): ParsedChange {
  return {
    wabaId: 'waba-1',
    phoneNumberId: 'pn-1',
    messages: [],
    statuses: [],
    errors: [],
    unknown: [],
    ...overrides,
  };
}

const webhook = (...changes: ParsedChange[]): VerifiedWebhook => ({
  changes,
  byNumber: new Map([['pn-1', channel]]),
});

describe('webhookRows: a batch of verified webhooks as the rows it writes', () => {
  it("messages carry their channel's workspace and the webhook that brought them; statuses are ranked per webhook", () => {
    const rows = webhookRows([
      webhook(change({ messages: [text('wamid.1', 'hi', { profileName: 'Ada', replyTo: 'wamid.0' })] })),
      webhook(
        change({
          statuses: [
            { waMessageId: 'wamid.9', status: 'read', timestamp: at, recipientId: 'x', errors: [] },
            {
              waMessageId: 'wamid.8',
              status: 'delivered',
              timestamp: at,
              recipientId: 'x',
              errors: [],
              callbackData: 'fb:run-1:1:0',
            },
          ],
        }),
      ),
    ]);
    expect(rows.inbound).toEqual([
      {
        write: 0,
        parsed: expect.objectContaining({ waMessageId: 'wamid.1' }),
        row: {
          workspace_id: 'ws-a',
          channel_id: 'ch-1',
          wa_id: '447700900001',
          wa_message_id: 'wamid.1',
          type: 'text',
          content: { type: 'text', text: 'hi', profileName: 'Ada' },
          occurred_at: at.toISOString(),
          reply_to: 'wamid.0',
        },
      },
    ]);
    expect(rows.statusCounts).toEqual([0, 2]);
    expect(rows.statuses.map((s) => [s.wa_message_id, s.rank, s.callback_data])).toEqual([
      ['wamid.9', 3, null],
      ['wamid.8', 2, 'fb:run-1:1:0'],
    ]);
  });

  it('a number with no channel writes nothing; unknown types and the last error of a number are reported', () => {
    const error = { code: 131056, title: 'Pair rate limit hit', message: 'Too many messages' };
    const rows = webhookRows([
      webhook(
        change({ phoneNumberId: 'pn-unknown', messages: [text('wamid.2', 'lost')] }),
        change({ unknown: ['reaction'], errors: [{ ...error, code: 1 }, error] }),
      ),
    ]);
    expect(rows.inbound).toEqual([]);
    expect(rows.strayNumbers).toEqual(['pn-unknown']);
    expect(rows.unknownTypes).toEqual([{ channelId: 'ch-1', type: 'reaction' }]);
    expect(rows.channelErrors).toEqual([{ channelId: 'ch-1', error }]);
  });

  it("the trigger event names the message's id as its event id, and carries the profile name and trace", () => {
    const [{ row, parsed }] = webhookRows([
      webhook(change({ messages: [text('wamid.3', 'order', { profileName: 'Ada' })] })),
    ]).inbound;
    const event = triggerEventOf(row, parsed.inbound, parsed.message, '00-trace-01');
    expect(event).toMatchObject({
      eventId: expect.stringContaining('wamid.3'),
      workspaceId: 'ws-a',
      channelId: 'ch-1',
      contact: { waId: '447700900001', name: 'Ada' },
      trace: '00-trace-01',
      source: { type: 'message', messageId: 'wamid.3', message: { kind: 'text', text: 'order' } },
    });
  });
});
