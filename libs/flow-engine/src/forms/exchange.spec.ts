import { FormMessages } from '@flowbridge/contracts';
import { pageExampleForm } from '../examples/page-form';
import { TemplateRenderer } from '../templates/templates';
import {
  failureAnswer,
  fitDeclared,
  maskSensitive,
  openingData,
  openingMessage,
  planFormRequest,
  successAnswer,
} from './exchange';
import { FormSchema } from './form-schema';

const renderer = new TemplateRenderer();
const form = pageExampleForm('api-1');
const lookup = form.screens[0].footer!.action as Extract<
  NonNullable<(typeof form.screens)[0]['footer']>['action'],
  { type: 'data_exchange' }
>;

describe('a form screen request, decided without I/O', () => {
  it('INIT answers the start screen with the opening data fitted to what it declares', () => {
    const withData = FormSchema.parse({
      ...form,
      screens: [
        { ...form.screens[0], data: { greeting: { type: 'string' }, products: { type: 'array' } } },
        ...form.screens.slice(1),
      ],
    });
    const plan = planFormRequest(
      withData,
      { action: 'INIT', screen: '', data: {} },
      { greeting: 'Hi Ana', products: [{ id: 'a', title: 'A' }], extra: 'not declared' },
    );
    expect(plan).toEqual({
      kind: 'answer',
      answer: { screen: 'ORDER', data: { greeting: 'Hi Ana', products: [{ id: 'a', title: 'A' }] } },
    });
  });

  it('data_exchange plans the footer API call with only the values the footer sends', () => {
    const plan = planFormRequest(
      form,
      { action: 'data_exchange', screen: 'ORDER', data: { order_id: 'A-17', injected: 'x' } },
      {},
    );
    expect(plan).toMatchObject({ kind: 'call', action: { api: 'api-1' }, values: { order_id: 'A-17' } });
    expect(plan.kind === 'call' && 'injected' in plan.values).toBe(false);
  });

  it('a data_exchange from a screen whose footer does not exchange shows an error there; an unknown screen closes', () => {
    expect(planFormRequest(form, { action: 'data_exchange', screen: 'SAMPLE_SCREEN', data: {} }, {})).toEqual(
      {
        kind: 'answer',
        answer: { screen: 'SAMPLE_SCREEN', data: { error_message: FormMessages.unexpected } },
      },
    );
    expect(planFormRequest(form, { action: 'data_exchange', screen: 'NOPE', data: {} }, {})).toEqual({
      kind: 'answer',
      answer: { close: FormMessages.closed },
    });
  });

  it('BACK to a screen that reads no data shows it; to one that does, the form starts over', () => {
    expect(planFormRequest(form, { action: 'BACK', screen: 'ORDER', data: {} }, {})).toEqual({
      kind: 'answer',
      answer: { screen: 'ORDER', data: {} },
    });
    expect(planFormRequest(form, { action: 'BACK', screen: 'FIRST_SCREEN', data: {} }, {})).toMatchObject({
      answer: { screen: 'ORDER' },
    });
  });

  it('success renders API data over api_response and keeps JSON types where the screen declares them', () => {
    const answer = successAnswer(
      form,
      lookup,
      { api_response: { data: { status: 'shipped', total: 42.5 } }, form: { order_id: 'A-17' } },
      { order_id: 'A-17' },
      renderer,
    );
    expect(answer).toEqual({ screen: 'FIRST_SCREEN', data: { status: 'shipped', total: 42.5 } });
  });

  it('a missing value gets its type’s empty value; a number given as text becomes a number', () => {
    const screen = form.screens[1];
    expect(fitDeclared(screen, { total: '12.5' })).toEqual({ status: '', total: 12.5 });
    expect(fitDeclared(screen, { status: { a: 1 }, total: 'x' })).toEqual({ status: '{"a":1}', total: 0 });
  });

  it('failure gives the message and the submitted values the failure screen declares', () => {
    expect(failureAnswer(form, lookup, 'Sorry', { order_id: 'A-17' })).toEqual({
      screen: 'SAMPLE_SCREEN',
      data: { error_message: 'Sorry', order_id: 'A-17' },
    });
  });

  it('sensitive inputs are masked in what is kept; others are not', () => {
    const secretive = FormSchema.parse({
      ...form,
      screens: [
        {
          ...form.screens[0],
          components: [
            { type: 'TextInput', name: 'order_id', label: 'Order' },
            { type: 'TextInput', name: 'pin', label: 'PIN', sensitive: true },
          ],
        },
        ...form.screens.slice(1),
      ],
    });
    expect(maskSensitive(secretive, 'ORDER', { order_id: 'A-17', pin: '1234' })).toEqual({
      order_id: 'A-17',
      pin: '••••',
    });
  });

  it('the opening message is the waiting screen’s flow message for that form; its data renders typed', () => {
    const flow = {
      schemaVersion: 1 as const,
      name: 'f',
      triggers: [],
      variables: [],
      screens: [
        {
          id: 'ask',
          actions: [],
          messages: [
            {
              type: 'flow' as const,
              text: 'Open',
              cta: 'Go',
              form: 'order_lookup',
              data: { items: '{{items}}', hi: 'Hi {{name}}' },
            },
          ],
        },
      ],
    };
    expect(openingMessage(flow, 'ask', 'other')).toBeUndefined();
    expect(openingMessage(flow, 'elsewhere', 'order_lookup')).toBeUndefined();
    const message = openingMessage(flow, 'ask', 'order_lookup')!;
    expect(openingData(message, { items: [1, 2], name: 'Ana' }, renderer)).toEqual({
      items: [1, 2],
      hi: 'Hi Ana',
    });
  });
});
