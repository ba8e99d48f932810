import type { Screen } from '../model/schema';
import { readReply, readTyped } from './inputs';

describe('reading replies for typed input', () => {
  it.each([
    ['number', ' 42 ', 42],
    ['number', 'forty', undefined],
    ['email', ' ana@example.com ', 'ana@example.com'],
    ['email', 'ana@example', undefined],
    ['email', 'a b@example.com', undefined],
    ['phone', '+44 (20) 7946-0958', '+442079460958'],
    ['phone', '12345', undefined],
    ['date', '2026-11-24', '2026-11-24'],
    ['date', '5/1/2027', '2027-01-05'],
    ['date', '24.11.2026', '2026-11-24'],
    ['date', '31/02/2026', undefined],
    ['date', 'next friday', undefined],
    ['string', '   ', undefined],
    ['string', ' hello ', 'hello'],
  ] as const)('%s: %j → %j', (type, text, expected) => {
    expect(readTyped(type, text)).toEqual(expected);
  });

  const screen: Screen = {
    id: 's',
    messages: [
      {
        type: 'buttons',
        text: 'Pick',
        buttons: [
          { id: 'yes', title: 'Yes please', next: 'a' },
          { id: 'no', title: 'No' },
        ],
      },
    ],
    input: { variable: 'answer', type: 'choice' },
    actions: [],
  };

  it('a choice is a tap, a typed title (any case) or its number; the id is kept', () => {
    expect(readReply(screen, { kind: 'choice', id: 'no' })).toMatchObject({ fits: true, value: 'no' });
    expect(readReply(screen, { kind: 'text', text: ' yes PLEASE ' })).toMatchObject({
      fits: true,
      value: 'yes',
      option: { next: 'a' },
    });
    expect(readReply(screen, { kind: 'text', text: '2' })).toMatchObject({ fits: true, value: 'no' });
    expect(readReply(screen, { kind: 'text', text: '3' })).toEqual({ fits: false });
    expect(readReply(screen, { kind: 'choice', id: 'other' })).toEqual({ fits: false });
  });

  it('a WhatsApp Flow reply fits only a screen that sent a Flow', () => {
    const flowScreen: Screen = {
      id: 'f',
      messages: [{ type: 'flow', text: 'Book', flowId: '123', cta: 'Open' }],
      input: { variable: 'booking', type: 'string' },
      actions: [],
    };
    expect(readReply(flowScreen, { kind: 'flow', data: { date: '2026-12-01' } })).toEqual({
      fits: true,
      value: { date: '2026-12-01' },
    });
    expect(readReply(screen, { kind: 'flow', data: {} })).toEqual({ fits: false });
  });
});
