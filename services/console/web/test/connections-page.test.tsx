import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { ConnectionsPage } from '../src/ConnectionsPage';
import { fakeApi } from './fake-api';

const billing = {
  id: 'c2',
  title: 'Billing API',
  baseUrl: 'http://127.0.0.1:4555',
  auth: { type: 'basic', username: 'flowbridge', password: '••••42' },
  headers: {},
  timeoutMs: 10000,
  retry: {},
  rateLimit: null,
  createdAt: '2026-12-06T00:00:00Z',
  updatedAt: '2026-12-06T00:00:00Z',
  version: 1,
};

function page(deleteAnswer?: { status: number; data: unknown }) {
  let current = billing;
  const { api, calls } = fakeApi({
    'GET /connections': () => ({ data: { items: [current], total: 1 } }),
    'PATCH /connections/{id}': ({ body }) => {
      current = { ...current, ...(body as object) };
      return { data: current };
    },
    'DELETE /connections/{id}': () => deleteAnswer ?? { status: 204, data: undefined },
  });
  render(<ConnectionsPage api={api} />);
  return calls;
}

describe('API Connections', () => {
  it('Edit: the settings come back, no secret does; a save that leaves the auth alone does not send it', async () => {
    const calls = page();
    await userEvent.click(await screen.findByRole('button', { name: 'Edit Billing API' }));
    expect(screen.getByLabelText<HTMLInputElement>('Title').value).toBe('Billing API');
    expect(screen.getByLabelText<HTMLInputElement>('User name').value).toBe('flowbridge');
    const password = screen.getByLabelText<HTMLInputElement>('Password');
    expect(password.value).toBe('');
    expect(password.type).toBe('password');
    expect(document.body.innerHTML).not.toContain('••••42');
    await userEvent.clear(screen.getByLabelText('Title'));
    await userEvent.type(screen.getByLabelText('Title'), 'Billing API v2');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText('Connection "Billing API v2" saved');
    expect(calls.find((c) => c.method === 'PATCH')!.body).toEqual({
      title: 'Billing API v2',
      baseUrl: billing.baseUrl,
    });
  });

  it('Edit: a retyped secret sends the whole auth', async () => {
    const calls = page();
    await userEvent.click(await screen.findByRole('button', { name: 'Edit Billing API' }));
    await userEvent.type(screen.getByLabelText('Password'), 'new-password');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText('Connection "Billing API" saved');
    expect(calls.find((c) => c.method === 'PATCH')!.body).toMatchObject({
      auth: { type: 'basic', username: 'flowbridge', password: 'new-password' },
    });
  });

  it('Delete of a connection an API uses: the 409 in words', async () => {
    page({
      status: 409,
      data: {
        code: 'CONNECTION_IN_USE',
        message: 'The API "Fetch API Data" uses this connection: delete it first',
      },
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Delete Billing API' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The API "Fetch API Data" uses this connection: delete it first',
    );
    expect(screen.getByRole('row', { name: /Billing API/ })).toBeTruthy();
  });
});
