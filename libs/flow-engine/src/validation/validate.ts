import { z } from 'zod';
import { conditionDepth, comparisonsOf, operatorFits, staticValueProblem } from '../conditions/conditions';
import { patternProblem } from '../conditions/regex';
import { FormLimits, FormSchema } from '../forms/form-schema';
import { formApis, verifyForm } from '../forms/verify-form';
import { FlowLimits } from '../model/limits';
import {
  FlowDocumentSchema,
  type FlowDocument,
  type Screen,
  ScreenSchema,
  SYSTEM_VARIABLES,
  VARIABLE_PATH,
} from '../model/schema';
import { SchemaVersionError, upgradeDocument } from '../model/upgrade';
import { templateReads } from '../templates/reads';
import { TemplateRenderer } from '../templates/templates';
import { type Problem, ProblemCode } from './problems';
import { findLoops } from './loops';
import { reservedMessage, screenRuleProblems } from './screen-rules';
import { type ApiCheck, walkScreen } from './walk';

export interface ValidateOptions {
  /** What the connections service says about each referenced API; without it API checks are skipped. */
  apis?: (apiId: string) => ApiCheck | undefined;
}

export interface ValidationResult {
  /** The document read and upgraded, when its top level could be read (screens with shape problems left out). */
  flow: FlowDocument | null;
  problems: Problem[];
}

const renderer = new TemplateRenderer();

// The top level read on its own, so that one malformed screen does not hide the rest of the flow's problems.
const TopLevelSchema = FlowDocumentSchema.extend({
  screens: z.array(z.unknown()).max(FlowLimits.screens).default([]),
  forms: z.array(z.unknown()).max(FormLimits.forms).optional(),
});

/** Every problem of a flow document at once: shape, references, variables, types, WhatsApp limits, loops. */
export function validateFlow(input: unknown, options: ValidateOptions = {}): ValidationResult {
  const problems: Problem[] = [];
  let upgraded: unknown;
  try {
    upgraded = upgradeDocument(input);
  } catch (error) {
    if (!(error instanceof SchemaVersionError)) throw error;
    return {
      flow: null,
      problems: [flowError(ProblemCode.SchemaVersionUnsupported, 'schemaVersion', error.message)],
    };
  }
  const top = TopLevelSchema.safeParse(upgraded);
  if (!top.success) return { flow: null, problems: shapeProblems(top.error, '', null) };

  const screens: Screen[] = [];
  const indexOf = new Map<Screen, number>();
  const broken = new Set<string>();
  top.data.screens.forEach((raw, i) => {
    const parsed = ScreenSchema.safeParse(raw);
    const id = readId(raw);
    if (parsed.success) {
      screens.push(parsed.data);
      indexOf.set(parsed.data, i);
    } else {
      problems.push(...shapeProblems(parsed.error, `screens[${i}]`, id));
      if (id) broken.add(id);
    }
  });
  // Each form read on its own too: one malformed form does not hide the others' problems.
  const forms = top.data.forms?.flatMap((raw, index) => {
    const parsed = FormSchema.safeParse(raw);
    if (parsed.success) return [{ form: parsed.data, index }];
    problems.push(...shapeProblems(parsed.error, `forms[${index}]`, null));
    return [];
  });
  const { forms: _rawForms, ...rest } = top.data;
  const flow: FlowDocument = { ...rest, screens, ...(forms ? { forms: forms.map((f) => f.form) } : {}) };
  problems.push(...new FlowChecker(flow, indexOf, broken, options).run());
  const formIds = new Set<string>();
  for (const { form, index } of forms ?? []) {
    if (formIds.has(form.id))
      problems.push(
        flowError(ProblemCode.DuplicateScreenId, `forms[${index}].id`, `Form id ${form.id} is used twice`),
      );
    formIds.add(form.id);
    problems.push(...verifyForm(form, `forms[${index}]`, options.apis));
  }
  problems.push(...flowMessageProblems(flow, indexOf));
  return { flow, problems };
}

/**
 * A chat screen's `flow` message opens one of the document's forms or a Flow by its Meta id, not both; the form
 * exists, the screen it opens on is one of the form's, and its `data` gives every value that screen declares.
 */
function flowMessageProblems(flow: FlowDocument, indexOf: ReadonlyMap<Screen, number>): Problem[] {
  const problems: Problem[] = [];
  const forms = new Map((flow.forms ?? []).map((f) => [f.id, f]));
  for (const screen of flow.screens)
    screen.messages.forEach((message, j) => {
      if (message.type !== 'flow') return;
      const at = `screens[${indexOf.get(screen)}].messages[${j}]`;
      const problem = (code: ProblemCode, field: string, text: string) =>
        problems.push({ severity: 'error', screenId: screen.id, path: `${at}${field}`, code, message: text });
      if ((message.form === undefined) === (message.flowId === undefined)) {
        problem(
          ProblemCode.FlowMessageTarget,
          '',
          "A flow message opens either one of this flow's forms (form) or a Flow by its Meta id (flowId)",
        );
        return;
      }
      if (message.form === undefined) return;
      const form = forms.get(message.form);
      if (!form) {
        problem(ProblemCode.UnknownForm, '.form', `Form ${message.form} is not one of this flow's forms`);
        return;
      }
      const opens = form.screens.find((s) => s.id === (message.screen ?? form.startScreen));
      if (!opens) {
        if (message.screen !== undefined)
          problem(
            ProblemCode.UnknownScreen,
            '.screen',
            `Screen ${message.screen} is not a screen of ${form.id}`,
          );
        return;
      }
      for (const needed of Object.keys(opens.data))
        if (!(needed in (message.data ?? {})))
          problem(
            ProblemCode.DataNotProvided,
            '.data',
            `${form.id}'s screen ${opens.id} reads ${needed}: give it in this message's data`,
          );
    });
  return problems;
}

/** The ids of the APIs a flow calls, for the caller to look up before validating. */
export function referencedApis(flow: FlowDocument): string[] {
  const ids = new Set<string>();
  for (const screen of flow.screens)
    for (const action of screen.actions) if (action.type === 'data_exchange') ids.add(action.api);
  for (const form of flow.forms ?? []) for (const api of formApis(form)) ids.add(api);
  return [...ids];
}

class FlowChecker {
  private readonly problems: Problem[] = [];
  private readonly ids = new Set<string>();
  private readonly byId = new Map<string, Screen>();

  constructor(
    private readonly flow: FlowDocument,
    /** Index of each screen in the submitted `screens` array, for paths. */
    private readonly indexOf: ReadonlyMap<Screen, number>,
    private readonly broken: ReadonlySet<string>,
    private readonly options: ValidateOptions,
  ) {}

  run(): Problem[] {
    this.checkIds();
    this.checkTriggers();
    for (const screen of this.flow.screens) this.checkScreen(screen);
    const start = this.flow.startScreen;
    const startKnown = start !== undefined && (this.byId.has(start) || this.broken.has(start));
    if (!startKnown)
      this.flowProblem(
        ProblemCode.NoStartScreen,
        'startScreen',
        start === undefined ? 'The flow has no start screen' : `The start screen "${start}" does not exist`,
      );
    else if (this.byId.has(start)) this.checkPaths(start);
    return this.problems;
  }

  private checkIds(): void {
    for (const screen of this.flow.screens) {
      if (this.ids.has(screen.id))
        this.screenProblem(
          screen,
          ProblemCode.DuplicateScreenId,
          'id',
          `Screen id "${screen.id}" is used twice`,
        );
      else this.byId.set(screen.id, screen);
      this.ids.add(screen.id);
    }
    for (const id of this.broken) this.ids.add(id);
  }

  private checkTriggers(): void {
    if (this.flow.triggers.length === 0)
      this.flowProblem(
        ProblemCode.NoTrigger,
        'triggers',
        'The flow has no trigger: no message will start it',
        'warning',
      );
    this.flow.triggers.forEach((trigger, i) => {
      if (trigger.type !== 'keyword' || trigger.match !== 'regex') return;
      trigger.keywords.forEach((pattern, j) => {
        const problem = patternProblem(pattern);
        if (problem)
          this.flowProblem(
            ProblemCode.InvalidRegex,
            `triggers[${i}].keywords[${j}]`,
            `"${pattern}": ${problem}`,
          );
      });
    });
    this.flow.variables.forEach((v, i) => {
      if (SYSTEM_VARIABLES.has(v.name))
        this.flowProblem(ProblemCode.ReservedVariable, `variables[${i}].name`, reservedMessage(v.name));
    });
  }

  private checkScreen(screen: Screen): void {
    for (const p of screenRuleProblems(screen, renderer))
      this.screenProblem(screen, p.code, p.path, p.message, p.severity);
    this.checkActions(screen, this.base(screen));
  }

  private checkActions(screen: Screen, base: string): void {
    screen.actions.forEach((action, j) => {
      const at = `actions[${j}]`;
      switch (action.type) {
        case 'data_exchange': {
          if (action.onSuccess === undefined)
            this.screenProblem(
              screen,
              ProblemCode.MissingSuccessScreen,
              `${at}.onSuccess`,
              'The API action has no success screen',
            );
          if (action.onFailure === undefined)
            this.screenProblem(
              screen,
              ProblemCode.MissingFailureScreen,
              `${at}.onFailure`,
              'The API action has no failure screen',
            );
          if (action.resultVariable && SYSTEM_VARIABLES.has(action.resultVariable))
            this.screenProblem(
              screen,
              ProblemCode.ReservedVariable,
              `${at}.resultVariable`,
              reservedMessage(action.resultVariable),
            );
          const api = this.options.apis?.(action.api);
          if (api && !api.ok) this.screenProblem(screen, api.code, `${at}.api`, api.message);
          break;
        }
        case 'if':
          if (action.then === undefined)
            this.screenProblem(
              screen,
              ProblemCode.InvalidField,
              `${at}.then`,
              'The If Statement has no screen to go to',
            );
          this.checkCondition(screen, action.condition, `${at}.condition`);
          break;
        case 'set_variable': {
          if (SYSTEM_VARIABLES.has(action.variable))
            this.screenProblem(
              screen,
              ProblemCode.ReservedVariable,
              `${at}.variable`,
              reservedMessage(action.variable),
            );
          const problem = renderer.check(action.value);
          if (problem) this.screenProblem(screen, ProblemCode.InvalidTemplate, `${at}.value`, problem);
          break;
        }
        case 'navigate':
          if (action.to === undefined)
            this.screenProblem(
              screen,
              ProblemCode.InvalidField,
              `${at}.to`,
              'navigate needs a screen to go to',
            );
          break;
        case 'end':
          break;
      }
    });
    walkScreen(screen, base, new Set(), {
      edge: (target, _set, path) => {
        if (target !== undefined && !this.ids.has(target))
          this.problems.push({
            severity: 'error',
            screenId: screen.id,
            path,
            code: ProblemCode.UnknownScreen,
            message: `Screen "${target}" does not exist`,
          });
      },
      unreachableAction: (path) =>
        this.problems.push({
          severity: 'warning',
          screenId: screen.id,
          path,
          code: ProblemCode.UnreachableAction,
          message: 'This action never runs: an earlier action always moves the run on',
        }),
    });
  }

  private checkCondition(screen: Screen, condition: Parameters<typeof comparisonsOf>[0], at: string): void {
    if (conditionDepth(condition) > FlowLimits.conditionDepth)
      this.screenProblem(
        screen,
        ProblemCode.ConditionTooDeep,
        at,
        `Conditions nest at most ${FlowLimits.conditionDepth} groups deep`,
      );
    for (const c of comparisonsOf(condition)) {
      if (!operatorFits(c.dataType, c.operator)) {
        this.screenProblem(
          screen,
          ProblemCode.OperatorTypeMismatch,
          at,
          `"${c.operator}" does not apply to ${c.dataType} values (${c.variable})`,
        );
        continue;
      }
      if (c.dynamicValue && (typeof c.value !== 'string' || !VARIABLE_PATH.test(c.value))) {
        this.screenProblem(
          screen,
          ProblemCode.InvalidConditionValue,
          at,
          'A dynamic value must be a variable path',
        );
        continue;
      }
      const problem = staticValueProblem(c);
      if (problem)
        this.screenProblem(
          screen,
          c.operator === 'matches' ? ProblemCode.InvalidRegex : ProblemCode.InvalidConditionValue,
          at,
          problem,
        );
    }
  }

  /** From the start screen: which screens are reached, which variables are set on every path, and loops. */
  private checkPaths(start: string): void {
    const initial = new Set(this.flow.variables.map((v) => v.name));
    const entry = new Map<string, Set<string>>([[start, initial]]);
    const queue = [start];
    const apis = this.options.apis;
    while (queue.length > 0) {
      const id = queue.shift()!;
      const screen = this.byId.get(id);
      if (!screen) continue;
      walkScreen(
        screen,
        this.base(screen),
        entry.get(id)!,
        {
          edge: (target, set) => {
            if (target === undefined || !this.ids.has(target)) return;
            const known = entry.get(target);
            if (!known) {
              entry.set(target, new Set(set));
              queue.push(target);
              return;
            }
            let changed = false;
            for (const v of known)
              if (!set.has(v)) {
                known.delete(v);
                changed = true;
              }
            if (changed && !queue.includes(target)) queue.push(target);
          },
        },
        apis,
      );
    }
    for (const screen of this.flow.screens) {
      const set = entry.get(screen.id);
      if (!set) {
        if (this.byId.get(screen.id) === screen)
          this.screenProblem(
            screen,
            ProblemCode.UnreachableScreen,
            'id',
            `No path from the start screen reaches "${screen.id}"`,
            'warning',
          );
        continue;
      }
      if (this.byId.get(screen.id) !== screen) continue;
      this.checkReads(screen, set);
    }
    for (const loop of findLoops(
      this.flow.screens.filter((s) => this.byId.get(s.id) === s),
      (s) => this.base(s),
    ))
      this.screenProblem(
        this.byId.get(loop[0])!,
        ProblemCode.LoopWithoutInput,
        'actions',
        `Screens ${[...loop, loop[0]].join(' → ')} can repeat forever without waiting for a reply`,
      );
  }

  private checkReads(screen: Screen, entry: ReadonlySet<string>): void {
    const report = (root: string, path: string, what: string): void => {
      this.problems.push({
        severity: 'error',
        screenId: screen.id,
        path,
        code: ProblemCode.UnsetVariable,
        message: `${what} reads "${root}", which is not set on every path to this point; set it earlier or add | default: "…"`,
      });
    };
    walkScreen(
      screen,
      this.base(screen),
      entry,
      {
        template: (text, set, path) => {
          for (const read of templateReads(text))
            if (!read.defaulted && !set.has(read.root) && !SYSTEM_VARIABLES.has(read.root))
              report(read.root, path, `{{${read.path}}}`);
        },
        variable: (variable, set, path) => {
          const root = variable.split('.')[0];
          if (!set.has(root) && !SYSTEM_VARIABLES.has(root))
            report(root, path, `The condition on ${variable}`);
        },
      },
      this.options.apis,
    );
  }

  private base(screen: Screen): string {
    return `screens[${this.indexOf.get(screen) ?? -1}]`;
  }

  private screenProblem(
    screen: Screen,
    code: Problem['code'],
    path: string,
    message: string,
    severity: Problem['severity'] = 'error',
  ): void {
    this.problems.push({
      severity,
      screenId: screen.id,
      path: `${this.base(screen)}.${path}`,
      code,
      message,
    });
  }

  private flowProblem(
    code: Problem['code'],
    path: string,
    message: string,
    severity: Problem['severity'] = 'error',
  ): void {
    this.problems.push({ severity, screenId: null, path, code, message });
  }
}

function flowError(code: Problem['code'], path: string, message: string): Problem {
  return { severity: 'error', screenId: null, path, code, message };
}

function readId(raw: unknown): string | null {
  if (raw === null || typeof raw !== 'object') return null;
  const id = (raw as Record<string, unknown>).id;
  return typeof id === 'string' && id.length > 0 ? id : null;
}

function shapeProblems(error: z.ZodError, prefix: string, screenId: string | null): Problem[] {
  const problems: Problem[] = [];
  for (const issue of error.issues) {
    const path = joinPath(prefix, issue.path);
    const onScreen = screenId ?? null;
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        problems.push({
          severity: 'error',
          screenId: onScreen,
          path: joinPath(path, [key]),
          code: ProblemCode.UnknownField,
          message: `Unknown field "${key}"`,
        });
      continue;
    }
    problems.push({
      severity: 'error',
      screenId: onScreen,
      path,
      code: ProblemCode.InvalidField,
      message: `${path || 'document'}: ${issue.message}`,
    });
  }
  return problems;
}

function joinPath(prefix: string, path: ReadonlyArray<PropertyKey>): string {
  let out = prefix;
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out;
}
