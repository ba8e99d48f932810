import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { FormScreen } from '../src/builder/draft';
import { FormScreenPanel } from '../src/builder/FormScreenPanel';
import { fakeApi } from './fake-api';

const lookup: FormScreen = {
  id: 'LOOKUP',
  title: 'Find your order',
  data: {},
  components: [{ type: 'TextInput', name: 'order_id', label: 'Order number', required: true }],
  footer: { label: 'Look up', action: { type: 'complete' } },
};
const screens = [
  { id: 'LOOKUP', title: 'Find your order' },
  { id: 'FIRST_SCREEN', title: 'First Screen' },
  { id: 'SAMPLE_SCREEN', title: 'Sample Screen' },
];

describe('a WhatsApp form screen', () => {
  it('footer → Edit Action → data_exchange: the API, success and failure screens, API data; Update Component', async () => {
    const { api } = fakeApi({});
    const onUpdate = vi.fn(async () => undefined);
    render(
      <FormScreenPanel
        api={api}
        screen={lookup}
        at="forms[0].screens[0]"
        screens={screens}
        problems={[
          {
            severity: 'error',
            screenId: 'LOOKUP',
            formId: 'order_form',
            path: 'forms[0].screens[0].footer.action.onFailure',
            code: 'MISSING_FAILURE_SCREEN',
            message: 'data_exchange needs a failure screen (onFailure)',
          },
        ]}
        focus={null}
        apis={[{ id: 'a1', name: 'Fetch API Data' }] as never}
        connections={[{ id: 'c1', title: 'Customer API' }] as never}
        onApiCreated={async () => undefined}
        onUpdate={onUpdate}
      />,
    );
    expect(screen.getByLabelText<HTMLInputElement>('Label').value).toBe('Order number');
    await userEvent.selectOptions(screen.getByLabelText('Edit Action'), 'data_exchange');
    await userEvent.selectOptions(screen.getByLabelText('Select or Create API Integration'), 'a1');
    await userEvent.selectOptions(screen.getByLabelText('On success, go to'), 'FIRST_SCREEN');
    const failure = screen.getByLabelText('On failure, go to');
    expect(failure.getAttribute('aria-invalid')).toBe('true');
    await userEvent.selectOptions(failure, 'SAMPLE_SCREEN');
    await userEvent.type(screen.getByLabelText('Data name'), 'status');
    await userEvent.click(screen.getByRole('button', { name: 'Add data' }));
    expect(screen.getByLabelText<HTMLInputElement>('status').value).toBe('{{api_response.data.status}}');
    await userEvent.click(screen.getByRole('button', { name: 'Update Component' }));
    expect(onUpdate).toHaveBeenCalledWith({
      ...lookup,
      footer: {
        label: 'Look up',
        action: {
          type: 'data_exchange',
          api: 'a1',
          onSuccess: 'FIRST_SCREEN',
          onFailure: 'SAMPLE_SCREEN',
          apiData: { status: '{{api_response.data.status}}' },
        },
      },
    });
  });
});
