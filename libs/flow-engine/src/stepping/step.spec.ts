import type { ApiResponse } from '@flowbridge/contracts';
import { pageExampleFlow } from '../examples/page-flow';
import type { FlowDocument } from '../model/schema';
import { MAX_STEPS_PER_EVENT, newRunState, step } from './step';
import type { RunEvent, RunState, StepResult } from './types';

const API = 'api-1';
const page = pageExampleFlow(API);

function response(status: 'success' | 'failure', data: ApiResponse['data'], statusCode = 200): ApiResponse {
  return {
    status,
    statusCode,
    data,
    headers: {},
    error: status === 'failure' ? { code: 'HTTP_STATUS', message: `HTTP ${statusCode}` } : null,
    attempts: 1,
    durationMs: 5,
    truncated: false,
  };
}

/** Steps through events, returning every result. */
function drive(flow: FlowDocument, events: RunEvent[], state: RunState = newRunState('run-1')): StepResult[] {
  const results: StepResult[] = [];
  for (const event of events) {
    const result = step(flow, state, event);
    results.push(result);
    state = result.state;
  }
  return results;
}

function texts(result: StepResult): string[] {
  return result.effects.flatMap((e) =>
    e.type === 'send' ? e.messages.map((m) => ('text' in m ? m.text : m.type)) : [],
  );
}

describe('the page example, stepped', () => {
  const start: RunEvent = { type: 'start', variables: { contact: { name: 'Ana', phone: '447700900123' } } };
  const askOrder: RunEvent = { type: 'reply', reply: { kind: 'text', text: ' A-17 ' } };

  it('success: data_exchange → First Screen with the response data; If takes the success branch', () => {
    const [started, asked, answered, handedOff] = drive(page, [
      start,
      askOrder,
      {
        type: 'api_result',
        key: 'run-1:2',
        response: response('success', { status: 'shipped', orderId: 'A-17' }),
      },
      { type: 'reply', reply: { kind: 'choice', id: 'agent', title: 'Talk to us' } },
    ]);
    expect(started.effects).toEqual([
      {
        type: 'send',
        screenId: 'welcome',
        seq: 1,
        messages: [{ type: 'text', text: 'Hi Ana! Send your order number.' }],
      },
      { type: 'wait_input', screenId: 'welcome' },
    ]);
    expect(started.state.status).toBe('waiting_input');
    expect(asked.effects).toEqual([{ type: 'call_api', apiId: API, key: 'run-1:2', screenId: 'welcome' }]);
    expect(asked.state.variables.order_id).toBe('A-17');
    expect(asked.state.pendingApi).toEqual({ apiId: API, key: 'run-1:2' });
    expect(answered.effects[0]).toMatchObject({ type: 'send', screenId: 'first_screen', seq: 3 });
    expect(texts(answered)).toEqual(['Order A-17 is shipped. Anything else?']);
    expect(answered.state.variables.api_response).toMatchObject({
      status: 'success',
      data: { orderId: 'A-17' },
    });
    expect(texts(handedOff)).toEqual(['An agent will call you about order A-17.']);
    expect(handedOff.effects.at(-1)).toEqual({ type: 'end', status: 'completed', reason: null });
    expect(handedOff.state.status).toBe('completed');
    // The screens each event went through, the If's screen included: what GET /runs/:id lists as steps.
    expect([started, asked, answered, handedOff].map((r) => r.entered)).toEqual([
      ['welcome'],
      [],
      ['first_screen'],
      ['handoff', 'handoff_with_order'],
    ]);
  });

  it('failure: data_exchange → Sample Screen; If takes the else branch', () => {
    const [, , answered, handedOff] = drive(page, [
      start,
      askOrder,
      { type: 'api_result', key: 'run-1:2', response: response('failure', { error: 'down' }, 503) },
      { type: 'reply', reply: { kind: 'text', text: 'talk to us' } },
    ]);
    expect(answered.effects[0]).toMatchObject({ type: 'send', screenId: 'sample_screen' });
    expect(texts(answered)).toEqual(['Sorry, we could not look up order A-17 right now.']);
    expect(answered.state.variables.api_response).toMatchObject({ status: 'failure', statusCode: 503 });
    expect(texts(handedOff)).toEqual(['An agent will call you shortly.']);
    expect(handedOff.state.status).toBe('completed');
  });

  it('a choice typed as its number navigates like a tap, and loops back through input', () => {
    const [, , , again] = drive(page, [
      start,
      askOrder,
      { type: 'api_result', key: 'run-1:2', response: response('success', { status: 'shipped' }) },
      { type: 'reply', reply: { kind: 'text', text: '1' } },
    ]);
    expect(again.effects.map((e) => e.type)).toEqual(['send', 'wait_input']);
    expect(again.state.screenId).toBe('welcome');
  });

  it('ignores what does not apply: a reply during the API call, a stale or repeated API result, events after the end', () => {
    const [, asked] = drive(page, [start, askOrder]);
    const during = step(page, asked.state, askOrder);
    expect(during).toMatchObject({ effects: [], ignored: 'not_waiting_for_reply' });
    expect(during.state).toEqual(asked.state);
    const stale = step(page, asked.state, {
      type: 'api_result',
      key: 'run-1:1',
      response: response('success', null),
    });
    expect(stale.ignored).toBe('stale_api_result');
    const done = step(page, asked.state, {
      type: 'api_result',
      key: 'run-1:2',
      response: response('success', {}),
    });
    const repeated = step(page, done.state, {
      type: 'api_result',
      key: 'run-1:2',
      response: response('success', {}),
    });
    expect(repeated.ignored).toBe('stale_api_result');
    const ended = step(page, done.state, { type: 'expire' });
    expect(ended.effects).toEqual([{ type: 'end', status: 'expired', reason: 'EXPIRED' }]);
    expect(step(page, ended.state, askOrder).ignored).toBe('finished');
    expect(step(page, done.state, start).ignored).toBe('already_started');
  });

  it('is deterministic and leaves its input alone', () => {
    const state = drive(page, [start])[0].state;
    const frozen = JSON.stringify(state);
    const a = step(page, state, askOrder);
    const b = step(page, state, askOrder);
    expect(a).toEqual(b);
    expect(JSON.stringify(state)).toBe(frozen);
  });
});

describe('typed input', () => {
  const flow: FlowDocument = {
    schemaVersion: 1,
    name: 'Ask',
    triggers: [],
    startScreen: 'ask',
    variables: [],
    screens: [
      {
        id: 'ask',
        messages: [{ type: 'text', text: 'How many?' }],
        input: {
          variable: 'qty',
          type: 'number',
          reprompt: 'A number please, {{ contact.name | default: "friend" }}',
        },
        actions: [{ type: 'navigate', to: 'when' }],
      },
      {
        id: 'when',
        messages: [{ type: 'text', text: 'When?' }],
        input: { variable: 'day', type: 'date' },
        actions: [{ type: 'navigate', to: 'done' }],
      },
      { id: 'done', messages: [{ type: 'text', text: '{{qty}} on {{day}}' }], actions: [{ type: 'end' }] },
    ],
  };

  it('re-prompts on a reply that does not fit, keeps waiting, then takes a good one', () => {
    const [, bad, media, good, date] = drive(flow, [
      { type: 'start' },
      { type: 'reply', reply: { kind: 'text', text: 'lots' } },
      { type: 'reply', reply: { kind: 'other', type: 'image' } },
      { type: 'reply', reply: { kind: 'text', text: '12' } },
      { type: 'reply', reply: { kind: 'text', text: '5/1/2027' } },
    ]);
    expect(texts(bad)).toEqual(['A number please, friend']);
    expect(bad.state).toMatchObject({ status: 'waiting_input', screenId: 'ask', seq: 2 });
    expect(media.effects[0]).toMatchObject({ type: 'send', seq: 3 });
    expect(good.state.variables.qty).toBe(12);
    expect(texts(date)).toEqual(['12 on 2027-01-05']);
  });
});

describe('bounds and failures', () => {
  it('a loop that never waits ends the run with LOOP_LIMIT after the step bound', () => {
    const loop: FlowDocument = {
      schemaVersion: 1,
      name: 'Loop',
      triggers: [],
      startScreen: 'a',
      variables: [],
      screens: [
        {
          id: 'a',
          messages: [],
          actions: [
            { type: 'set_variable', variable: 'n', value: '{{ n | plus: 1 }}' },
            { type: 'navigate', to: 'b' },
          ],
        },
        { id: 'b', messages: [], actions: [{ type: 'navigate', to: 'a' }] },
      ],
    };
    const [result] = drive(loop, [{ type: 'start' }]);
    expect(result.state).toMatchObject({ status: 'failed', endReason: 'LOOP_LIMIT' });
    expect(result.effects.at(-1)).toEqual({ type: 'end', status: 'failed', reason: 'LOOP_LIMIT' });
    expect(result.steps).toBe(MAX_STEPS_PER_EVENT);
  });

  it('a template that cannot render ends the run with TEMPLATE_ERROR instead of sending', () => {
    const flow: FlowDocument = {
      schemaVersion: 1,
      name: 'Big',
      triggers: [],
      startScreen: 'a',
      variables: [],
      screens: [{ id: 'a', messages: [{ type: 'text', text: '{{ big }}{{ big }}' }], actions: [] }],
    };
    const [result] = drive(flow, [{ type: 'start', variables: { big: 'x'.repeat(600_000) } }]);
    expect(result.effects).toEqual([{ type: 'end', status: 'failed', reason: 'TEMPLATE_ERROR' }]);
  });

  it('cuts interactive fields to WhatsApp limits at run time, so what is sent is sendable', () => {
    const flow: FlowDocument = {
      schemaVersion: 1,
      name: 'Cut',
      triggers: [],
      startScreen: 'a',
      variables: [],
      screens: [
        {
          id: 'a',
          messages: [
            { type: 'buttons', text: 'Pick', buttons: [{ id: 'x', title: '{{ long }}', next: 'a' }] },
          ],
          actions: [],
        },
      ],
    };
    const [result] = drive(flow, [{ type: 'start', variables: { long: 'Ü'.repeat(40) } }]);
    const sent = result.effects[0];
    expect(
      sent.type === 'send' && sent.messages[0].type === 'buttons' && sent.messages[0].buttons[0].title,
    ).toBe(`${'Ü'.repeat(19)}…`);
  });
});
