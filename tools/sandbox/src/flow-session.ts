// WhatsApp's side of a form (a WhatsApp Flow) opened from a flow message: it shows the Flow JSON's screens,
// asks the Flow's data endpoint for the next screen when a footer says `data_exchange` (a request encrypted to
// the number's public key and signed with the app secret, as WhatsApp makes it), follows `navigate`, and on
// `complete` hands the answers back as the `nfm_reply` webhook. The sandbox opens one with `openFlow`.
import { sealFlowRequest } from './flows-client';

/** A screen as the person sees it: its components with `${data.x}` filled in, and its footer. */
export interface FlowScreenView {
  id: string;
  title: string;
  data: Record<string, unknown>;
  components: Array<Record<string, unknown>>;
  /** The inputs to fill: their names, labels, types and whether they are required. */
  inputs: Array<{ name: string; label: string; type: string; required: boolean; options?: unknown }>;
  footer: { label: string; action: Record<string, unknown> } | null;
  /** An error the endpoint asked to show on this screen (`data.error_message` on the same screen). */
  error?: string;
}

export interface FlowSessionParts {
  flowJson: unknown;
  endpointUri: string | null;
  flowToken: string;
  publicKey: string | undefined;
  appSecret: string;
  /** Posts the completion (`nfm_reply`) with the form's answers. */
  complete: (params: Record<string, unknown>) => Promise<unknown>;
}

interface JsonScreen {
  id: string;
  title?: string;
  layout?: { children?: Array<Record<string, unknown>> };
}

const INPUTS = new Set([
  'TextInput',
  'TextArea',
  'Dropdown',
  'RadioButtonsGroup',
  'CheckboxGroup',
  'DatePicker',
  'OptIn',
]);

export class FlowSession {
  screen: FlowScreenView | null = null;
  /** Why the form closed (the endpoint's 427 `error_msg`, or an endpoint that failed). */
  closed: string | null = null;
  completed = false;
  /** Every request made to the data endpoint, with its HTTP status and time. */
  readonly requests: Array<{ action: string; screen: string; status: number; ms: number }> = [];

  constructor(private readonly parts: FlowSessionParts) {}

  /** Opens on the message's screen (`navigate`), or asks the endpoint for the first one (`INIT`). */
  async start(navigate?: { screen: string; data?: Record<string, unknown> }): Promise<this> {
    if (navigate) this.show(navigate.screen, navigate.data ?? {});
    else await this.exchange('INIT', '', {});
    return this;
  }

  /** Fills the current screen's inputs with `values` and presses its footer. */
  async submit(values: Record<string, unknown> = {}): Promise<FlowScreenView | null> {
    const screen = this.screen;
    if (!screen?.footer) throw new Error('No screen with a footer is open');
    const action = screen.footer.action;
    const payload = fill((action.payload ?? {}) as Record<string, unknown>, values, screen.data);
    switch (action.name) {
      case 'navigate': {
        const next = (action.next as { name?: string } | undefined)?.name;
        if (!next) throw new Error('The footer navigates nowhere');
        this.show(next, payload);
        return this.screen;
      }
      case 'complete':
        await this.finish(payload);
        return null;
      case 'data_exchange':
        await this.exchange('data_exchange', screen.id, payload);
        return this.screen;
      default:
        throw new Error(`Unknown footer action ${String(action.name)}`);
    }
  }

  private async exchange(action: string, screen: string, data: Record<string, unknown>): Promise<void> {
    const { endpointUri, publicKey, appSecret, flowToken } = this.parts;
    if (!endpointUri || !publicKey) {
      this.closed = 'The Flow has no data endpoint or the number has no public key';
      return;
    }
    const sealed = sealFlowRequest(
      publicKey,
      { version: '3.0', action, screen, data, flow_token: flowToken },
      appSecret,
    );
    const started = Date.now();
    let status = 0;
    let text = '';
    try {
      const res = await fetch(endpointUri, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': sealed.signature },
        body: sealed.raw,
        // WhatsApp gives up near ten seconds.
        signal: AbortSignal.timeout(10_000),
      });
      status = res.status;
      text = await res.text();
    } catch {
      status = 0;
    }
    this.requests.push({ action, screen, status, ms: Date.now() - started });
    if (status !== 200 && status !== 427) {
      this.closed = `The data endpoint answered ${status || 'nothing'}`;
      return;
    }
    const answer = sealed.open(text) as {
      screen?: string;
      data?: Record<string, unknown>;
      error_msg?: string;
    };
    if (status === 427) {
      this.closed = answer.error_msg ?? 'The form closed';
      this.screen = null;
      return;
    }
    if (answer.screen === 'SUCCESS') {
      const params = (answer.data?.extension_message_response as { params?: Record<string, unknown> })
        ?.params;
      await this.finish(params ?? {});
      return;
    }
    if (!answer.screen) {
      this.closed = 'The data endpoint answered no screen';
      return;
    }
    this.show(answer.screen, answer.data ?? {});
  }

  private show(id: string, data: Record<string, unknown>): void {
    const json = this.parts.flowJson as { screens?: JsonScreen[] };
    const screen = json.screens?.find((s) => s.id === id);
    if (!screen) {
      this.closed = `The Flow has no screen ${id}`;
      this.screen = null;
      return;
    }
    const children = screen.layout?.children ?? [];
    const footer = children.find((c) => c.type === 'Footer');
    const components = children.filter((c) => c.type !== 'Footer').map((c) => withData(c, data));
    const error =
      this.screen?.id === id && typeof data.error_message === 'string' ? data.error_message : undefined;
    this.screen = {
      id,
      title: screen.title ?? id,
      data,
      components,
      inputs: components
        .filter((c) => INPUTS.has(String(c.type)))
        .map((c) => ({
          name: String(c.name),
          label: String(c.label ?? c.name),
          type: String(c.type),
          required: c.required === true,
          ...(c['data-source'] !== undefined ? { options: c['data-source'] } : {}),
        })),
      footer: footer
        ? { label: String(footer.label), action: footer['on-click-action'] as Record<string, unknown> }
        : null,
      ...(error ? { error } : {}),
    };
  }

  private async finish(params: Record<string, unknown>): Promise<void> {
    this.completed = true;
    this.screen = null;
    await this.parts.complete({ flow_token: this.parts.flowToken, ...params });
  }
}

/** `${form.x}` from the values typed, `${data.y}` from the screen's data; anything else as written. */
function fill(
  payload: Record<string, unknown>,
  values: Record<string, unknown>,
  data: Record<string, unknown>,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(payload).map(([key, template]) => {
      if (typeof template !== 'string') return [key, template];
      const whole = /^\$\{(form|data)\.([A-Za-z0-9_]+)\}$/.exec(template);
      if (whole) return [key, (whole[1] === 'form' ? values : data)[whole[2]] ?? null];
      return [key, template];
    }),
  );
}

/** A component with the screen's `${data.x}` references replaced (texts) or resolved (option lists). */
function withData(
  component: Record<string, unknown>,
  data: Record<string, unknown>,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(component).map(([key, value]) => {
      if (typeof value !== 'string') return [key, value];
      const whole = /^\$\{data\.([A-Za-z0-9_]+)\}$/.exec(value);
      if (whole && key !== 'text') return [key, data[whole[1]]];
      return [
        key,
        value.replace(/\$\{data\.([A-Za-z0-9_]+)\}/g, (_m, name: string) => {
          const v = data[name];
          return typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
        }),
      ];
    }),
  );
}
