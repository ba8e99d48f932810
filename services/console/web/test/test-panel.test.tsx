import { render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { TestPanel } from '../src/builder/TestPanel';
import { fakeApi } from './fake-api';

const run = {
  id: 'r1',
  channelId: 'ch1',
  contact: '15550001',
  flowId: 'f1',
  flowVersion: 3,
  status: 'completed',
  screenId: 'sample_screen',
  endReason: null,
  startedAt: '2026-12-06T00:00:00Z',
  updatedAt: '2026-12-06T00:00:01Z',
  endedAt: '2026-12-06T00:00:01Z',
  steps: [
    { screenId: 'welcome', cause: 'start', navigationId: null, enteredAt: '2026-12-06T00:00:00Z' },
    {
      screenId: 'sample_screen',
      cause: 'api_failure',
      navigationId: null,
      enteredAt: '2026-12-06T00:00:01Z',
    },
  ],
  variables: { order_id: 'A-1002' },
  callLog: [
    {
      attempt: 1,
      method: 'GET',
      url: 'http://127.0.0.1:1/orders/A-1002',
      statusCode: 503,
      errorCode: 'HTTP_STATUS',
      durationMs: 12,
    },
  ],
  formRequests: [],
};

describe('the Test panel', () => {
  it('without a sandbox beside the console: no chat, and the run of the contact typed is still followed', async () => {
    const sandboxCalls = vi.fn(async () =>
      Response.json(
        { code: 'SANDBOX_OFF', message: 'The chat test needs the WhatsApp sandbox' },
        { status: 404 },
      ),
    );
    vi.stubGlobal('fetch', sandboxCalls);
    const { api, calls } = fakeApi({
      'GET /runs': () => ({ data: { items: [run] } }),
      'GET /runs/{id}': () => ({ data: run }),
    });
    render(<TestPanel api={api} flowId="f1" />);
    expect(await screen.findByText(/No WhatsApp sandbox beside this console/)).toBeTruthy();
    expect(screen.queryByRole('form', { name: 'Send a message' })).toBeNull();
    expect(await screen.findByText('HTTP 503 HTTP_STATUS')).toBeTruthy();
    expect(screen.getByText(/Run on version 3/).textContent).toContain('completed on sample_screen');
    expect(screen.queryByRole('alert')).toBeNull();
    // Polled on: the run again and again, the sandbox never again.
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect(calls.filter((c) => c.path === '/runs').length).toBeGreaterThan(1);
    expect(sandboxCalls).toHaveBeenCalledTimes(1);
    vi.unstubAllGlobals();
  });
});
