import { describe, expect, it } from 'vitest';
import { edgesOf, shownScreens } from '../src/builder/canvas';
import type { FlowDocument, Problem } from '../src/builder/draft';

const draft: FlowDocument = {
  schemaVersion: 1,
  name: 'Order status',
  startScreen: 'welcome',
  screens: [
    {
      id: 'welcome',
      title: 'Welcome',
      messages: [{ type: 'text', text: 'Send your order number.' }],
      input: { variable: 'order_id', type: 'string' },
      actions: [{ type: 'data_exchange', api: 'a1', onSuccess: 'first_screen', onFailure: 'gone' }],
    },
    { id: 'first_screen', title: 'First Screen', messages: [], actions: [{ type: 'end' }] },
  ],
  forms: [
    {
      id: 'order_form',
      name: 'Order form',
      screens: [
        {
          id: 'LOOKUP',
          title: 'Find your order',
          components: [{ type: 'TextInput', name: 'order_id', label: 'Order number' }],
          footer: {
            label: 'Look up',
            action: { type: 'data_exchange', api: 'a1', onSuccess: 'DONE', apiData: {} },
          },
        },
        { id: 'DONE', title: 'Done', components: [], footer: { label: 'OK', action: { type: 'complete' } } },
      ],
    },
  ],
};
const problem = (path: string, severity: Problem['severity'] = 'error'): Problem => ({
  severity,
  screenId: null,
  path,
  code: 'UNKNOWN_SCREEN',
  message: 'x',
});

describe('the canvas model', () => {
  it('draws the chat screens: summaries, the start, each screen its errors (not warnings), edges to screens there', () => {
    const shown = shownScreens(
      draft,
      -1,
      [{ id: 'a1', name: 'Fetch API Data' }],
      [
        problem('screens[0].actions[0].onFailure'),
        problem('screens[1]', 'warning'),
        problem('forms[0].screens[0].footer.action.onFailure'),
      ],
    );
    expect(shown.map((s) => [s.id, s.key, s.start, s.problems])).toEqual([
      ['welcome', 'welcome', true, 1],
      ['first_screen', 'first_screen', false, 0],
    ]);
    expect(shown[0].lines.map((l) => l.text)).toEqual([
      'Send your order number.',
      'waits for order_id',
      'API: Fetch API Data',
    ]);
    // The failure exit names a screen that does not exist: no edge (Verify names it).
    expect(edgesOf(shown).map((e) => [e.source, e.target, e.label])).toEqual([
      ['welcome', 'first_screen', 'success'],
    ]);
  });

  it("draws one form's screens, keyed apart in the layout, with their footers' exits and the form's errors", () => {
    const shown = shownScreens(
      draft,
      0,
      [{ id: 'a1', name: 'Fetch API Data' }],
      [problem('forms[0].screens[0].footer.action.onFailure'), problem('screens[0].actions[0]')],
    );
    expect(shown.map((s) => [s.id, s.key, s.start, s.problems])).toEqual([
      ['LOOKUP', 'form:order_form:LOOKUP', true, 1],
      ['DONE', 'form:order_form:DONE', false, 0],
    ]);
    expect(shown[0].lines.map((l) => l.text)).toEqual(['Order number', '[Look up] API: Fetch API Data']);
    expect(edgesOf(shown).map((e) => [e.source, e.target, e.label])).toEqual([['LOOKUP', 'DONE', 'success']]);
  });
});
