import type { FlowDocument, Screen } from '../model/schema';
import { type Problem, ProblemCode } from './problems';

/**
 * A chat screen's `flow` message opens one of the document's forms or a Flow by its Meta id, not both; the form
 * exists, the screen it opens on is one of the form's, and its `data` gives every value that screen declares.
 */
export function flowMessageProblems(flow: FlowDocument, indexOf: ReadonlyMap<Screen, number>): Problem[] {
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
