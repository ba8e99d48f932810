import { FORM_ERROR_FIELD } from '@flowbridge/contracts';
import { type Problem, ProblemCode } from '../validation/problems';
import type { ApiCheck } from '../validation/walk';
import { type Form, FormLimits, type FormScreen, inputsOf } from './form-schema';

/** The value our data endpoint gives a failure screen besides the submitted values. */
export const FAILURE_MESSAGE_FIELD = FORM_ERROR_FIELD;

const DATA_READ = /\$\{data\.([A-Za-z_][A-Za-z0-9_]*)\}/g;
const FORM_READ = /\$\{form\.([A-Za-z_][A-Za-z0-9_]*)\}/g;
const TEMPLATE_FORM_READ = /\{\{\s*form\.([A-Za-z_][A-Za-z0-9_]*)/g;

const names = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].map((m) => m[1]);

/**
 * Every problem of one form at once: Meta's structural rules (unique ids, `SUCCESS` reserved, routing targets,
 * a footer on every screen, a terminal screen) and ours: each `data_exchange` has an API that exists and a
 * success and a failure screen; every `${data.x}` a screen reads is declared and given by every path into it;
 * the failure screen renders with what a failure brings (the message and the submitted values); every
 * `${form.x}` names an input of its screen.
 */
export function verifyForm(
  form: Form,
  at: string,
  apis?: (apiId: string) => ApiCheck | undefined,
): Problem[] {
  const problems: Problem[] = [];
  const problem = (
    code: ProblemCode,
    screenId: string | null,
    path: string,
    message: string,
    severity: Problem['severity'] = 'error',
  ) => problems.push({ severity, screenId, formId: form.id, path: `${at}.${path}`, code, message });

  const byId = new Map<string, FormScreen>();
  form.screens.forEach((screen, i) => {
    if (screen.id === 'SUCCESS')
      problem(
        ProblemCode.ReservedScreenId,
        screen.id,
        `screens[${i}].id`,
        'SUCCESS is a screen id Meta reserves',
      );
    if (byId.has(screen.id))
      problem(
        ProblemCode.DuplicateScreenId,
        screen.id,
        `screens[${i}].id`,
        `Screen id ${screen.id} is used twice`,
      );
    else byId.set(screen.id, screen);
  });
  if (!form.startScreen || !byId.has(form.startScreen))
    problem(
      ProblemCode.NoStartScreen,
      null,
      'startScreen',
      form.startScreen ? `Start screen ${form.startScreen} does not exist` : 'The form has no start screen',
    );

  /** For each screen, what each way into it gives: the names of the data it brings. */
  const arrivals = new Map<string, Array<{ from: string; gives: Set<string>; failure: boolean }>>();
  const arrive = (to: string, from: string, gives: Iterable<string>, failure = false) =>
    arrivals.set(to, [...(arrivals.get(to) ?? []), { from, gives: new Set(gives), failure }]);
  const target = (
    screen: FormScreen,
    i: number,
    field: string,
    id: string | undefined,
    missing: ProblemCode,
  ) => {
    if (!id) {
      problem(missing, screen.id, `screens[${i}].footer.action.${field}`, `Choose the ${field} screen`);
      return false;
    }
    if (!byId.has(id)) {
      problem(
        ProblemCode.UnknownScreen,
        screen.id,
        `screens[${i}].footer.action.${field}`,
        `Screen ${id} does not exist`,
      );
      return false;
    }
    return true;
  };

  let terminal = 0;
  form.screens.forEach((screen, i) => {
    const inputs = new Set<string>();
    inputsOf(screen).forEach((input, c) => {
      if (inputs.has(input.name))
        problem(
          ProblemCode.DuplicateFieldName,
          screen.id,
          `screens[${i}].components[${c}].name`,
          `Two inputs are named ${input.name}`,
        );
      inputs.add(input.name);
      if ('options' in input && Array.isArray(input.options)) {
        const limit = input.type === 'RadioButtonsGroup' ? FormLimits.radioOptions : FormLimits.options;
        if (input.options.length > limit)
          problem(
            ProblemCode.TooManyOptions,
            screen.id,
            `screens[${i}].components[${c}].options`,
            `At most ${limit} options`,
          );
      }
    });
    // What the screen reads: declared data, and inputs of this screen.
    const declared = new Set(Object.keys(screen.data));
    const texts: Array<[string, string]> = [];
    screen.components.forEach((component, c) => {
      for (const key of ['text', 'label', 'options'] as const)
        if (key in component && typeof (component as Record<string, unknown>)[key] === 'string')
          texts.push([`screens[${i}].components[${c}].${key}`, (component as Record<string, string>)[key]]);
    });
    const action = screen.footer?.action;
    for (const [key, value] of Object.entries(action?.payload ?? {}))
      texts.push([`screens[${i}].footer.action.payload.${key}`, value]);
    const reads = [
      {
        pattern: DATA_READ,
        known: declared,
        code: ProblemCode.UndeclaredData,
        says: "is not in the screen's data",
        of: 'data',
      },
      {
        pattern: FORM_READ,
        known: inputs,
        code: ProblemCode.UnknownFormField,
        says: 'is not an input of this screen',
        of: 'form',
      },
    ];
    for (const [path, text] of texts)
      for (const { pattern, known, code, says, of } of reads)
        for (const read of names(text, pattern))
          if (!known.has(read)) problem(code, screen.id, path, `\${${of}.${read}} ${says}`);

    if (!screen.footer || !action) {
      problem(
        ProblemCode.NoFooter,
        screen.id,
        `screens[${i}].footer`,
        'Every screen needs a footer with an action',
      );
      return;
    }
    /** What the footer sends: its payload, or every input of the screen. */
    const sent = Object.keys(action.payload ?? Object.fromEntries([...inputs].map((n) => [n, ''])));
    if (action.type === 'complete') terminal++;
    if (action.type === 'navigate' && target(screen, i, 'next', action.next, ProblemCode.UnknownScreen))
      arrive(action.next!, screen.id, sent);
    if (action.type !== 'data_exchange') return;
    if (!action.api)
      problem(
        ProblemCode.MissingApi,
        screen.id,
        `screens[${i}].footer.action.api`,
        'Choose the API this footer calls',
      );
    else {
      const check = apis?.(action.api);
      if (check && !check.ok)
        problem(check.code, screen.id, `screens[${i}].footer.action.api`, check.message);
    }
    for (const [key, template] of Object.entries(action.apiData))
      for (const read of names(template, TEMPLATE_FORM_READ))
        if (!sent.includes(read))
          problem(
            ProblemCode.UnknownFormField,
            screen.id,
            `screens[${i}].footer.action.apiData.${key}`,
            `form.${read} is not among the values this footer sends`,
          );
    if (target(screen, i, 'onSuccess', action.onSuccess, ProblemCode.MissingSuccessScreen))
      arrive(action.onSuccess!, screen.id, Object.keys(action.apiData));
    if (target(screen, i, 'onFailure', action.onFailure, ProblemCode.MissingFailureScreen))
      arrive(action.onFailure!, screen.id, [FAILURE_MESSAGE_FIELD, ...sent], true);
  });
  if (form.screens.length > 0 && terminal === 0)
    problem(
      ProblemCode.NoTerminalScreen,
      null,
      'screens',
      'No screen completes the form (a footer with complete)',
    );

  // Every way into a screen gives all the data it declares.
  form.screens.forEach((screen, i) => {
    for (const way of arrivals.get(screen.id) ?? [])
      for (const needed of Object.keys(screen.data))
        if (!way.gives.has(needed))
          problem(
            way.failure ? ProblemCode.FailureScreenNeedsApiData : ProblemCode.DataNotProvided,
            screen.id,
            `screens[${i}].data.${needed}`,
            way.failure
              ? `As ${way.from}'s failure screen it gets only ${FAILURE_MESSAGE_FIELD} and the submitted values, not ${needed}`
              : `Coming from ${way.from}, ${needed} is not given (add it to that footer's ${
                  byId.get(way.from)?.footer?.action.type === 'data_exchange' ? 'API data' : 'payload'
                })`,
          );
  });

  // Screens nothing leads to.
  const reached = new Set<string>();
  const queue = form.startScreen && byId.has(form.startScreen) ? [form.startScreen] : [];
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (reached.has(id)) continue;
    reached.add(id);
    for (const [to, ways] of arrivals) if (ways.some((w) => w.from === id)) queue.push(to);
  }
  form.screens.forEach((screen, i) => {
    if (reached.size > 0 && !reached.has(screen.id))
      problem(
        ProblemCode.UnreachableScreen,
        screen.id,
        `screens[${i}]`,
        'No footer leads to this screen',
        'warning',
      );
  });
  return problems;
}

/** The APIs a form's footers call. */
export function formApis(form: Form): string[] {
  return form.screens.flatMap((s) =>
    s.footer?.action.type === 'data_exchange' && s.footer.action.api ? [s.footer.action.api] : [],
  );
}
