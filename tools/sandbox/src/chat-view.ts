// How a Cloud API message looks in the terminal chat: text as is, buttons and list rows numbered.

export interface Choice {
  kind: 'tap' | 'pick';
  id: string;
  title: string;
}

type Obj = Record<string, unknown>;

/** The choices a message offers, numbered from 1 in the order shown. */
export function choicesOf(message: Obj): Choice[] {
  const interactive = message.interactive as Obj | undefined;
  const action = interactive?.action as Obj | undefined;
  if (interactive?.type === 'button')
    return ((action?.buttons as Array<{ reply: { id: string; title: string } }>) ?? []).map((b) => ({
      kind: 'tap',
      id: b.reply.id,
      title: b.reply.title,
    }));
  if (interactive?.type === 'list')
    return ((action?.sections as Array<{ rows: Array<{ id: string; title: string }> }>) ?? [])
      .flatMap((s) => s.rows)
      .map((r) => ({ kind: 'pick', id: r.id, title: r.title }));
  return [];
}

/** The message as lines of text, prefixed like a chat bubble. */
export function render(message: Obj): string {
  const lines: string[] = [];
  const type = message.type as string;
  if (type === 'text') lines.push(String((message.text as Obj).body));
  else if (type === 'interactive') {
    const i = message.interactive as Obj;
    const header = (i.header as { text?: string } | undefined)?.text;
    if (header) lines.push(`*${header}*`);
    lines.push(String((i.body as Obj).text));
    const footer = (i.footer as { text?: string } | undefined)?.text;
    if (footer) lines.push(`_${footer}_`);
    const choices = choicesOf(message);
    if (i.type === 'list') lines.push(`[${String((i.action as Obj).button)}]`);
    choices.forEach((c, n) => lines.push(`  ${n + 1}. ${c.title}`));
    if (i.type === 'flow') {
      const p = (i.action as Obj).parameters as Obj;
      lines.push(`  [${String(p.flow_cta)}] (a form: type "open" to fill it in)`);
    }
  } else {
    const media = message[type] as { link?: string; id?: string; caption?: string };
    lines.push(`[${type}] ${media.link ?? media.id ?? ''}${media.caption ? ` ${media.caption}` : ''}`);
  }
  return lines.map((line, n) => (n === 0 ? `< ${line}` : `  ${line}`)).join('\n');
}

/** A form's screen as the terminal shows it: title, texts, the inputs to fill (required ones starred), footer. */
export function renderScreen(screen: FormScreen): string {
  const lines = [`┌ ${screen.title}`];
  if (screen.error) lines.push(`│ ! ${screen.error}`);
  for (const c of screen.components) {
    if (typeof c.text === 'string') lines.push(`│ ${c.text}`);
    else if (typeof c.label === 'string') {
      const options = Array.isArray(c['data-source'])
        ? ` (${(c['data-source'] as Array<{ title: string }>).map((o) => o.title).join(' / ')})`
        : '';
      lines.push(`│ ${c.label}${c.required === true ? '*' : ''}${options}`);
    }
  }
  lines.push(`└ [${screen.footer?.label ?? '—'}]`);
  return lines.join('\n');
}

/** The parts of a form screen the terminal needs (the sandbox's FlowScreenView). */
export interface FormScreen {
  title: string;
  error?: string;
  components: Obj[];
  inputs: Array<{ name: string; label: string; required: boolean }>;
  footer: { label: string } | null;
}
