import { describe, expect, it } from 'vitest';
import {
  addScreen,
  countErrors,
  exitsOf,
  fieldIdOf,
  type FlowDocument,
  idOf,
  keywordsOf,
  positionOf,
  removeScreen,
  screenIndexOf,
  withKeywords,
  withPosition,
} from '../src/builder/draft';

const empty: FlowDocument = { schemaVersion: 1, name: 'Order status', screens: [], triggers: [] };

describe('the Flow Builder draft', () => {
  it('adds screens with ids from their titles, never twice the same, the first one the start', () => {
    const one = addScreen(empty, 'First Screen');
    expect(one.id).toBe('first_screen');
    expect(one.document.startScreen).toBe('first_screen');
    const two = addScreen(one.document, 'First screen!');
    expect(two.id).toBe('first_screen_2');
    expect(two.document.startScreen).toBe('first_screen');
    expect(two.document.screens!.map((s) => s.id)).toEqual(['first_screen', 'first_screen_2']);
    // Placed in a grid below the others, the position saved with the draft.
    expect(two.document.layout!.screens.first_screen_2).toEqual({ x: 280, y: 0 });
    expect(idOf('  ¿¿  ')).toBe('screen');
  });

  it('removes a screen with its position; the start moves to another screen', () => {
    let document = addScreen(empty, 'Welcome').document;
    document = addScreen(document, 'Sample Screen').document;
    const removed = removeScreen(document, 0);
    expect(removed.screens!.map((s) => s.id)).toEqual(['sample_screen']);
    expect(removed.layout!.screens).not.toHaveProperty('welcome');
    expect(removed.startScreen).toBe('sample_screen');
  });

  it('draws each exit of a screen: data_exchange success and failure, If then and else, buttons, go to', () => {
    const exits = exitsOf(
      {
        id: 'welcome',
        messages: [
          {
            type: 'buttons',
            text: 'Pick',
            buttons: [
              { id: 'a', title: 'Again', next: 'welcome' },
              { id: 'b', title: 'No target' },
            ],
          },
        ],
        actions: [
          { type: 'data_exchange', api: 'x', onSuccess: 'first_screen', onFailure: 'sample_screen' },
          {
            type: 'if',
            condition: { variable: 'v', dataType: 'string', operator: 'is', value: 'y' },
            then: 'yes',
            else: 'no',
          },
          { type: 'navigate', to: 'next' },
        ],
      },
      2,
    );
    expect(exits.map((e) => [e.label, e.target, e.path])).toEqual([
      ['Again', 'welcome', 'screens[2].messages[0].buttons[0].next'],
      ['success', 'first_screen', 'screens[2].actions[0].onSuccess'],
      ['failure', 'sample_screen', 'screens[2].actions[0].onFailure'],
      ['then', 'yes', 'screens[2].actions[1].then'],
      ['else', 'no', 'screens[2].actions[1].else'],
      ['next', 'next', 'screens[2].actions[2].to'],
    ]);
  });

  it('keeps a moved screen where it was dropped, rounded; an unplaced one gets its grid place', () => {
    const moved = withPosition(empty, 'welcome', { x: 10.4, y: -3.6 });
    expect(positionOf(moved, 'welcome', 0)).toEqual({ x: 10, y: -4 });
    expect(positionOf(moved, 'other', 5)).toEqual({ x: 280, y: 200 });
  });

  it('finds the screen and the field a problem is about', () => {
    expect(screenIndexOf({ path: 'screens[12].actions[0].onFailure' })).toBe(12);
    expect(screenIndexOf({ path: 'triggers' })).toBe(-1);
    expect(fieldIdOf('screens[1].actions[0].onFailure')).toBe('field-screens-1-actions-0-onFailure');
    expect(countErrors([{ severity: 'error' }, { severity: 'warning' }])).toBe('1 problem');
  });

  it('reads and writes the keyword trigger as typed, keeping the other triggers', () => {
    const document = withKeywords({ ...empty, triggers: [{ type: 'api' }] }, ' order, status ,, ');
    expect(document.triggers).toEqual([
      { type: 'keyword', keywords: ['order', 'status'], match: 'contains' },
      { type: 'api' },
    ]);
    expect(keywordsOf(document)).toBe('order, status');
    expect(withKeywords(document, '').triggers).toEqual([{ type: 'api' }]);
  });
});
