import { type FlowDocument, type Screen, SYSTEM_VARIABLES } from '../model/schema';
import { templateReads } from '../templates/reads';
import { findLoops } from './loops';
import { type Problem, ProblemCode } from './problems';
import { type ApiCheck, walkScreen } from './walk';

/** What the path checks need of the checker: its screens by id, every id (broken screens' too), a screen's path. */
export interface ScreenIndex {
  readonly byId: ReadonlyMap<string, Screen>;
  readonly ids: ReadonlySet<string>;
  base(screen: Screen): string;
}

/** From the start screen: which screens are reached, which variables are set on every path, and loops. */
export function pathProblems(
  flow: FlowDocument,
  start: string,
  index: ScreenIndex,
  apis: ((apiId: string) => ApiCheck | undefined) | undefined,
): Problem[] {
  const problems: Problem[] = [];
  const screenProblem = (
    screen: Screen,
    code: Problem['code'],
    path: string,
    message: string,
    severity: Problem['severity'] = 'error',
  ): void => {
    problems.push({ severity, screenId: screen.id, path: `${index.base(screen)}.${path}`, code, message });
  };
  const initial = new Set(flow.variables.map((v) => v.name));
  const entry = new Map<string, Set<string>>([[start, initial]]);
  const queue = [start];
  while (queue.length > 0) {
    const id = queue.shift()!;
    const screen = index.byId.get(id);
    if (!screen) continue;
    walkScreen(
      screen,
      index.base(screen),
      entry.get(id)!,
      {
        edge: (target, set) => {
          if (target === undefined || !index.ids.has(target)) return;
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
  for (const screen of flow.screens) {
    const set = entry.get(screen.id);
    if (!set) {
      if (index.byId.get(screen.id) === screen)
        screenProblem(
          screen,
          ProblemCode.UnreachableScreen,
          'id',
          `No path from the start screen reaches "${screen.id}"`,
          'warning',
        );
      continue;
    }
    if (index.byId.get(screen.id) !== screen) continue;
    problems.push(...readProblems(screen, set, index, apis));
  }
  for (const loop of findLoops(
    flow.screens.filter((s) => index.byId.get(s.id) === s),
    (s) => index.base(s),
  ))
    screenProblem(
      index.byId.get(loop[0])!,
      ProblemCode.LoopWithoutInput,
      'actions',
      `Screens ${[...loop, loop[0]].join(' → ')} can repeat forever without waiting for a reply`,
    );
  return problems;
}

function readProblems(
  screen: Screen,
  entry: ReadonlySet<string>,
  index: ScreenIndex,
  apis: ((apiId: string) => ApiCheck | undefined) | undefined,
): Problem[] {
  const problems: Problem[] = [];
  const report = (root: string, path: string, what: string): void => {
    problems.push({
      severity: 'error',
      screenId: screen.id,
      path,
      code: ProblemCode.UnsetVariable,
      message: `${what} reads "${root}", which is not set on every path to this point; set it earlier or add | default: "…"`,
    });
  };
  walkScreen(
    screen,
    index.base(screen),
    entry,
    {
      template: (text, set, path) => {
        for (const read of templateReads(text))
          if (!read.defaulted && !set.has(read.root) && !SYSTEM_VARIABLES.has(read.root))
            report(read.root, path, `{{${read.path}}}`);
      },
      variable: (variable, set, path) => {
        const root = variable.split('.')[0];
        if (!set.has(root) && !SYSTEM_VARIABLES.has(root)) report(root, path, `The condition on ${variable}`);
      },
    },
    apis,
  );
  return problems;
}
