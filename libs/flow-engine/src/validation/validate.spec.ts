import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pageExampleFlow } from '../examples/page-flow';
import type { FlowDocument, Screen } from '../model/schema';
import { type Problem, ProblemCode } from './problems';
import { referencedApis, validateFlow } from './validate';
import type { ApiCheck } from './walk';

const API = '9b2f4c1e-0000-4000-8000-000000000001';
const apis =
  (checks: Record<string, ApiCheck> = {}) =>
  (id: string) =>
    checks[id] ?? { ok: true as const, mappedVariables: [], templates: [] };

function flow(): FlowDocument {
  return pageExampleFlow(API);
}
function screen(doc: FlowDocument, id: string): Screen {
  return doc.screens.find((s) => s.id === id)!;
}
function codes(problems: Problem[]): string[] {
  return problems.map((p) => p.code);
}

describe('validateFlow', () => {
  it('accepts the page example with no problem at all', () => {
    const { flow: read, problems } = validateFlow(flow(), { apis: apis() });
    expect(problems).toEqual([]);
    expect(read?.screens.map((s) => s.id)).toEqual([
      'welcome',
      'first_screen',
      'sample_screen',
      'handoff',
      'handoff_with_order',
      'handoff_plain',
    ]);
    expect(referencedApis(read!)).toEqual([API]);
  });

  it('accepts the SPEC §2 document as written (no schemaVersion, If on a boolean)', () => {
    const doc = {
      name: 'Order status',
      triggers: [{ type: 'keyword', keywords: ['order'], match: 'contains' }],
      startScreen: 'first_screen',
      screens: [
        {
          id: 'first_screen',
          title: 'First Screen',
          messages: [{ type: 'text', text: 'Send your order number' }],
          input: { variable: 'order_id', type: 'string' },
          actions: [
            {
              type: 'data_exchange',
              api: API,
              resultVariable: 'api_response',
              onSuccess: 'found',
              onFailure: 'sample_screen',
            },
          ],
        },
        {
          id: 'found',
          messages: [{ type: 'text', text: 'Order {{order_id}} is {{api_response.data.status}}' }],
          actions: [
            {
              type: 'if',
              condition: {
                variable: 'api_response.data.paid',
                dataType: 'boolean',
                operator: 'is',
                value: 'true',
                dynamicValue: false,
              },
              then: 'thanks',
              else: 'pay_now',
            },
          ],
        },
        { id: 'sample_screen', messages: [{ type: 'text', text: 'Sorry' }], actions: [{ type: 'end' }] },
        { id: 'thanks', messages: [{ type: 'text', text: 'Thanks' }], actions: [{ type: 'end' }] },
        { id: 'pay_now', messages: [{ type: 'text', text: 'Please pay' }], actions: [{ type: 'end' }] },
      ],
    };
    expect(validateFlow(doc).problems).toEqual([]);
  });

  type Case = [code: string, change: (doc: FlowDocument) => unknown, screenId: string | null, path: string];
  const cases: Case[] = [
    [ProblemCode.InvalidField, (d) => ({ ...d, name: '' }), null, 'name'],
    [
      ProblemCode.InvalidField,
      (d) => ({ ...d, screens: [...d.screens, { id: 'x', messages: [{ type: 'fax' }] }] }),
      'x',
      'screens[6].messages[0].type',
    ],
    [
      ProblemCode.UnknownField,
      (d) => {
        (screen(d, 'welcome') as Record<string, unknown>).color = 'red';
        return d;
      },
      'welcome',
      'screens[0].color',
    ],
    [ProblemCode.SchemaVersionUnsupported, (d) => ({ ...d, schemaVersion: 99 }), null, 'schemaVersion'],
    [ProblemCode.NoStartScreen, (d) => ({ ...d, startScreen: undefined }), null, 'startScreen'],
    [ProblemCode.NoStartScreen, (d) => ({ ...d, startScreen: 'nowhere' }), null, 'startScreen'],
    [
      ProblemCode.DuplicateScreenId,
      (d) => ({ ...d, screens: [...d.screens, { ...screen(d, 'handoff_plain') }] }),
      'handoff_plain',
      'screens[6].id',
    ],
    [
      ProblemCode.UnknownScreen,
      (d) => {
        screen(d, 'handoff').actions[0] = { ...screen(d, 'handoff').actions[0], else: 'nope' } as never;
        return d;
      },
      'handoff',
      'screens[3].actions[0].else',
    ],
    [
      ProblemCode.UnknownScreen,
      (d) => {
        (screen(d, 'first_screen').messages[0] as { buttons: Array<{ next?: string }> }).buttons[1].next =
          'ghost';
        return d;
      },
      'first_screen',
      'screens[1].messages[0].buttons[1].next',
    ],
    [
      ProblemCode.MissingSuccessScreen,
      (d) => {
        delete (screen(d, 'welcome').actions[0] as { onSuccess?: string }).onSuccess;
        return d;
      },
      'welcome',
      'screens[0].actions[0].onSuccess',
    ],
    [
      ProblemCode.MissingFailureScreen,
      (d) => {
        delete (screen(d, 'welcome').actions[0] as { onFailure?: string }).onFailure;
        return d;
      },
      'welcome',
      'screens[0].actions[0].onFailure',
    ],
    [
      ProblemCode.UnsetVariable,
      (d) => {
        screen(d, 'welcome').messages.push({ type: 'text', text: 'Your total is {{total}}' });
        return d;
      },
      'welcome',
      'screens[0].messages[1].text',
    ],
    // api_response is set on the API's paths, but not on a path that skips the API.
    [
      ProblemCode.UnsetVariable,
      (d) => {
        screen(d, 'welcome').actions.unshift({ type: 'navigate', to: 'handoff' });
        return d;
      },
      'handoff',
      'screens[3].actions[0].condition',
    ],
    [
      ProblemCode.ReservedVariable,
      (d) => {
        screen(d, 'welcome').input!.variable = 'contact';
        return d;
      },
      'welcome',
      'screens[0].input.variable',
    ],
    [
      ProblemCode.OperatorTypeMismatch,
      (d) => {
        setCondition(d, { dataType: 'boolean', operator: 'gt', value: 'true' });
        return d;
      },
      'handoff',
      'screens[3].actions[0].condition',
    ],
    [
      ProblemCode.InvalidConditionValue,
      (d) => {
        setCondition(d, { dataType: 'number', operator: 'gt', value: 'twelve' });
        return d;
      },
      'handoff',
      'screens[3].actions[0].condition',
    ],
    [
      ProblemCode.InvalidConditionValue,
      (d) => {
        setCondition(d, { operator: 'is', value: undefined });
        return d;
      },
      'handoff',
      'screens[3].actions[0].condition',
    ],
    [
      ProblemCode.InvalidRegex,
      (d) => {
        setCondition(d, { operator: 'matches', value: '(a)\\1' });
        return d;
      },
      'handoff',
      'screens[3].actions[0].condition',
    ],
    [
      ProblemCode.InvalidRegex,
      (d) => ({ ...d, triggers: [{ type: 'keyword', keywords: ['ord(er'], match: 'regex' }] }),
      null,
      'triggers[0].keywords[0]',
    ],
    [
      ProblemCode.ConditionTooDeep,
      (d) => {
        const a = screen(d, 'handoff').actions[0] as { condition: unknown };
        let c = a.condition;
        for (let i = 0; i < 6; i++) c = { all: [c] };
        a.condition = c;
        return d;
      },
      'handoff',
      'screens[3].actions[0].condition',
    ],
    [
      ProblemCode.InvalidTemplate,
      (d) => {
        screen(d, 'handoff_plain').messages[0] = { type: 'text', text: '{% include "x" %}' };
        return d;
      },
      'handoff_plain',
      'screens[5].messages[0].text',
    ],
    [
      ProblemCode.TextTooLong,
      (d) => {
        screen(d, 'handoff_plain').messages[0] = { type: 'text', text: 'x'.repeat(4097) };
        return d;
      },
      'handoff_plain',
      'screens[5].messages[0].text',
    ],
    [
      ProblemCode.TextTooLong,
      (d) => {
        (screen(d, 'first_screen').messages[0] as { buttons: Array<{ title: string }> }).buttons[0].title =
          'A title of 21 chars!!';
        return d;
      },
      'first_screen',
      'screens[1].messages[0].buttons[0].title',
    ],
    [
      ProblemCode.TooManyButtons,
      (d) => {
        const m = screen(d, 'first_screen').messages[0] as { buttons: unknown[] };
        m.buttons.push({ id: 'c', title: 'C' }, { id: 'd', title: 'D' });
        return d;
      },
      'first_screen',
      'screens[1].messages[0].buttons',
    ],
    [
      ProblemCode.TooManyListRows,
      (d) => {
        screen(d, 'handoff_plain').messages.push({
          type: 'list',
          text: 'Pick',
          button: 'Open',
          sections: [{ rows: Array.from({ length: 11 }, (_, i) => ({ id: `r${i}`, title: `Row ${i}` })) }],
        });
        return d;
      },
      'handoff_plain',
      'screens[5].messages[1].sections',
    ],
    [
      ProblemCode.DuplicateOptionId,
      (d) => {
        (screen(d, 'first_screen').messages[0] as { buttons: Array<{ id: string }> }).buttons[1].id = 'again';
        return d;
      },
      'first_screen',
      'screens[1].messages[0].buttons[1].id',
    ],
    [
      ProblemCode.ChoiceWithoutOptions,
      (d) => {
        screen(d, 'welcome').input!.type = 'choice';
        return d;
      },
      'welcome',
      'screens[0].input.type',
    ],
    [
      ProblemCode.LoopWithoutInput,
      (d) => {
        screen(d, 'handoff_plain').actions = [{ type: 'navigate', to: 'handoff' }];
        return d;
      },
      'handoff',
      'screens[3].actions',
    ],
    [
      ProblemCode.UnreachableScreen,
      (d) => ({
        ...d,
        screens: [
          ...d.screens,
          { id: 'orphan', messages: [{ type: 'text', text: 'hi' }], actions: [{ type: 'end' }] },
        ],
      }),
      'orphan',
      'screens[6].id',
    ],
    [
      ProblemCode.UnreachableAction,
      (d) => {
        screen(d, 'handoff_plain').actions.push({ type: 'end' });
        return d;
      },
      'handoff_plain',
      'screens[5].actions[1]',
    ],
    [
      ProblemCode.DeadEnd,
      (d) => {
        (screen(d, 'first_screen').messages[0] as { buttons: Array<{ next?: string }> }).buttons[1].next =
          undefined;
        return d;
      },
      'first_screen',
      'screens[1].messages',
    ],
    [ProblemCode.NoTrigger, (d) => ({ ...d, triggers: [] }), null, 'triggers'],
  ];

  it.each(cases)(
    '%s: one invalid flow, the code on the right screen and path',
    (code, change, screenId, path) => {
      const base = validateFlow(flow(), { apis: apis() }).problems;
      expect(codes(base)).not.toContain(code);
      const { problems } = validateFlow(change(flow()), { apis: apis() });
      const found = problems.filter((p) => p.code === code);
      expect(found.length).toBeGreaterThan(0);
      expect(found[0]).toMatchObject({ screenId, path });
      expect(found[0].message.length).toBeGreaterThan(5);
      const warnings = [
        ProblemCode.UnreachableScreen,
        ProblemCode.UnreachableAction,
        ProblemCode.DeadEnd,
        ProblemCode.NoTrigger,
      ];
      expect(found[0].severity).toBe((warnings as string[]).includes(code) ? 'warning' : 'error');
    },
  );

  it.each([
    [ProblemCode.UnknownApi, { ok: false, code: 'UNKNOWN_API', message: 'No API in this workspace' }],
    [
      ProblemCode.ApiUrlRefused,
      { ok: false, code: 'API_URL_REFUSED', message: 'http://10.0.0.1 is private' },
    ],
  ] as const)('%s comes from the API resolver, on the action', (code, check) => {
    const { problems } = validateFlow(flow(), { apis: apis({ [API]: check }) });
    expect(problems).toEqual([
      {
        severity: 'error',
        screenId: 'welcome',
        path: 'screens[0].actions[0].api',
        code,
        message: check.message,
      },
    ]);
  });

  it('counts variables the API maps as set, and checks what the API templates read', () => {
    const doc = flow();
    screen(doc, 'first_screen').messages.push({ type: 'text', text: 'Customer {{customer_name}}' });
    expect(codes(validateFlow(doc, { apis: apis() }).problems)).toEqual([ProblemCode.UnsetVariable]);
    const mapped = {
      ok: true as const,
      mappedVariables: ['customer_name'],
      templates: ['/orders/{{order_id}}'],
    };
    expect(validateFlow(doc, { apis: apis({ [API]: mapped }) }).problems).toEqual([]);
    const reads = { ok: true as const, mappedVariables: [], templates: ['/orders/{{ order_ref }}'] };
    expect(validateFlow(flow(), { apis: apis({ [API]: reads }) }).problems).toMatchObject([
      { code: ProblemCode.UnsetVariable, screenId: 'welcome', path: 'screens[0].actions[0].api' },
    ]);
  });

  it('a default, exists, declared variables and system variables cover a read', () => {
    const doc = flow();
    doc.variables = [{ name: 'campaign', default: 'none' }];
    screen(doc, 'welcome').messages.push({
      type: 'text',
      text: '{{ total | default: 0 }} {{campaign}} {{contact.name}} {{ run.id }} {{ "literal" }}',
    });
    setCondition(doc, { variable: 'coupon', operator: 'exists', value: undefined });
    expect(validateFlow(doc, { apis: apis() }).problems).toEqual([]);
  });

  it('reports every problem at once, screens with a bad shape included', () => {
    const doc = flow() as unknown as { screens: unknown[]; startScreen?: string };
    doc.screens.push({ id: 'broken', messages: 'nope' });
    delete (doc.screens[0] as { actions: Array<{ onFailure?: string }> }).actions[0].onFailure;
    (doc.screens[5] as Screen).messages[0] = { type: 'text', text: '{{ missing_var }}' };
    const problems = validateFlow(doc, { apis: apis() }).problems;
    // Without its failure screen, sample_screen is no longer reached: that is reported too.
    expect(codes(problems).sort()).toEqual(
      [
        ProblemCode.InvalidField,
        ProblemCode.MissingFailureScreen,
        ProblemCode.UnsetVariable,
        ProblemCode.UnreachableScreen,
      ].sort(),
    );
    expect(problems.find((p) => p.code === ProblemCode.InvalidField)).toMatchObject({
      screenId: 'broken',
      path: 'screens[6].messages',
    });
  });

  it('a loop that waits for a reply on the way is fine', () => {
    // first_screen → (button) → welcome → API → first_screen waits twice: no LOOP_WITHOUT_INPUT.
    expect(codes(validateFlow(flow(), { apis: apis() }).problems)).not.toContain(
      ProblemCode.LoopWithoutInput,
    );
    const doc = flow();
    screen(doc, 'sample_screen').messages = [{ type: 'text', text: 'Retrying' }];
    screen(doc, 'sample_screen').actions = [{ type: 'navigate', to: 'retry' }];
    doc.screens.push({
      id: 'retry',
      messages: [],
      actions: [{ type: 'data_exchange', api: API, onSuccess: 'first_screen', onFailure: 'sample_screen' }],
    });
    const loops = validateFlow(doc, { apis: apis() }).problems.filter(
      (p) => p.code === ProblemCode.LoopWithoutInput,
    );
    expect(loops).toHaveLength(1);
    expect(loops[0].message).toContain('sample_screen → retry → sample_screen');
  });

  it('refuses a top level that is not a flow without throwing', () => {
    for (const input of [null, 'flow', 42, [], { name: 'x', screens: 'no' }]) {
      const result = validateFlow(input);
      expect(result.flow).toBeNull();
      expect(result.problems[0].code).toBe(ProblemCode.InvalidField);
    }
  });
});

function setCondition(doc: FlowDocument, change: Record<string, unknown>): void {
  const action = screen(doc, 'handoff').actions[0] as { condition: Record<string, unknown> };
  action.condition = { ...action.condition, ...change };
}

describe('examples/order-status-flow.json (the README walkthrough)', () => {
  it('is the page example, and valid', () => {
    const text = readFileSync(join(__dirname, '../../../../examples/order-status-flow.json'), 'utf8');
    const doc = JSON.parse(text.replaceAll('API_ID', API)) as unknown;
    expect(doc).toEqual(pageExampleFlow(API));
    expect(validateFlow(doc).problems).toEqual([]);
  });
});
