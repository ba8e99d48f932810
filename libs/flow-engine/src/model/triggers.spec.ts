import type { Trigger } from './schema';
import { matchTriggers, triggerCollisions } from './triggers';

const triggers: Trigger[] = [
  { type: 'keyword', keywords: ['Order'], match: 'exact' },
  { type: 'keyword', keywords: ['status'], match: 'contains' },
  { type: 'keyword', keywords: ['^track\\s+\\d+$'], match: 'regex' },
  { type: 'button', payloads: ['START_ORDER'] },
];

describe('trigger matching', () => {
  it.each([
    [{ kind: 'text', text: '  ORDER ' }, 'keyword_exact'],
    [{ kind: 'text', text: 'order please' }, null],
    [{ kind: 'text', text: 'what is my Status?' }, 'keyword_contains'],
    [{ kind: 'text', text: 'Track 123' }, 'keyword_regex'],
    [{ kind: 'choice', id: 'START_ORDER', title: 'Start' }, 'button'],
    [{ kind: 'choice', id: 'OTHER', title: 'order' }, 'keyword_exact'],
    [{ kind: 'other', type: 'image' }, null],
  ] as const)('%j → %s', (message, expected) => {
    expect(matchTriggers(triggers, message)).toBe(expected);
  });

  it('"any message" matches anything, below every keyword', () => {
    const withAny: Trigger[] = [...triggers, { type: 'any_message' }];
    expect(matchTriggers(withAny, { kind: 'other', type: 'sticker' })).toBe('any_message');
    expect(matchTriggers(withAny, { kind: 'text', text: 'order' })).toBe('keyword_exact');
  });

  it('finds collisions between two flows', () => {
    expect(
      triggerCollisions(triggers, [
        { type: 'keyword', keywords: [' order'], match: 'contains' },
        { type: 'button', payloads: ['START_ORDER'] },
      ]),
    ).toEqual(['keyword "order"', 'button payload "START_ORDER"']);
    expect(triggerCollisions([{ type: 'any_message' }], [{ type: 'any_message' }])).toEqual([
      '"any message"',
    ]);
    expect(triggerCollisions(triggers, [{ type: 'keyword', keywords: ['hello'], match: 'exact' }])).toEqual(
      [],
    );
  });
});
