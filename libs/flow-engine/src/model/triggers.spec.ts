import type { Trigger } from './schema';
import { bestTriggerMatch, matchTriggers, triggerCollisions } from './triggers';

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

  it('picks the active flow a message starts: the most specific kind, then the most recently activated', () => {
    const flows = [
      {
        id: 'any-old',
        triggers: [{ type: 'any_message' }] as Trigger[],
        activatedAt: '2026-01-01T00:00:00Z',
      },
      {
        id: 'any-new',
        triggers: [{ type: 'any_message' }] as Trigger[],
        activatedAt: '2026-02-01T00:00:00Z',
      },
      { id: 'order', triggers, activatedAt: new Date('2025-01-01T00:00:00Z') },
    ];
    expect(bestTriggerMatch(flows, { kind: 'text', text: ' ORDER ' })).toMatchObject({
      flow: { id: 'order' },
      kind: 'keyword_exact',
    });
    expect(bestTriggerMatch(flows, { kind: 'text', text: 'hello' })).toMatchObject({
      flow: { id: 'any-new' },
      kind: 'any_message',
    });
    expect(bestTriggerMatch(flows.slice(2), { kind: 'text', text: 'hello' })).toBeNull();
    expect(bestTriggerMatch([], { kind: 'text', text: 'order' })).toBeNull();
  });
});
