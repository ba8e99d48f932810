// What the chat panel shows of a sandbox conversation entry: a Cloud API message the business sent (text,
// buttons, list, form, media) or the webhook message the contact posted, as lines and the choices it offers
// (read as the terminal chat reads them).
import { type Choice, choicesOf } from '../../../../../tools/sandbox/src/chat-view';

export type { Choice };

type Obj = Record<string, unknown>;

export interface Bubble {
  from: 'contact' | 'business';
  lines: string[];
  choices: Choice[];
}

export function bubbleOf(entry: { direction: 'in' | 'out'; message: Obj }): Bubble {
  return entry.direction === 'out'
    ? { from: 'business', lines: linesOf(entry.message), choices: choicesOf(entry.message) }
    : { from: 'contact', lines: [inboundText(entry.message)], choices: [] };
}

function linesOf(message: Obj): string[] {
  const type = message.type as string;
  if (type === 'text') return [str((message.text as Obj | undefined)?.body)];
  if (type === 'interactive') {
    const i = message.interactive as Obj;
    const header = (i.header as { text?: string } | undefined)?.text;
    const footer = (i.footer as { text?: string } | undefined)?.text;
    const lines = [header, str((i.body as Obj | undefined)?.text), footer].filter((l): l is string =>
      Boolean(l),
    );
    if (i.type === 'flow') {
      const p = ((i.action as Obj | undefined)?.parameters ?? {}) as Obj;
      lines.push(`[${str(p.flow_cta) || 'Open'}] (a WhatsApp form)`);
    }
    return lines;
  }
  const media = (message[type] ?? {}) as { link?: string; caption?: string };
  return [`[${type}] ${media.caption ?? media.link ?? ''}`.trim()];
}

/** What the contact sent: their text, or the title of the button or row they chose. */
function inboundText(message: Obj): string {
  if (message.type === 'text') return str((message.text as Obj | undefined)?.body);
  const interactive = message.interactive as Obj | undefined;
  const reply = (interactive?.button_reply ?? interactive?.list_reply) as { title?: string } | undefined;
  if (reply?.title) return reply.title;
  return interactive?.type === 'nfm_reply' ? '(form sent)' : `(${String(message.type)})`;
}

/** A field that should be text, as text (anything else as nothing). */
function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
