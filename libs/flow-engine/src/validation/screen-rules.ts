import { WhatsAppLimits } from '../model/limits';
import { type Screen, SYSTEM_VARIABLES } from '../model/schema';
import { messageTexts, screenOptions } from '../model/screens';
import type { TemplateRenderer } from '../templates/templates';
import { type Problem, ProblemCode } from './problems';

// What one screen must satisfy on its own: templates that parse, WhatsApp's limits on its messages,
// unique option ids, an input that can work, and a reply that leads somewhere.

/** A problem on a screen, with its path relative to the screen. */
export type ScreenProblem = Omit<Problem, 'screenId'>;
type Report = (code: Problem['code'], path: string, message: string, severity?: Problem['severity']) => void;

export function screenRuleProblems(screen: Screen, renderer: TemplateRenderer): ScreenProblem[] {
  const problems: ScreenProblem[] = [];
  const report: Report = (code, path, message, severity = 'error') =>
    problems.push({ severity, path, code, message });
  messageRules(screen, report, renderer);
  inputRules(screen, report, renderer);
  return problems;
}

export function reservedMessage(name: string): string {
  return `"${name}" is set by Flowbridge for every run; choose another name`;
}

function messageRules(screen: Screen, report: Report, renderer: TemplateRenderer): void {
  screen.messages.forEach((message, i) => {
    for (const { field, text, limit } of messageTexts(message)) {
      const at = `messages[${i}].${field}`;
      const problem = renderer.check(text);
      if (problem) report(ProblemCode.InvalidTemplate, at, problem);
      if (limit !== null && text.length > limit)
        report(
          ProblemCode.TextTooLong,
          at,
          `${field} is ${text.length} characters; WhatsApp allows ${limit}`,
        );
    }
    if (message.type === 'buttons' && message.buttons.length > WhatsAppLimits.buttons)
      report(
        ProblemCode.TooManyButtons,
        `messages[${i}].buttons`,
        `${message.buttons.length} buttons; WhatsApp allows ${WhatsAppLimits.buttons}`,
      );
    if (message.type === 'list') {
      const rows = message.sections.reduce((n, s) => n + s.rows.length, 0);
      if (rows > WhatsAppLimits.listRows || message.sections.length > WhatsAppLimits.listSections)
        report(
          ProblemCode.TooManyListRows,
          `messages[${i}].sections`,
          `${rows} rows in ${message.sections.length} sections; WhatsApp allows ${WhatsAppLimits.listRows} rows`,
        );
    }
  });
  const seen = new Set<string>();
  for (const option of screenOptions(screen)) {
    if (seen.has(option.id))
      report(ProblemCode.DuplicateOptionId, `${option.path}.id`, `Option id "${option.id}" is used twice`);
    if (option.id.length > WhatsAppLimits.optionId)
      report(
        ProblemCode.TextTooLong,
        `${option.path}.id`,
        `id is longer than ${WhatsAppLimits.optionId} characters`,
      );
    seen.add(option.id);
  }
}

function inputRules(screen: Screen, report: Report, renderer: TemplateRenderer): void {
  const input = screen.input;
  const options = screenOptions(screen);
  if (input) {
    if (SYSTEM_VARIABLES.has(input.variable))
      report(ProblemCode.ReservedVariable, 'input.variable', reservedMessage(input.variable));
    if (input.reprompt !== undefined) {
      const problem = renderer.check(input.reprompt);
      if (problem) report(ProblemCode.InvalidTemplate, 'input.reprompt', problem);
    }
    if (input.type === 'choice' && options.length === 0)
      report(
        ProblemCode.ChoiceWithoutOptions,
        'input.type',
        'A choice input needs a buttons or list message on the same screen',
      );
  }
  const everyOptionNavigates = options.length > 0 && options.every((o) => o.next !== undefined);
  const expectsReply = input !== undefined || options.length > 0;
  const replyLeadsSomewhere =
    screen.actions.length > 0 || (everyOptionNavigates && (!input || input.type === 'choice'));
  if (expectsReply && !replyLeadsSomewhere)
    report(
      ProblemCode.DeadEnd,
      input ? 'input' : 'messages',
      'The contact is asked for a reply, but nothing follows it: add an action or a next screen to every option',
      'warning',
    );
}
