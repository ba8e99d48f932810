import { describe, expect, it } from 'vitest';
import { bubbleOf } from '../src/builder/chat';

describe('the chat panel', () => {
  it("shows the business's buttons as choices to tap, and the contact's tap as its title", () => {
    const sent = bubbleOf({
      direction: 'out',
      message: {
        type: 'interactive',
        interactive: {
          type: 'button',
          body: { text: 'Order A-1 is shipped.' },
          action: { buttons: [{ type: 'reply', reply: { id: 'again', title: 'Another order' } }] },
        },
      },
    });
    expect(sent).toEqual({
      from: 'business',
      lines: ['Order A-1 is shipped.'],
      choices: [{ kind: 'tap', id: 'again', title: 'Another order' }],
    });
    const tapped = bubbleOf({
      direction: 'in',
      message: {
        type: 'interactive',
        interactive: { type: 'button_reply', button_reply: { id: 'again', title: 'Another order' } },
      },
    });
    expect(tapped).toEqual({ from: 'contact', lines: ['Another order'], choices: [] });
  });

  it('shows list rows to pick, a form with its button, and text as it is', () => {
    const list = bubbleOf({
      direction: 'out',
      message: {
        type: 'interactive',
        interactive: {
          type: 'list',
          body: { text: 'Choose' },
          action: { button: 'Menu', sections: [{ rows: [{ id: 'r1', title: 'Row one' }] }] },
        },
      },
    });
    expect(list.choices).toEqual([{ kind: 'pick', id: 'r1', title: 'Row one' }]);
    const form = bubbleOf({
      direction: 'out',
      message: {
        type: 'interactive',
        interactive: {
          type: 'flow',
          body: { text: 'Book' },
          action: { parameters: { flow_cta: 'Open form' } },
        },
      },
    });
    expect(form.lines).toEqual(['Book', '[Open form] (a WhatsApp form)']);
    expect(bubbleOf({ direction: 'in', message: { type: 'text', text: { body: 'order' } } }).lines).toEqual([
      'order',
    ]);
  });
});
