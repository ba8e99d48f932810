import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { FlowBuilder } from '../src/builder/FlowBuilder';
import { fakeApi } from './fake-api';

// happy-dom measures nothing: the canvas needs a ResizeObserver to draw nodes at all.
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
} as unknown as typeof ResizeObserver;

const draft = {
  schemaVersion: 1,
  name: 'Order status',
  triggers: [{ type: 'keyword', keywords: ['order'], match: 'contains' }],
  startScreen: 'welcome',
  screens: [
    {
      id: 'welcome',
      title: 'Welcome',
      messages: [{ type: 'text', text: 'Send your order number.' }],
      input: { variable: 'order_id', type: 'string' },
      actions: [{ type: 'data_exchange', api: 'a1', onSuccess: 'first_screen' }],
    },
    { id: 'first_screen', title: 'First Screen', messages: [], actions: [] },
  ],
  layout: { screens: { welcome: { x: 0, y: 0 }, first_screen: { x: 300, y: 0 } } },
};
const problem = {
  severity: 'error',
  screenId: 'welcome',
  path: 'screens[0].actions[0].onFailure',
  code: 'MISSING_FAILURE_SCREEN',
  message: 'data_exchange needs a failure screen (onFailure)',
};
const flow = {
  id: 'f1',
  name: 'Order status',
  channelIds: [],
  draft,
  problems: [problem],
  publishable: false,
  activeVersion: null,
  latestVersion: null,
  createdAt: '2026-12-06T00:00:00Z',
  updatedAt: '2026-12-06T00:00:00Z',
  revision: 7,
};

function builder() {
  let saved = flow;
  const { api, calls } = fakeApi({
    'GET /flows/{id}': () => ({ data: saved }),
    'GET /apis': () => ({
      data: { items: [{ id: 'a1', name: 'Fetch API Data', connectionId: 'c1' }], total: 1 },
    }),
    'GET /connections': () => ({ data: { items: [{ id: 'c1', title: 'Customer API' }], total: 1 } }),
    'GET /flows/{id}/versions': () => ({ data: { items: [] } }),
    'POST /flows/{id}/validate': () => ({ data: { problems: [problem], publishable: false } }),
    'PATCH /flows/{id}': ({ body }) => {
      saved = { ...saved, draft: { ...saved.draft, ...(body as object) }, revision: saved.revision + 1 };
      return { data: saved };
    },
  });
  render(<FlowBuilder api={api} flowId="f1" onChanged={async () => undefined} />);
  return calls;
}

const withForm = {
  ...flow,
  draft: {
    ...draft,
    forms: [
      {
        id: 'order_form',
        name: 'Order form',
        categories: ['OTHER'],
        startScreen: 'LOOKUP',
        screens: [
          {
            id: 'LOOKUP',
            title: 'Find your order',
            data: {},
            components: [{ type: 'TextInput', name: 'order_id', label: 'Order number' }],
            footer: {
              label: 'Look up',
              action: { type: 'data_exchange', api: 'a1', onSuccess: 'DONE', apiData: {} },
            },
          },
          {
            id: 'DONE',
            title: 'Done',
            data: {},
            components: [],
            footer: { label: 'OK', action: { type: 'complete' } },
          },
        ],
      },
    ],
  },
  problems: [
    {
      severity: 'error',
      screenId: 'LOOKUP',
      formId: 'order_form',
      path: 'forms[0].screens[0].footer.action.onFailure',
      code: 'MISSING_FAILURE_SCREEN',
      message: 'data_exchange needs a failure screen (onFailure)',
    },
  ],
};

describe('the Flow Builder canvas', () => {
  it("shows a WhatsApp form's screens; a problem in one opens that form's screen and focuses its footer's field", async () => {
    const { api } = fakeApi({
      'GET /flows/{id}': () => ({ data: withForm }),
      'GET /apis': () => ({ data: { items: [{ id: 'a1', name: 'Fetch API Data' }], total: 1 } }),
      'GET /connections': () => ({ data: { items: [], total: 0 } }),
      'GET /flows/{id}/versions': () => ({ data: { items: [] } }),
    });
    render(<FlowBuilder api={api} flowId="f1" onChanged={async () => undefined} />);
    await userEvent.click(
      await screen.findByRole('button', {
        name: /^Form "Order form", screen "Find your order" ?: data_exchange needs/,
      }),
    );
    expect(screen.getByLabelText<HTMLSelectElement>('Showing').value).toBe('0');
    const failure = await screen.findByLabelText('On failure, go to');
    await waitFor(() => expect(document.activeElement).toBe(failure));
    expect(screen.getByRole('form', { name: 'Form screen Find your order' })).toBeTruthy();
    await waitFor(() => expect(document.querySelector('.react-flow__node[data-id="LOOKUP"]')).not.toBeNull());
    expect(document.querySelector('.react-flow__node[data-id="LOOKUP"]')!.textContent).toContain(
      '[Look up] API: Fetch API Data',
    );
    expect(document.querySelector('.react-flow__node[data-id="welcome"]')).toBeNull();
  });

  it('draws a node per screen (the start marked, the API named, problems counted); a click opens it in the panel', async () => {
    builder();
    const welcome = await waitFor(() => {
      const node = document.querySelector('.react-flow__node[data-id="welcome"]');
      if (!node) throw new Error('not drawn yet');
      return node as HTMLElement;
    });
    expect(document.querySelectorAll('.react-flow__node')).toHaveLength(2);
    expect(welcome.textContent).toContain('Welcome');
    expect(welcome.textContent).toContain('start');
    expect(welcome.textContent).toContain('API: Fetch API Data');
    expect(welcome.querySelector('[aria-label="1 problems"]')).not.toBeNull();
    // Nothing selected: the flow's settings.
    expect(screen.getByRole('form', { name: 'Flow settings' })).toBeTruthy();
    // From the keyboard (the canvas' own key handling; a pointer drag needs a real browser).
    welcome.focus();
    await userEvent.keyboard('{Enter}');
    expect(await screen.findByRole('form', { name: 'Screen Welcome' })).toBeTruthy();
  });

  it('Verify lists the problem on its screen; clicking it opens the screen and focuses the field', async () => {
    const calls = builder();
    await userEvent.click(await screen.findByRole('button', { name: 'Verify' }));
    expect((await screen.findByRole('alert')).textContent).toBe('1 problem to fix: click one to go to it');
    await userEvent.click(
      screen.getByRole('button', { name: /^Screen "Welcome" ?: data_exchange needs a failure screen/ }),
    );
    const failure = await screen.findByLabelText('On failure, go to');
    await waitFor(() => expect(document.activeElement).toBe(failure));
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual(['/flows/{id}/validate']);
  });

  it('a draft saved meanwhile by someone else: the save is refused (412) and the builder says so in words', async () => {
    const { api } = fakeApi({
      'GET /flows/{id}': () => ({ data: flow }),
      'GET /apis': () => ({ data: { items: [], total: 0 } }),
      'GET /connections': () => ({ data: { items: [], total: 0 } }),
      'GET /flows/{id}/versions': () => ({ data: { items: [] } }),
      'PATCH /flows/{id}': () => ({
        status: 412,
        data: { code: 'REVISION_CHANGED', message: 'The draft was saved by someone else', field: 'If-Match' },
      }),
    });
    render(<FlowBuilder api={api} flowId="f1" onChanged={async () => undefined} />);
    await userEvent.type(await screen.findByLabelText('New screen title'), 'Sample Screen');
    await userEvent.click(screen.getByRole('button', { name: 'Add Screen' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Someone else saved this flow meanwhile: reload the page to see their change, then make yours again',
    );
    expect(screen.queryByText('Screen "Sample Screen" added')).toBeNull();
  });

  it('Add Screen saves the draft with the new screen and its place, sending the revision it read (If-Match)', async () => {
    const calls = builder();
    await userEvent.type(await screen.findByLabelText('New screen title'), 'Sample Screen');
    await userEvent.click(screen.getByRole('button', { name: 'Add Screen' }));
    await screen.findByText('Screen "Sample Screen" added');
    const patch = calls.find((c) => c.method === 'PATCH')!;
    expect(patch.params).toEqual({ path: { id: 'f1' }, header: { 'if-match': '"7"' } });
    const body = patch.body as typeof draft;
    expect(body.screens.map((s) => s.id)).toEqual(['welcome', 'first_screen', 'sample_screen']);
    expect(body.layout.screens).toHaveProperty('sample_screen');
    expect(await screen.findByRole('form', { name: 'Screen Sample Screen' })).toBeTruthy();
  });
});
