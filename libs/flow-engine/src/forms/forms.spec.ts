import { pageExampleForm } from '../examples/page-form';
import { pageExampleFlow } from '../examples/page-flow';
import { ProblemCode } from '../validation/problems';
import { referencedApis, validateFlow } from '../validation/validate';
import { type Form, FormSchema } from './form-schema';
import { toFlowJson } from './flow-json';
import { verifyForm } from './verify-form';

/** The product page's walkthrough as a form (its API: api-fetch). */
const orderLookup = (): Form => pageExampleForm('api-fetch');

const codes = (form: Form, apis?: Parameters<typeof verifyForm>[2]) =>
  verifyForm(form, 'forms[0]', apis).map((p) => [p.code, p.screenId, p.path]);

describe('WhatsApp forms: verify and Flow JSON', () => {
  it('the walkthrough form verifies clean and becomes Flow JSON with its routing model and endpoint version', () => {
    const form = orderLookup();
    expect(verifyForm(form, 'forms[0]', () => ({ ok: true, mappedVariables: [], templates: [] }))).toEqual(
      [],
    );
    const json = toFlowJson(form) as {
      screens: Array<{ layout: { children: unknown[] }; terminal?: boolean }>;
    };
    expect(json).toMatchObject({
      version: '7.1',
      data_api_version: '3.0',
      routing_model: { ORDER: ['FIRST_SCREEN', 'SAMPLE_SCREEN'], FIRST_SCREEN: [], SAMPLE_SCREEN: ['ORDER'] },
    });
    const [order, found] = json.screens;
    expect(order.layout.children).toEqual([
      { type: 'TextHeading', text: 'Find your order' },
      { type: 'TextInput', name: 'order_id', label: 'Order number', 'input-type': 'text', required: true },
      {
        type: 'Footer',
        label: 'Look it up',
        // Without a payload of its own, the footer sends every input of its screen.
        'on-click-action': { name: 'data_exchange', payload: { order_id: '${form.order_id}' } },
      },
    ]);
    expect(found).toMatchObject({
      terminal: true,
      data: { status: { type: 'string', __example__: 'shipped' }, total: { type: 'number', __example__: 1 } },
    });
    expect(order.terminal).toBeUndefined();
  });

  it('a form without an endpoint action has no routing model', () => {
    const json = toFlowJson(
      FormSchema.parse({
        id: 'survey',
        name: 'Survey',
        startScreen: 'ASK',
        screens: [
          {
            id: 'ASK',
            title: 'Tell us',
            components: [{ type: 'OptIn', name: 'agree', label: 'I agree' }],
            footer: { label: 'Send', action: { type: 'complete' } },
          },
        ],
      }),
    );
    expect(json).not.toHaveProperty('routing_model');
    expect(json).not.toHaveProperty('data_api_version');
  });

  it('lists every problem at once, each on its screen and field', () => {
    const form = orderLookup();
    const [order, found, sample] = form.screens;
    if (order.footer?.action.type !== 'data_exchange') throw new Error('the walkthrough changed');
    order.footer.action.api = undefined;
    order.footer.action.onFailure = undefined;
    found.components.push({ type: 'TextBody', text: 'Arrives ${data.eta}; you typed ${form.order_id}' });
    sample.id = 'SUCCESS';
    form.screens.push({ id: 'ORPHAN', title: 'Orphan', data: {}, components: [] });
    expect(codes(form)).toEqual(
      expect.arrayContaining([
        [ProblemCode.ReservedScreenId, 'SUCCESS', 'forms[0].screens[2].id'],
        [ProblemCode.MissingApi, 'ORDER', 'forms[0].screens[0].footer.action.api'],
        [ProblemCode.MissingFailureScreen, 'ORDER', 'forms[0].screens[0].footer.action.onFailure'],
        [ProblemCode.UndeclaredData, 'FIRST_SCREEN', 'forms[0].screens[1].components[1].text'],
        [ProblemCode.UnknownFormField, 'FIRST_SCREEN', 'forms[0].screens[1].components[1].text'],
        [ProblemCode.NoFooter, 'ORPHAN', 'forms[0].screens[3].footer'],
        [ProblemCode.UnreachableScreen, 'ORPHAN', 'forms[0].screens[3]'],
      ]),
    );
    for (const p of verifyForm(form, 'forms[0]')) expect(p.formId).toBe('order_lookup');
  });

  it('every path into a screen must give the data it reads; a failure screen gets no API data', () => {
    const form = orderLookup();
    const [order, found, sample] = form.screens;
    if (order.footer?.action.type !== 'data_exchange') throw new Error('the walkthrough changed');
    delete order.footer.action.apiData.total; // the success screen reads total
    sample.data.status = { type: 'string' }; // only the API has it
    expect(codes(form)).toEqual(
      expect.arrayContaining([
        [ProblemCode.DataNotProvided, 'FIRST_SCREEN', 'forms[0].screens[1].data.total'],
        [ProblemCode.FailureScreenNeedsApiData, 'SAMPLE_SCREEN', 'forms[0].screens[2].data.status'],
      ]),
    );
    // A navigation that brings nothing into a screen that reads data.
    found.footer = { label: 'Again', action: { type: 'navigate', next: 'SAMPLE_SCREEN', payload: {} } };
    expect(codes(form)).toEqual(
      expect.arrayContaining([
        [ProblemCode.DataNotProvided, 'SAMPLE_SCREEN', 'forms[0].screens[2].data.error_message'],
      ]),
    );
  });

  it('an API the connections service does not know is reported on the footer that calls it', () => {
    expect(
      codes(orderLookup(), () => ({ ok: false, code: 'UNKNOWN_API', message: 'No API in this workspace' })),
    ).toEqual([[ProblemCode.UnknownApi, 'ORDER', 'forms[0].screens[0].footer.action.api']]);
  });

  it('refuses shapes Meta would: screen ids with digits, too long titles, unknown components', () => {
    const bad = (screen: object) =>
      FormSchema.safeParse({ id: 'f', name: 'F', startScreen: 'A', screens: [screen] }).success;
    expect(bad({ id: 'A1', title: 'x' })).toBe(false);
    expect(bad({ id: 'A', title: 'x'.repeat(31) })).toBe(false);
    expect(bad({ id: 'A', title: 'x', components: [{ type: 'Marquee', text: 'hi' }] })).toBe(false);
    expect(bad({ id: 'A', title: 'x', components: [{ type: 'TextHeading', text: 'x'.repeat(81) }] })).toBe(
      false,
    );
    expect(bad({ id: 'A', title: 'x' })).toBe(true);
  });

  it('forms are part of the flow document: validated with it (a malformed one on its own), their APIs looked up', () => {
    const broken = { id: 'broken', name: 'Broken', screens: [{ id: 'A1', title: 'x' }] };
    const lookup = orderLookup();
    if (lookup.screens[0].footer?.action.type === 'data_exchange')
      lookup.screens[0].footer.action.onFailure = undefined;
    const result = validateFlow({ ...pageExampleFlow('api-page'), forms: [lookup, broken] });
    expect(result.flow?.forms?.map((f) => f.id)).toEqual(['order_lookup']);
    expect(result.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          code: ProblemCode.MissingFailureScreen,
          formId: 'order_lookup',
          path: 'forms[0].screens[0].footer.action.onFailure',
        }),
        expect.objectContaining({
          code: ProblemCode.InvalidField,
          path: expect.stringMatching(/^forms\[1\]\.screens\[0\]\.id/),
        }),
      ]),
    );
    expect(referencedApis(result.flow!)).toContain('api-fetch');
    // A flow without forms reads as before.
    expect(validateFlow(pageExampleFlow('api-page')).flow).not.toHaveProperty('forms');
  });

  it('a chat flow message opens a form of the document or a Flow by id, never both, and gives its screen’s data', () => {
    const form = FormSchema.parse({
      ...orderLookup(),
      screens: [
        { ...orderLookup().screens[0], data: { greeting: { type: 'string' } } },
        ...orderLookup().screens.slice(1),
      ],
    });
    const base = pageExampleFlow('api-fetch');
    const opening = (messages: unknown[]) => ({
      ...base,
      forms: [form],
      screens: [{ ...base.screens[0], messages }, ...base.screens.slice(1)],
    });
    const flowMessage = { type: 'flow', text: 'Open', cta: 'Go' };
    const problems = (messages: unknown[]) =>
      validateFlow(opening(messages)).problems.filter((p) => p.path.startsWith('screens[0].messages'));
    expect(problems([{ ...flowMessage, form: 'order_lookup', data: { greeting: 'Hi' } }])).toEqual([]);
    expect(problems([{ ...flowMessage, flowId: '1234' }])).toEqual([]);
    expect(
      problems([flowMessage, { ...flowMessage, form: 'order_lookup', flowId: '1' }]).map((p) => [
        p.code,
        p.path,
      ]),
    ).toEqual([
      [ProblemCode.FlowMessageTarget, 'screens[0].messages[0]'],
      [ProblemCode.FlowMessageTarget, 'screens[0].messages[1]'],
    ]);
    expect(
      problems([
        { ...flowMessage, form: 'nope' },
        { ...flowMessage, form: 'order_lookup' },
        { ...flowMessage, form: 'order_lookup', screen: 'ELSEWHERE' },
      ]).map((p) => [p.code, p.path]),
    ).toEqual([
      [ProblemCode.UnknownForm, 'screens[0].messages[0].form'],
      [ProblemCode.DataNotProvided, 'screens[0].messages[1].data'],
      [ProblemCode.UnknownScreen, 'screens[0].messages[2].screen'],
    ]);
  });
});
