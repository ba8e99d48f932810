import fc from 'fast-check';
import type { ApiResponse } from '@flowbridge/contracts';
import {
  INPUT_TYPES,
  type Action,
  type Condition,
  type FlowDocument,
  type Message,
  type Screen,
} from '../model/schema';
import { screenOptions, screenWaits } from '../model/screens';
import { hasErrors } from '../validation/problems';
import { validateFlow } from '../validation/validate';
import { MAX_STEPS_PER_EVENT, newRunState, step } from './step';
import type { Reply, RunEvent, RunState } from './types';

// Random flows that validate without errors: automatic moves (actions) only go to later screens, so no
// loop skips waiting; option `next` may go anywhere (the contact's reply is on the way).

const APIS = ['api-a', 'api-b'];
const TEMPLATES = [
  'Hi {{ contact.name | default: "there" }}',
  'Plain text',
  '{{ api_response.status | default: "-" }} ok',
  '{{ answer | default: 0 }}',
];

function screenArb(index: number, count: number): fc.Arbitrary<Screen> {
  const id = `s${index}`;
  const anyTarget = fc.integer({ min: 0, max: count - 1 }).map((i) => `s${i}`);
  const later = index + 1 < count ? fc.integer({ min: index + 1, max: count - 1 }).map((i) => `s${i}`) : null;
  const text = fc.constantFrom(...TEMPLATES);
  const option = (j: number) =>
    fc.record({
      id: fc.constant(`${id}o${j}`),
      title: fc.constantFrom('Yes', 'No', 'Later'),
      next: fc.option(anyTarget, { nil: undefined, freq: 2 }),
    });
  const message: fc.Arbitrary<Message> = fc.oneof(
    text.map((t): Message => ({ type: 'text', text: t })),
    fc
      .tuple(text, fc.integer({ min: 1, max: 3 }))
      .chain(([t, n]) =>
        fc
          .tuple(...Array.from({ length: n }, (_, j) => option(j)))
          .map((buttons): Message => ({ type: 'buttons', text: t, buttons })),
      ),
    fc
      .tuple(text, fc.integer({ min: 1, max: 4 }))
      .chain(([t, n]) =>
        fc
          .tuple(...Array.from({ length: n }, (_, j) => option(j)))
          .map((rows): Message => ({ type: 'list', text: t, button: 'Open', sections: [{ rows }] })),
      ),
  );
  const actions: fc.Arbitrary<Action[]> = later
    ? fc.array(
        fc.oneof(
          {
            weight: 4,
            arbitrary: fc.record({
              type: fc.constant('data_exchange' as const),
              api: fc.constantFrom(...APIS),
              onSuccess: later,
              onFailure: later,
            }),
          },
          fc.record({
            type: fc.constant('if' as const),
            condition: fc.constantFrom<Condition>(
              {
                variable: 'contact.name',
                dataType: 'string' as const,
                operator: 'is' as const,
                value: 'Ana',
              },
              { variable: 'api_response.status', dataType: 'string' as const, operator: 'exists' as const },
              { any: [{ variable: 'answer', dataType: 'number' as const, operator: 'exists' as const }] },
            ),
            then: later,
            else: fc.option(later, { nil: undefined }),
          }),
          fc.record({
            type: fc.constant('set_variable' as const),
            variable: fc.constant('answer'),
            value: fc.constantFrom('42', '{{ contact.name | default: "x" }}'),
          }),
          fc.record({ type: fc.constant('navigate' as const), to: later }),
          fc.constant({ type: 'end' as const }),
        ),
        { maxLength: 3 },
      )
    : fc.constant([{ type: 'end' as const }]);
  return fc
    .record({
      messages: fc.array(message, { maxLength: 2 }),
      inputType: fc.option(fc.constantFrom(...INPUT_TYPES), { nil: undefined, freq: 2 }),
      actions,
    })
    .map(({ messages, inputType, actions }) => {
      const screen: Screen = { id, messages, actions };
      const hasOptions = screenOptions(screen).length > 0;
      if (inputType && (inputType !== 'choice' || hasOptions))
        screen.input = { variable: `in${index}`, type: inputType };
      return screen;
    });
}

const flowArb: fc.Arbitrary<FlowDocument> = fc
  .integer({ min: 1, max: 7 })
  .chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => screenArb(i, count))))
  .map((screens) => ({
    schemaVersion: 1 as const,
    name: 'Random',
    triggers: [{ type: 'any_message' as const }],
    startScreen: 's0',
    variables: [],
    screens,
  }));

type Abstract =
  | { kind: 'reply'; reply: Reply }
  | { kind: 'pick'; index: number }
  | { kind: 'api'; status: 'success' | 'failure' }
  | { kind: 'stale_api' }
  | { kind: 'expire' };

const abstractEvent: fc.Arbitrary<Abstract> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.integer({ min: 0, max: 5 }).map((index): Abstract => ({ kind: 'pick', index })),
  },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom('success', 'failure')
      .map((status): Abstract => ({ kind: 'api', status: status })),
  },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.string({ maxLength: 20 }).map((text): Reply => ({ kind: 'text', text })),
        fc
          .constantFrom('12', 'a@b.co', '+44 20 7946 0958', '2026-11-24', '1', 'Yes')
          .map((text): Reply => ({ kind: 'text', text })),
        fc.constant<Reply>({ kind: 'other', type: 'sticker' }),
        fc.constant<Reply>({ kind: 'flow', data: { ok: true } }),
      )
      .map((reply): Abstract => ({ kind: 'reply', reply })),
  },
  { weight: 1, arbitrary: fc.constant<Abstract>({ kind: 'stale_api' }) },
  { weight: 1, arbitrary: fc.constant<Abstract>({ kind: 'expire' }) },
);

function concrete(flow: FlowDocument, state: RunState, event: Abstract): RunEvent {
  switch (event.kind) {
    case 'reply':
      return { type: 'reply', reply: event.reply };
    case 'pick': {
      const screen = flow.screens.find((s) => s.id === state.screenId);
      const options = screen ? screenOptions(screen) : [];
      const option = options[event.index % Math.max(options.length, 1)];
      return {
        type: 'reply',
        reply: option
          ? { kind: 'choice', id: option.id, title: option.title }
          : { kind: 'choice', id: 'nope' },
      };
    }
    case 'api':
      return {
        type: 'api_result',
        key: state.pendingApi?.key ?? 'none',
        response: apiResponse(event.status),
      };
    case 'stale_api':
      return { type: 'api_result', key: `${state.runId}:0`, response: apiResponse('success') };
    case 'expire':
      return { type: 'expire' };
  }
}

function apiResponse(status: 'success' | 'failure'): ApiResponse {
  return {
    status,
    statusCode: status === 'success' ? 200 : 500,
    data: { n: 1 },
    headers: {},
    error: null,
    attempts: 1,
    durationMs: 1,
    truncated: false,
  };
}

describe('stepping, for any valid flow and any event sequence', () => {
  it('never throws, stays within the step bound, and only does what the version allows', () => {
    fc.assert(
      fc.property(flowArb, fc.array(abstractEvent, { maxLength: 25 }), (flow, events) => {
        fc.pre(!hasErrors(validateFlow(flow).problems));
        const byId = new Map(flow.screens.map((s) => [s.id, s]));
        let state = newRunState('run-p');
        let lastSeq = 0;
        for (const abstract of [{ kind: 'start' } as const, ...events]) {
          const event =
            abstract.kind === 'start' ? ({ type: 'start' } as const) : concrete(flow, state, abstract);
          const result = step(flow, state, event);
          expect(result.steps).toBeLessThanOrEqual(MAX_STEPS_PER_EVENT);
          for (const [i, effect] of result.effects.entries()) {
            const last = i === result.effects.length - 1;
            switch (effect.type) {
              case 'send':
                expect(byId.has(effect.screenId)).toBe(true);
                expect(effect.seq).toBeGreaterThan(lastSeq);
                lastSeq = effect.seq;
                expect(effect.messages.length).toBeGreaterThan(0);
                break;
              case 'call_api': {
                const screen = byId.get(effect.screenId)!;
                expect(screen.actions.some((a) => a.type === 'data_exchange' && a.api === effect.apiId)).toBe(
                  true,
                );
                expect(effect.key).toBe(`run-p:${result.state.seq}`);
                expect(last).toBe(true);
                break;
              }
              case 'wait_input':
                expect(screenWaits(byId.get(effect.screenId)!)).toBe(true);
                expect(last).toBe(true);
                break;
              case 'end':
                expect(last).toBe(true);
                break;
            }
          }
          if (!result.ignored) {
            const lastEffect = result.effects.at(-1)?.type;
            expect(['wait_input', 'call_api', 'end']).toContain(lastEffect);
            expect(result.state.status === 'waiting_input').toBe(lastEffect === 'wait_input');
            expect(result.state.pendingApi !== null).toBe(lastEffect === 'call_api');
          } else expect(result.effects).toEqual([]);
          state = result.state;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('validation never throws, whatever the document', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record({ name: fc.string(), screens: fc.array(fc.anything()), startScreen: fc.string() }),
        ),
        (doc) => {
          const result = validateFlow(doc);
          expect(Array.isArray(result.problems)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
