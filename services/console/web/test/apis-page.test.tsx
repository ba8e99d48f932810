import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { ApisPage } from '../src/ApisPage';
import { fakeApi } from './fake-api';

const connection = { id: 'c1', title: 'Customer API', baseUrl: 'http://127.0.0.1:1' };
const saved = {
  id: 'a1',
  name: 'Order lookup',
  connectionId: 'c1',
  method: 'GET',
  path: '/orders/{{order_id}}',
  query: { include: 'items' },
  headers: { 'x-client': 'console', authorization: '••••en' },
  body: null,
  successWhen: { status: ['2xx'] },
  responseMapping: { order_status: 'data.status' },
  idempotencyKey: null,
  timeoutMs: null,
  retry: null,
  createdAt: '2026-12-06T00:00:00Z',
  updatedAt: '2026-12-06T00:00:00Z',
  version: 1,
};

describe('APIs page', () => {
  it('edits an API: every part comes back as saved, a masked secret header stays out, the form closes on save', async () => {
    let current = saved;
    const { api, calls } = fakeApi({
      'GET /apis': () => ({ data: { items: [current], total: 1 } }),
      'GET /connections': () => ({ data: { items: [connection], total: 1 } }),
      'PATCH /apis/{id}': ({ body }) => {
        current = { ...current, ...(body as object) };
        return { data: current };
      },
      'POST /apis/{id}/test': () => ({
        data: {
          api_response: { status: 'success', statusCode: 200, attempts: 1, durationMs: 3, data: {} },
          variables: {},
        },
      }),
    });
    render(<ApisPage api={api} />);
    // A test of the same API open below: its form and the edit form are both keyed by the API, once collided.
    await userEvent.click(await screen.findByRole('button', { name: 'Test Order lookup' }));
    await userEvent.click(screen.getByRole('button', { name: 'Test the request' }));
    await screen.findByText('Mapped variables');
    await userEvent.click(await screen.findByRole('button', { name: 'Edit Order lookup' }));
    const form = screen.getByRole('form', { name: 'Edit Order lookup' });
    expect(screen.getByLabelText<HTMLTextAreaElement>(/^Headers/).value).toContain('"x-client": "console"');
    expect(screen.getByLabelText<HTMLTextAreaElement>(/^Headers/).value).not.toContain('••••');
    await userEvent.selectOptions(screen.getByLabelText('Method'), 'POST');
    await userEvent.click(screen.getByRole('button', { name: 'Save API' }));
    await screen.findByText('API "Order lookup" saved');
    expect(form.isConnected).toBe(false);
    expect(screen.queryAllByRole('form').map((f) => f.getAttribute('aria-label'))).toEqual([
      'Test Order lookup',
    ]);
    const patch = calls.find((c) => c.method === 'PATCH')!;
    expect(patch.body).toMatchObject({ method: 'POST', headers: { 'x-client': 'console' } });
    expect((patch.body as { headers: object }).headers).not.toHaveProperty('authorization');
  });
});
