import type { Schemas } from '@flowbridge/api-client';

// The draft the Flow Builder edits, and what it reads from it: pure functions over the flow document (the same
// document the API saves), so the canvas and the side panel are views of one value.

export type FlowDocument = Schemas['FlowDocument'];
export type Screen = Schemas['FlowScreen'];
export type Action = Schemas['FlowAction'];
export type Message = Schemas['FlowMessage'];
export type Problem = Schemas['ProblemView'];
export type Position = { x: number; y: number };

/** Where a screen leads: each target with what it is for and its path in the document. */
export interface Exit {
  label: string;
  target: string;
  path: string;
  kind: 'success' | 'failure' | 'then' | 'else' | 'next';
}

export function exitsOf(screen: Screen, index: number): Exit[] {
  const exits: Exit[] = [];
  const add = (label: string, target: string | undefined, path: string, kind: Exit['kind']) => {
    if (target) exits.push({ label, target, path: `screens[${index}].${path}`, kind });
  };
  (screen.messages ?? []).forEach((message, m) => {
    if (message.type === 'buttons')
      message.buttons.forEach((b, i) => add(b.title, b.next, `messages[${m}].buttons[${i}].next`, 'next'));
    if (message.type === 'list')
      message.sections.forEach((s, si) =>
        s.rows.forEach((r, ri) =>
          add(r.title, r.next, `messages[${m}].sections[${si}].rows[${ri}].next`, 'next'),
        ),
      );
  });
  (screen.actions ?? []).forEach((action, a) => {
    const at = `actions[${a}]`;
    if (action.type === 'data_exchange') {
      add('success', action.onSuccess, `${at}.onSuccess`, 'success');
      add('failure', action.onFailure, `${at}.onFailure`, 'failure');
    } else if (action.type === 'if') {
      add('then', action.then, `${at}.then`, 'then');
      add('else', action.else, `${at}.else`, 'else');
    } else if (action.type === 'navigate') add('next', action.to, `${at}.to`, 'next');
  });
  return exits;
}

/** Where a screen is drawn: its saved position, or a place in a grid by its order (four to a row). */
export function positionOf(document: FlowDocument, id: string, index: number): Position {
  return document.layout?.screens[id] ?? { x: (index % 4) * 280, y: Math.floor(index / 4) * 200 };
}

export function withPosition(document: FlowDocument, id: string, position: Position): FlowDocument {
  const screens = {
    ...document.layout?.screens,
    [id]: { x: Math.round(position.x), y: Math.round(position.y) },
  };
  return { ...document, layout: { screens } };
}

/** A new screen, with an id no other screen has, placed below the others. */
export function addScreen(document: FlowDocument, title: string): { document: FlowDocument; id: string } {
  const screens = document.screens ?? [];
  const taken = new Set(screens.map((s) => s.id));
  const base = idOf(title);
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
  const placed = withPosition(
    document,
    id,
    positionOf({ ...document, layout: undefined }, id, screens.length),
  );
  return {
    id,
    document: {
      ...placed,
      screens: [...screens, { id, title, messages: [], actions: [] }],
      startScreen: document.startScreen ?? id,
    },
  };
}

export function replaceScreen(document: FlowDocument, index: number, screen: Screen): FlowDocument {
  return { ...document, screens: (document.screens ?? []).map((s, i) => (i === index ? screen : s)) };
}

/** Removes a screen and its position; what pointed at it is left for Verify to name (UNKNOWN_SCREEN). */
export function removeScreen(document: FlowDocument, index: number): FlowDocument {
  const screens = document.screens ?? [];
  const gone = screens[index];
  if (!gone) return document;
  const { [gone.id]: _, ...positions } = document.layout?.screens ?? {};
  return {
    ...document,
    screens: screens.filter((_s, i) => i !== index),
    layout: { screens: positions },
    startScreen:
      document.startScreen === gone.id ? screens.find((s) => s !== gone)?.id : document.startScreen,
  };
}

/** "First Screen" → first_screen: a screen id from its title. */
export function idOf(title: string): string {
  const id = title
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 48);
  return id || 'screen';
}

/** The screen a problem is on, by its path (`screens[2]…`), or -1 for the flow as a whole. */
export function screenIndexOf(problem: Pick<Problem, 'path'>): number {
  const match = /^screens\[(\d+)\]/.exec(problem.path);
  return match ? Number(match[1]) : -1;
}

/** The element id of the field at a document path: the side panel gives each control the id of its path. */
export function fieldIdOf(path: string): string {
  return `field-${path.replace(/[^A-Za-z0-9]+/g, '-').replace(/-+$/, '')}`;
}

/** The keyword trigger's words, as typed (comma separated). */
export function keywordsOf(document: FlowDocument): string {
  const trigger = (document.triggers ?? []).find((t) => t.type === 'keyword');
  return trigger && 'keywords' in trigger ? trigger.keywords.join(', ') : '';
}

export function withKeywords(document: FlowDocument, typed: string): FlowDocument {
  const keywords = typed
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const others = (document.triggers ?? []).filter((t) => t.type !== 'keyword');
  return {
    ...document,
    triggers: keywords.length > 0 ? [{ type: 'keyword', keywords, match: 'contains' }, ...others] : others,
  };
}

/** "2 problems": the errors among them (warnings do not stop publishing). */
export function countErrors(problems: Array<Pick<Problem, 'severity'>>): string {
  const n = problems.filter((p) => p.severity === 'error').length;
  return `${n} ${n === 1 ? 'problem' : 'problems'}`;
}
