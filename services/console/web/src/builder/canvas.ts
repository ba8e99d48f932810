import type { Schemas } from '@flowbridge/api-client';
import { type Edge, MarkerType } from '@xyflow/react';
import {
  type Exit,
  exitsOf,
  type FlowDocument,
  formExitsOf,
  formKey,
  formScreenOf,
  type Problem,
  screenIndexOf,
} from './draft';
import { formLinesOf, type Line, linesOf } from './ScreenNode';

// What the canvas draws for a view of the draft (the chat screens, or one WhatsApp form's): pure functions of the
// draft, so that the builder only holds state.

/** A screen as the canvas draws it: its id, its key in the layout, its summary, exits and error count. */
export interface Shown {
  id: string;
  key: string;
  title: string;
  start: boolean;
  lines: Line[];
  exits: Exit[];
  problems: number;
}

const EDGE_COLOURS: Record<Exit['kind'], string> = {
  success: '#05603a',
  failure: '#b42318',
  then: '#175cd3',
  else: '#6941c6',
  next: '#475467',
};

/** The screens of a view: `view` -1 for the chat screens, else the index of the form. */
export function shownScreens(
  draft: FlowDocument,
  view: number,
  apis: Array<Pick<Schemas['ApiView'], 'id' | 'name'>>,
  problems: Problem[],
): Shown[] {
  const apiNames = Object.fromEntries(apis.map((a) => [a.id, a.name]));
  const errors = problems.filter((p) => p.severity === 'error');
  const form = view >= 0 ? draft.forms?.[view] : undefined;
  if (form) {
    const screens = form.screens ?? [];
    return screens.map((screen, index) => ({
      id: screen.id,
      key: formKey(form, screen.id),
      title: screen.title,
      start: (form.startScreen ?? screens[0]?.id) === screen.id,
      lines: formLinesOf(screen, apiNames),
      exits: formExitsOf(screen, view, index),
      problems: errors.filter((p) => {
        const at = formScreenOf(p);
        return at.form === view && at.screen === index;
      }).length,
    }));
  }
  return (draft.screens ?? []).map((screen, index) => ({
    id: screen.id,
    key: screen.id,
    title: screen.title || screen.id,
    start: draft.startScreen === screen.id,
    lines: linesOf(screen, apiNames),
    exits: exitsOf(screen, index),
    problems: errors.filter((p) => screenIndexOf(p) === index).length,
  }));
}

/** The labelled, coloured edges between the shown screens (an exit to a screen not there is Verify's to name). */
export function edgesOf(shown: Shown[]): Edge[] {
  const ids = new Set(shown.map((s) => s.id));
  return shown.flatMap((screen) =>
    screen.exits
      .filter((exit) => ids.has(exit.target))
      .map((exit) => ({
        id: exit.path,
        source: screen.id,
        target: exit.target,
        label: exit.label,
        markerEnd: { type: MarkerType.ArrowClosed, color: EDGE_COLOURS[exit.kind] },
        style: { stroke: EDGE_COLOURS[exit.kind] },
        labelStyle: { fill: EDGE_COLOURS[exit.kind], fontWeight: 600 },
      })),
  );
}
