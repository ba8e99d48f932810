// `npm run chat -- --contact <waId> [--sandbox http://127.0.0.1:3100] [--name "Ada"]`: talk to a flow as a
// WhatsApp contact. Typed text is sent as the contact's message; a number picks that button or list row of
// the last message that offered choices; "open" opens the last form (a WhatsApp Flow) sent, whose inputs are then
// asked one by one and whose footer an empty line presses. What the business sends is shown as the contact
// would see it.
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { render, renderScreen, choicesOf, type Choice, type FormScreen } from './chat-view';
import type { ConversationEntry } from './sandbox';

const { values } = parseArgs({
  options: {
    contact: { type: 'string', default: '15551234567' },
    sandbox: { type: 'string', default: process.env.SANDBOX_URL ?? 'http://127.0.0.1:3100' },
    name: { type: 'string', default: 'Sandbox Contact' },
  },
});
const base = values.sandbox.replace(/\/+$/, '');
const contact = values.contact;
const out = (line: string) => process.stdout.write(`${line}\n`);

let after = 0;
let choices: Choice[] = [];

async function poll(): Promise<void> {
  try {
    const res = await fetch(`${base}/sandbox/contacts/${contact}/conversation?after=${after}`);
    const { items } = (await res.json()) as { items: ConversationEntry[] };
    for (const entry of items) {
      after = Math.max(after, entry.seq);
      if (entry.direction !== 'out') continue;
      out(render(entry.message));
      const offered = choicesOf(entry.message);
      if (offered.length > 0) choices = offered;
    }
  } catch {
    // The sandbox is restarting or not up yet: the next poll tries again.
  }
}

/** The open form: its screen, and the values typed so far for its inputs, in order. */
let form: { screen: FormScreen; values: Record<string, string> } | null = null;

async function formCall(path: 'open' | 'submit', body: object = {}): Promise<void> {
  const res = await fetch(`${base}/sandbox/contacts/${contact}/flow/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const state = (await res.json()) as {
    screen?: FormScreen | null;
    closed?: string | null;
    completed?: boolean;
    error?: string;
  };
  if (res.status !== 200 || !state.screen) {
    form = null;
    out(
      state.completed
        ? '  (form sent)'
        : `  (form closed: ${state.error ?? state.closed ?? `the sandbox answered ${res.status}`})`,
    );
    return;
  }
  form = { screen: state.screen, values: {} };
  out(renderScreen(state.screen));
  promptNext();
}

/** Asks for the next input of the open form, or for Enter to press its footer. */
function promptNext(): void {
  if (!form) return;
  const next = form.screen.inputs.find((i) => !(i.name in form!.values));
  out(
    next
      ? `  ${next.label}${next.required ? '*' : ''}:`
      : `  (Enter: ${form.screen.footer?.label ?? 'send'})`,
  );
}

async function fillForm(line: string): Promise<void> {
  const next = form!.screen.inputs.find((i) => !(i.name in form!.values));
  if (next) {
    form!.values[next.name] = line;
    promptNext();
    return;
  }
  const values = Object.fromEntries(Object.entries(form!.values).filter(([, v]) => v !== ''));
  await formCall('submit', { values });
}

async function act(line: string): Promise<void> {
  if (form) return fillForm(line);
  if (line.toLowerCase() === 'open') return formCall('open');
  const n = /^\d{1,2}$/.test(line) ? Number(line) : NaN;
  const choice = Number.isInteger(n) ? choices[n - 1] : undefined;
  const [verb, body] = choice
    ? [choice.kind, choice.kind === 'tap' ? { button: choice.id } : { row: choice.id }]
    : ['say', { text: line }];
  const res = await fetch(`${base}/sandbox/contacts/${contact}/${verb}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, name: values.name }),
  });
  if (res.status !== 200) out(`  (not delivered: ${res.status} ${await res.text()})`);
}

async function main(): Promise<void> {
  out(`Chatting as +${contact} through ${base}. Type a message; a number picks a choice; Ctrl-D quits.`);
  const timer = setInterval(() => void poll(), 300);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: false });
  for await (const raw of rl) {
    const line = raw.trim();
    // In a form an empty line leaves an optional input empty, or presses the footer.
    if (line || form) await act(line).catch((err: unknown) => out(`  (sandbox unreachable: ${String(err)})`));
  }
  clearInterval(timer);
}

void main();
