import { conditionDepth, comparisonsOf, operatorFits, staticValueProblem } from '../conditions/conditions';
import { patternProblem } from '../conditions/regex';
import { FlowLimits } from '../model/limits';
import { type FlowDocument, type Screen, SYSTEM_VARIABLES, VARIABLE_PATH } from '../model/schema';
import { TemplateRenderer } from '../templates/templates';
import { pathProblems, type ScreenIndex } from './paths';
import { type Problem, ProblemCode } from './problems';
import { reservedMessage, screenRuleProblems } from './screen-rules';
import type { ValidateOptions } from './validate';
import { walkScreen } from './walk';

const renderer = new TemplateRenderer();

/**
 * The checks of a flow's chat screens once their shape is read: ids, triggers, each screen's rules and actions,
 * conditions, and (pathProblems) what is reached from the start screen and what it reads.
 */
export class FlowChecker implements ScreenIndex {
  private readonly problems: Problem[] = [];
  readonly ids = new Set<string>();
  readonly byId = new Map<string, Screen>();

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
    else if (this.byId.has(start))
      this.problems.push(...pathProblems(this.flow, start, this, this.options.apis));
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

  base(screen: Screen): string {
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
