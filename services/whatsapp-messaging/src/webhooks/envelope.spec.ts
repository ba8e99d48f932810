import { MalformedWebhook, parseWebhook } from './envelope';

// One real-shaped message per inbound type the Cloud API documents, as its webhook carries it.
const FROM = '16315551181';
const base = {
  from: FROM,
  id: 'wamid.HBgLMTYzMTU1NTExODEVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
  timestamp: '1669233778',
};

function body(message: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
              contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: FROM }],
              messages: [{ ...base, ...message }],
              ...extra,
            },
          },
        ],
      },
    ],
  };
}

const media = {
  mime_type: 'image/jpeg',
  sha256: 'HgEd6x8mAEkPhA4ue04wcxXnVUtB8Yu0mEOjHu6Ayg0=',
  id: '1003383421387256',
};

describe('parseWebhook: every inbound type into a typed message and the trigger message a flow sees', () => {
  it.each([
    [
      'text',
      { type: 'text', text: { body: 'Where is my order?' } },
      { type: 'text', body: 'Where is my order?' },
      { kind: 'text', text: 'Where is my order?' },
    ],
    [
      'interactive button_reply',
      {
        type: 'interactive',
        interactive: { type: 'button_reply', button_reply: { id: 'agent', title: 'Talk to us' } },
      },
      { type: 'button_reply', id: 'agent', title: 'Talk to us' },
      { kind: 'choice', id: 'agent', title: 'Talk to us' },
    ],
    [
      'interactive list_reply',
      {
        type: 'interactive',
        interactive: {
          type: 'list_reply',
          list_reply: {
            id: 'priority_express',
            title: 'Express Shipping',
            description: 'Next Day to 2 Days',
          },
        },
      },
      {
        type: 'list_reply',
        id: 'priority_express',
        title: 'Express Shipping',
        description: 'Next Day to 2 Days',
      },
      { kind: 'choice', id: 'priority_express', title: 'Express Shipping' },
    ],
    [
      'interactive nfm_reply (a WhatsApp Flow)',
      {
        type: 'interactive',
        interactive: {
          type: 'nfm_reply',
          nfm_reply: {
            name: 'flow',
            body: 'Sent',
            response_json: '{"flow_token":"run-1:3","order_id":"A-17"}',
          },
        },
      },
      {
        type: 'nfm_reply',
        name: 'flow',
        body: 'Sent',
        response: { flow_token: 'run-1:3', order_id: 'A-17' },
      },
      // The answers only: the flow token identified the send and is no variable for the flow.
      { kind: 'flow', data: { order_id: 'A-17' } },
    ],
    [
      'template quick-reply button',
      {
        type: 'button',
        context: { from: '15550783881', id: 'wamid.earlier' },
        button: { payload: 'STOP_PROMOS', text: 'Stop promotions' },
      },
      { type: 'button', payload: 'STOP_PROMOS', text: 'Stop promotions' },
      { kind: 'choice', id: 'STOP_PROMOS', title: 'Stop promotions' },
    ],
    [
      'image',
      { type: 'image', image: { ...media, caption: 'my receipt' } },
      { type: 'image', id: media.id, mimeType: 'image/jpeg', sha256: media.sha256, caption: 'my receipt' },
      { kind: 'other', type: 'image' },
    ],
    [
      'audio (voice note)',
      { type: 'audio', audio: { ...media, mime_type: 'audio/ogg; codecs=opus', voice: true } },
      { type: 'audio', id: media.id, mimeType: 'audio/ogg; codecs=opus', sha256: media.sha256, voice: true },
      { kind: 'other', type: 'audio' },
    ],
    [
      'video',
      { type: 'video', video: { ...media, mime_type: 'video/mp4' } },
      { type: 'video', id: media.id, mimeType: 'video/mp4', sha256: media.sha256 },
      { kind: 'other', type: 'video' },
    ],
    [
      'document',
      {
        type: 'document',
        document: { ...media, mime_type: 'application/pdf', filename: 'invoice.pdf', caption: 'invoice' },
      },
      {
        type: 'document',
        id: media.id,
        mimeType: 'application/pdf',
        sha256: media.sha256,
        filename: 'invoice.pdf',
        caption: 'invoice',
      },
      { kind: 'other', type: 'document' },
    ],
    [
      'sticker',
      { type: 'sticker', sticker: { ...media, mime_type: 'image/webp', animated: false } },
      { type: 'sticker', id: media.id, mimeType: 'image/webp', sha256: media.sha256, animated: false },
      { kind: 'other', type: 'sticker' },
    ],
    [
      'location',
      {
        type: 'location',
        location: {
          latitude: 38.9,
          longitude: -77.03,
          name: 'Philz Coffee',
          address: '101 Forest Ave, Palo Alto',
        },
      },
      {
        type: 'location',
        latitude: 38.9,
        longitude: -77.03,
        name: 'Philz Coffee',
        address: '101 Forest Ave, Palo Alto',
      },
      { kind: 'other', type: 'location' },
    ],
    [
      'contacts',
      {
        type: 'contacts',
        contacts: [
          {
            name: { formatted_name: 'Ana Lima', first_name: 'Ana' },
            phones: [{ phone: '+44 7700 900123', wa_id: '447700900123', type: 'CELL' }],
            emails: [{ email: 'ana@example.com', type: 'WORK' }],
          },
        ],
      },
      {
        type: 'contacts',
        contacts: [
          {
            name: 'Ana Lima',
            phones: [{ phone: '+44 7700 900123', waId: '447700900123', type: 'CELL' }],
            emails: ['ana@example.com'],
          },
        ],
      },
      { kind: 'other', type: 'contacts' },
    ],
    [
      'reaction',
      { type: 'reaction', reaction: { message_id: 'wamid.sent', emoji: '👍' } },
      { type: 'reaction', messageId: 'wamid.sent', emoji: '👍' },
      { kind: 'other', type: 'reaction' },
    ],
    [
      'reaction removed',
      { type: 'reaction', reaction: { message_id: 'wamid.sent', emoji: '' } },
      { type: 'reaction', messageId: 'wamid.sent' },
      { kind: 'other', type: 'reaction' },
    ],
    [
      'order',
      {
        type: 'order',
        order: {
          catalog_id: '5678',
          text: 'please deliver today',
          product_items: [
            { product_retailer_id: 'SKU-1', quantity: '2', item_price: '9.99', currency: 'USD' },
          ],
        },
      },
      {
        type: 'order',
        catalogId: '5678',
        text: 'please deliver today',
        items: [{ productRetailerId: 'SKU-1', quantity: 2, itemPrice: 9.99, currency: 'USD' }],
      },
      { kind: 'other', type: 'order' },
    ],
    [
      'system (number changed)',
      {
        type: 'system',
        system: { body: 'NAME changed from 1 to 2', new_wa_id: '16315551182', type: 'user_changed_number' },
      },
      {
        type: 'system',
        body: 'NAME changed from 1 to 2',
        systemType: 'user_changed_number',
        newWaId: '16315551182',
      },
      { kind: 'other', type: 'system' },
    ],
    [
      'unsupported',
      {
        type: 'unsupported',
        errors: [
          {
            code: 131051,
            title: 'Message type unknown',
            message: 'Message type unknown',
            error_data: { details: 'Message type is currently not supported.' },
          },
        ],
      },
      {
        type: 'unsupported',
        errors: [
          {
            code: 131051,
            title: 'Message type unknown',
            message: 'Message type unknown',
            details: 'Message type is currently not supported.',
          },
        ],
      },
      { kind: 'other', type: 'unsupported' },
    ],
    [
      'a type this version does not know',
      { type: 'hologram', hologram: { id: 'x' } },
      { type: 'unknown', originalType: 'hologram' },
      { kind: 'other', type: 'hologram' },
    ],
  ])('%s', (_name, message, inbound, trigger) => {
    const [change] = parseWebhook(body(message));
    expect(change.phoneNumberId).toBe('106540352242922');
    expect(change.wabaId).toBe('102290129340398');
    const [parsed] = change.messages;
    expect(parsed.inbound).toEqual(inbound);
    expect(parsed.message).toEqual(trigger);
    expect(parsed).toMatchObject({ from: FROM, waMessageId: base.id, profileName: 'Sheena Nelson' });
    expect(parsed.timestamp.toISOString()).toBe('2022-11-23T20:02:58.000Z');
    expect(change.unknown).toEqual(inbound.type === 'unknown' ? ['hologram'] : []);
  });

  it('keeps the message a reply refers to, the errors array, and statuses with their errors', () => {
    const [change] = parseWebhook(
      body(
        { type: 'text', text: { body: 'yes' }, context: { from: '15550783881', id: 'wamid.question' } },
        {
          errors: [
            {
              code: 131000,
              title: 'Something went wrong',
              message: 'Something went wrong',
              error_data: { details: 'try later' },
            },
          ],
          statuses: [
            { id: 'wamid.out1', status: 'delivered', timestamp: '1669233800', recipient_id: FROM },
            {
              id: 'wamid.out2',
              status: 'failed',
              timestamp: '1669233801',
              recipient_id: FROM,
              errors: [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message' }],
            },
            { id: 'wamid.out3', status: 'deleted', timestamp: '1669233802', recipient_id: FROM },
          ],
        },
      ),
    );
    expect(change.messages[0].replyTo).toBe('wamid.question');
    expect(change.errors).toEqual([
      { code: 131000, title: 'Something went wrong', message: 'Something went wrong', details: 'try later' },
    ]);
    expect(change.statuses.map((s) => [s.waMessageId, s.status, s.errors.map((e) => e.code)])).toEqual([
      ['wamid.out1', 'delivered', []],
      ['wamid.out2', 'failed', [131047]],
    ]);
    expect(change.unknown).toEqual(['status:deleted']);
  });

  it.each([
    ['not an object', 'hello', 'body'],
    ['another object type', { object: 'page', entry: [] }, 'object'],
    ['no entries', { object: 'whatsapp_business_account', entry: [] }, 'entry'],
    ['a message without its content', body({ type: 'text' }), 'text'],
    [
      'a sender that is not a number',
      body({ from: 'abc', type: 'text', text: { body: 'x' } }),
      'entry[0].changes[0].value.messages[0].from',
    ],
    [
      'a Flow answer that is not JSON',
      body({
        type: 'interactive',
        interactive: { type: 'nfm_reply', nfm_reply: { response_json: '{nope' } },
      }),
      'interactive.nfm_reply.response_json',
    ],
  ])('refuses %s, naming the field', (_name, payload, field) => {
    let caught: unknown;
    try {
      parseWebhook(payload);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MalformedWebhook);
    expect((caught as MalformedWebhook).field).toBe(field);
  });

  it('skips changes of other subscriptions', () => {
    const payload = body({ type: 'text', text: { body: 'x' } });
    payload.entry[0].changes[0].field = 'account_update';
    expect(parseWebhook(payload)).toEqual([]);
  });
});
