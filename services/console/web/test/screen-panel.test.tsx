import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Screen } from '../src/builder/draft';
import { ScreenPanel } from '../src/builder/ScreenPanel';
import { fakeApi } from './fake-api';

const screens = [
  { id: 'welcome', title: 'Welcome' },
  { id: 'first_screen', title: 'First Screen' },
  { id: 'sample_screen', title: 'Sample Screen' },
];
const welcome: Screen = {
  id: 'welcome',
  title: 'Welcome',
  messages: [{ type: 'text', text: 'Send your order number.' }],
  input: { variable: 'order_id', type: 'string' },
  actions: [{ type: 'data_exchange', api: 'a1', resultVariable: 'api_response', onSuccess: 'first_screen' }],
};
const missingFailure = {
  severity: 'error' as const,
  screenId: 'welcome',
  path: 'screens[0].actions[0].onFailure',
  code: 'MISSING_FAILURE_SCREEN' as const,
  message: 'data_exchange needs a failure screen (onFailure)',
};
const fetchApi = { id: 'a1', name: 'Fetch API Data', connectionId: 'c1' };

function panel(overrides: Partial<Parameters<typeof ScreenPanel>[0]> = {}) {
  const { api, calls } = fakeApi({
    'POST /apis': ({ body }) => ({ status: 201, data: { id: 'a2', ...(body as object) } }),
  });
  const onUpdate = vi.fn(async () => undefined);
  const onApiCreated = vi.fn(async () => undefined);
  render(
    <ScreenPanel
      api={api}
      screen={welcome}
      index={0}
      screens={screens}
      problems={[]}
      focus={null}
      onUpdate={onUpdate}
      onDelete={() => undefined}
      apis={[fetchApi] as never}
      connections={[{ id: 'c1', title: 'Customer API' }] as never}
      onApiCreated={onApiCreated}
      forms={[]}
      {...overrides}
    />,
  );
  return { onUpdate, onApiCreated, calls };
}

describe('the screen panel', () => {
  it('shows a problem under its field, focuses it when asked, and Update Component sends the fixed screen', async () => {
    const { onUpdate } = panel({ problems: [missingFailure], focus: { path: missingFailure.path } });
    const failure = screen.getByLabelText('On failure, go to');
    expect(document.activeElement).toBe(failure);
    expect(failure.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByRole('alert').textContent).toBe(missingFailure.message);
    expect(failure.getAttribute('aria-describedby')).toBe(screen.getByRole('alert').id);

    await userEvent.selectOptions(failure, 'sample_screen');
    await userEvent.click(screen.getByRole('button', { name: 'Update Component' }));
    expect(onUpdate).toHaveBeenCalledWith({
      ...welcome,
      actions: [{ ...welcome.actions![0], onFailure: 'sample_screen' }],
    });
  });

  it('data_exchange: the API dropdown, and Create New Config inline selects the API it creates', async () => {
    const { onUpdate, onApiCreated, calls } = panel();
    expect(screen.getByLabelText<HTMLSelectElement>('Select or Create API Integration').value).toBe('a1');
    await userEvent.click(screen.getByRole('button', { name: 'Create New Config' }));
    const form = screen.getByRole('form', { name: 'Create New Config' });
    await userEvent.type(screen.getByLabelText('API Name'), 'Fetch Order');
    await userEvent.clear(screen.getByLabelText('Path (may hold {{variables}})'));
    await userEvent.type(screen.getByLabelText('Path (may hold {{variables}})'), '/orders/{{{{order_id}}');
    await userEvent.click(screen.getByRole('button', { name: 'Add API Data' }));
    await screen.findByText('API details created successfully');
    expect(form.isConnected).toBe(false);
    expect(onApiCreated).toHaveBeenCalled();
    expect(calls.find((c) => c.method === 'POST')?.body).toMatchObject({
      name: 'Fetch Order',
      connectionId: 'c1',
      path: '/orders/{{order_id}}',
    });
    await userEvent.click(screen.getByRole('button', { name: 'Update Component' }));
    expect(onUpdate).toHaveBeenCalledWith(
      expect.objectContaining({ actions: [expect.objectContaining({ type: 'data_exchange', api: 'a2' })] }),
    );
  });

  it("the If Statement's five fields: Variable, Data Type, Operator, Value, Dynamic Value, then and else", async () => {
    const { onUpdate } = panel({ screen: { id: 'welcome', title: 'Welcome', messages: [], actions: [] } });
    await userEvent.selectOptions(screen.getByLabelText('Add an action'), 'if');
    const variable = screen.getByLabelText('Variable');
    await userEvent.clear(variable);
    await userEvent.type(variable, 'api_response.data.total');
    await userEvent.selectOptions(screen.getByLabelText('Data Type'), 'number');
    await userEvent.selectOptions(screen.getByLabelText('Operator'), 'gt');
    await userEvent.clear(screen.getByLabelText('Value'));
    await userEvent.type(screen.getByLabelText('Value'), 'order_limit');
    await userEvent.click(screen.getByLabelText(/^Dynamic Value/));
    expect(screen.getByLabelText('Value (a variable path)')).toBeTruthy();
    await userEvent.selectOptions(screen.getByLabelText('Then go to'), 'first_screen');
    await userEvent.selectOptions(screen.getByLabelText('Else go to'), 'sample_screen');
    // An operator that takes no value hides the Value field.
    await userEvent.selectOptions(screen.getByLabelText('Operator'), 'exists');
    expect(screen.queryByLabelText(/^Value/)).toBeNull();
    await userEvent.selectOptions(screen.getByLabelText('Operator'), 'gt');
    await userEvent.click(screen.getByRole('button', { name: 'Update Component' }));
    expect(onUpdate).toHaveBeenCalledWith(
      expect.objectContaining({
        actions: [
          {
            type: 'if',
            condition: {
              variable: 'api_response.data.total',
              dataType: 'number',
              operator: 'gt',
              value: 'order_limit',
              dynamicValue: true,
            },
            then: 'first_screen',
            else: 'sample_screen',
          },
        ],
      }),
    );
  });

  it('edits messages: text, and buttons that each lead to a screen (ids from their titles)', async () => {
    const { onUpdate } = panel({ screen: { id: 'welcome', title: 'Welcome', messages: [], actions: [] } });
    await userEvent.click(screen.getByRole('button', { name: 'Add buttons message' }));
    await userEvent.type(screen.getByLabelText('Text (may hold {{variables}})'), 'Anything else?');
    await userEvent.clear(screen.getByLabelText('Button 1'));
    await userEvent.type(screen.getByLabelText('Button 1'), 'Another order');
    await userEvent.selectOptions(screen.getByLabelText('Goes to'), 'welcome');
    await userEvent.click(screen.getByRole('button', { name: 'Update Component' }));
    expect(onUpdate).toHaveBeenCalledWith(
      expect.objectContaining({
        messages: [
          {
            type: 'buttons',
            text: 'Anything else?',
            buttons: [{ id: 'another_order', title: 'Another order', next: 'welcome' }],
          },
        ],
      }),
    );
  });
});
