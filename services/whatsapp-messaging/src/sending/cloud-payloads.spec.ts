import type { OutboundMessage } from '@flowbridge/contracts';
import { checkMessage } from '../../../../tools/sandbox/src/cloud-api-rules';
import { splitText, toCloudMessages } from './cloud-payloads';

describe('splitText', () => {
  it('keeps text within the limit as one piece', () => {
    expect(splitText('hello there', 4096)).toEqual(['hello there']);
  });

  it('splits at the last space or line break before the limit, dropping only that whitespace', () => {
    expect(splitText('aaaa bbbb cccc', 10)).toEqual(['aaaa bbbb', 'cccc']);
    expect(splitText('aaaa\nbbbb cccc dddd', 12)).toEqual(['aaaa\nbbbb', 'cccc dddd']);
  });

  it('cuts a word longer than the limit, never inside a surrogate pair', () => {
    expect(splitText('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
    const pieces = splitText(`${'a'.repeat(9)}😀${'b'.repeat(5)}`, 10);
    expect(pieces).toEqual(['a'.repeat(9), `😀${'b'.repeat(5)}`]);
  });

  it('loses no word of a long text and keeps every piece within 4,096', () => {
    const words = Array.from({ length: 3000 }, (_, i) => `w${i}`);
    const pieces = splitText(words.join(' '), 4096);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.every((p) => p.length <= 4096)).toBe(true);
    expect(pieces.join(' ').split(' ')).toEqual(words);
  });
});

describe('toCloudMessages', () => {
  const to = '447700900123';
  const accepted = (messages: ReturnType<typeof toCloudMessages>) => messages.map((m) => checkMessage(m));

  it('makes a text message, with preview_url only when asked', () => {
    expect(toCloudMessages(to, { type: 'text', text: 'Hi https://x.test', previewUrl: true })).toEqual([
      {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to,
        type: 'text',
        text: { body: 'Hi https://x.test', preview_url: true },
      },
    ]);
    expect(toCloudMessages(to, { type: 'text', text: 'Hi' })[0].text).toEqual({ body: 'Hi' });
  });

  it('sends nothing for a text that rendered empty', () => {
    expect(toCloudMessages(to, { type: 'text', text: '  \n ' })).toEqual([]);
  });

  it('shortens rendered titles, headers and footers past their limits, and sends a long body ahead as text', () => {
    const message: OutboundMessage = {
      type: 'buttons',
      header: 'H'.repeat(80),
      footer: 'F'.repeat(80),
      text: `${'lead '.repeat(300)}question?`,
      buttons: [
        { id: 'a', title: 'A very long button title indeed' },
        { id: 'b', title: 'B' },
      ],
    };
    const out = toCloudMessages(to, message);
    expect(out.map((m) => m.type)).toEqual(['text', 'interactive']);
    const interactive = out[1].interactive as {
      header: { text: string };
      footer: { text: string };
      body: { text: string };
      action: { buttons: Array<{ reply: { title: string } }> };
    };
    expect(interactive.header.text).toHaveLength(60);
    expect(interactive.footer.text.endsWith('…')).toBe(true);
    expect(interactive.action.buttons[0].reply.title).toBe('A very long button …');
    expect(interactive.body.text.length).toBeLessThanOrEqual(1024);
    expect(`${(out[0].text as { body: string }).body} ${interactive.body.text}`).toBe(message.text);
    expect(accepted(out)).toEqual([null, null]);
  });

  it('makes list, media and flow messages the Cloud API takes', () => {
    const messages: OutboundMessage[] = [
      {
        type: 'list',
        text: 'Pick one',
        button: 'Options',
        sections: [{ rows: [{ id: 'r1', title: 'One', description: 'The first' }] }],
      },
      { type: 'media', mediaType: 'image', url: 'https://x.test/a.png', caption: 'A' },
      { type: 'media', mediaType: 'audio', url: 'https://x.test/a.ogg', caption: 'not for audio' },
      { type: 'media', mediaType: 'video', url: 'https://x.test/a.mp4', filename: 'not for video' },
      {
        type: 'flow',
        text: 'Go',
        flowId: '42',
        cta: 'Open',
        flowToken: 'r:1',
        screen: 'S',
        data: { a: '1' },
      },
      { type: 'flow', text: 'Go', flowId: '42', cta: 'Open', flowToken: 'r:2' },
    ];
    const out = messages.flatMap((m) => toCloudMessages(to, m));
    expect(accepted(out)).toEqual(Array(6).fill(null));
    expect(out[2].audio).toEqual({ link: 'https://x.test/a.ogg' });
    expect(out[3].video).toEqual({ link: 'https://x.test/a.mp4' });
  });
});

describe('the sandbox refuses what the Cloud API refuses', () => {
  const base = { messaging_product: 'whatsapp', to: '447700900123' };
  const button = (id: string, title: string) => ({ type: 'reply', reply: { id, title } });
  it.each([
    [
      'no messaging_product',
      { to: '447700900123', type: 'text', text: { body: 'x' } },
      131008,
      'messaging_product',
    ],
    ['no recipient', { messaging_product: 'whatsapp', type: 'text', text: { body: 'x' } }, 131008, 'to'],
    ['text over 4,096', { ...base, type: 'text', text: { body: 'x'.repeat(4097) } }, 131009, 'text.body'],
    ['empty text', { ...base, type: 'text', text: { body: '' } }, 131009, 'text.body'],
    ['unknown type', { ...base, type: 'hologram' }, 100, 'type'],
    [
      'four buttons',
      {
        ...base,
        type: 'interactive',
        interactive: {
          type: 'button',
          body: { text: 'x' },
          action: { buttons: [button('a', 'A'), button('b', 'B'), button('c', 'C'), button('d', 'D')] },
        },
      },
      131009,
      'interactive.action.buttons',
    ],
    [
      'a button title over 20',
      {
        ...base,
        type: 'interactive',
        interactive: {
          type: 'button',
          body: { text: 'x' },
          action: { buttons: [button('a', 'A'.repeat(21))] },
        },
      },
      131009,
      'interactive.action.buttons[0].reply.title',
    ],
    [
      'duplicate button ids',
      {
        ...base,
        type: 'interactive',
        interactive: {
          type: 'button',
          body: { text: 'x' },
          action: { buttons: [button('a', 'A'), button('a', 'B')] },
        },
      },
      131009,
      'interactive.action.buttons[1].reply.id',
    ],
    [
      'eleven list rows',
      {
        ...base,
        type: 'interactive',
        interactive: {
          type: 'list',
          body: { text: 'x' },
          action: {
            button: 'Go',
            sections: [{ rows: Array.from({ length: 11 }, (_, i) => ({ id: `r${i}`, title: `R${i}` })) }],
          },
        },
      },
      131009,
      'interactive.action.sections',
    ],
    [
      'a row title over 24',
      {
        ...base,
        type: 'interactive',
        interactive: {
          type: 'list',
          body: { text: 'x' },
          action: { button: 'Go', sections: [{ rows: [{ id: 'r', title: 'R'.repeat(25) }] }] },
        },
      },
      131009,
      'interactive.action.sections[0].rows[0].title',
    ],
    [
      'two sections without titles',
      {
        ...base,
        type: 'interactive',
        interactive: {
          type: 'list',
          body: { text: 'x' },
          action: {
            button: 'Go',
            sections: [{ rows: [{ id: 'a', title: 'A' }] }, { rows: [{ id: 'b', title: 'B' }] }],
          },
        },
      },
      131008,
      'interactive.action.sections[0].title',
    ],
    ['media with neither link nor id', { ...base, type: 'image', image: { caption: 'x' } }, 131009, 'image'],
    [
      'a caption on audio',
      { ...base, type: 'audio', audio: { link: 'https://x.test/a', caption: 'x' } },
      131009,
      'audio.caption',
    ],
    [
      'a navigate flow without a screen',
      {
        ...base,
        type: 'interactive',
        interactive: {
          type: 'flow',
          body: { text: 'x' },
          action: {
            name: 'flow',
            parameters: {
              flow_message_version: '3',
              flow_token: 't',
              flow_id: '1',
              flow_cta: 'Go',
              flow_action_payload: {},
            },
          },
        },
      },
      131008,
      'interactive.action.parameters.flow_action_payload.screen',
    ],
  ])('%s', (_name, body, code, field) => {
    const refusal = checkMessage(body);
    expect(refusal?.code).toBe(code);
    expect(refusal?.details.startsWith(field)).toBe(true);
  });
});
