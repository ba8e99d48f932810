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

// ---- WhatsApp forms (Meta's WhatsApp Flows): their screens, each with a footer whose action leads on ------------

export type Form = NonNullable<FlowDocument['forms']>[number];
export type FormScreen = NonNullable<Form['screens']>[number];
export type FooterAction = NonNullable<FormScreen['footer']>['action'];

/** A form screen's place in the layout: its own key, apart from the chat screens' ids. */
export function formKey(form: Pick<Form, 'id'>, screenId: string): string {
  return `form:${form.id}:${screenId}`;
}

/** Where a form screen's footer leads: on to the next screen, or the API's success and failure screens. */
export function formExitsOf(screen: FormScreen, formIndex: number, index: number): Exit[] {
  const action = screen.footer?.action;
  const at = `forms[${formIndex}].screens[${index}].footer.action`;
  if (action?.type === 'navigate' && action.next)
    return [{ label: screen.footer!.label, target: action.next, path: `${at}.next`, kind: 'next' }];
  if (action?.type !== 'data_exchange') return [];
  return [
    ...(action.onSuccess
      ? [{ label: 'success', target: action.onSuccess, path: `${at}.onSuccess`, kind: 'success' as const }]
      : []),
    ...(action.onFailure
      ? [{ label: 'failure', target: action.onFailure, path: `${at}.onFailure`, kind: 'failure' as const }]
      : []),
  ];
}

/** A new form with one screen whose footer completes it. */
export function addForm(document: FlowDocument, name: string): { document: FlowDocument; index: number } {
  const forms = document.forms ?? [];
  const taken = new Set(forms.map((f) => f.id));
  const base = idOf(name).replace(/^(\d)/, 'form_$1');
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
  const form: Form = {
    id,
    name,
    categories: ['OTHER'],
    startScreen: 'FIRST_SCREEN',
    screens: [
      {
        id: 'FIRST_SCREEN',
        title: name.slice(0, 30),
        data: {},
        components: [],
        footer: { label: 'Send', action: { type: 'complete' } },
      },
    ],
  };
  return { document: { ...document, forms: [...forms, form] }, index: forms.length };
}

/** A new screen of a form, its id from its title in Meta's alphabet (letters and underscores), never twice. */
export function addFormScreen(
  document: FlowDocument,
  formIndex: number,
  title: string,
): { document: FlowDocument; id: string } {
  const form = document.forms![formIndex];
  const screens = form.screens ?? [];
  const taken = new Set(screens.map((s) => s.id));
  const base =
    title
      .toUpperCase()
      .replace(/[^A-Z]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 48) || 'SCREEN';
  let id = base;
  for (let n = 0; taken.has(id); n++) id = `${base}_${String.fromCharCode(66 + (n % 25))}`;
  const screen: FormScreen = {
    id,
    title: title.slice(0, 30),
    data: {},
    components: [],
    footer: { label: 'Continue', action: { type: 'complete' } },
  };
  const placed = withPosition(
    document,
    formKey(form, id),
    positionOf({ ...document, layout: undefined }, id, screens.length),
  );
  return {
    id,
    document: replaceForm(placed, formIndex, {
      ...form,
      screens: [...screens, screen],
      startScreen: form.startScreen ?? id,
    }),
  };
}

export function replaceForm(document: FlowDocument, index: number, form: Form): FlowDocument {
  return { ...document, forms: (document.forms ?? []).map((f, i) => (i === index ? form : f)) };
}

export function replaceFormScreen(
  document: FlowDocument,
  formIndex: number,
  index: number,
  screen: FormScreen,
): FlowDocument {
  const form = document.forms![formIndex];
  return replaceForm(document, formIndex, {
    ...form,
    screens: (form.screens ?? []).map((s, i) => (i === index ? screen : s)),
  });
}

/** The form and form screen a problem is about (`forms[1].screens[2]…`), or -1s. */
export function formScreenOf(problem: Pick<Problem, 'path'>): { form: number; screen: number } {
  const match = /^forms\[(\d+)\](?:\.screens\[(\d+)\])?/.exec(problem.path);
  return match
    ? { form: Number(match[1]), screen: match[2] === undefined ? -1 : Number(match[2]) }
    : { form: -1, screen: -1 };
}
