// A stand-in for Meta's WhatsApp Cloud API on 127.0.0.1: it takes sends the way the Cloud API does (checks,
// Meta-shaped answers and errors), keeps each conversation, and posts signed webhooks for what a contact
// says, taps or picks, and for the delivery statuses of what it received. Tests, benchmarks, the demo and
// the terminal chat (`npm run chat`) all use it.
import { createPublicKey, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Request, type Response } from 'express';
import { checkMessage } from './cloud-api-rules';
import { describeFlow, flowRoutes, type SandboxFlow } from './cloud-flows';
import { FlowSession } from './flow-session';
import { inboundMessage, sign, statusUpdate, textMessage, wamid, webhookBody } from './webhook-bodies';

export interface SandboxNumber {
  phoneNumberId: string;
  displayPhoneNumber: string;
  wabaId: string;
  /** Signs the webhooks of this number (the channel's app secret). */
  appSecret: string;
  /** When set, sends must carry it as their Bearer token; otherwise any token is taken. */
  accessToken?: string;
  /** The public key uploaded for the number's WhatsApp Flows (`whatsapp_business_encryption`), PEM. */
  businessPublicKey?: string;
}

export interface SandboxOptions {
  /** Where Flowbridge's ingestion endpoint is (`…/webhooks/whatsapp`). */
  webhookUrl: string;
  numbers?: SandboxNumber[];
  port?: number;
  /** Delivery statuses posted for every accepted send, in order, batched per number. Default all three. */
  statuses?: Array<'sent' | 'delivered' | 'read'>;
  /** How long statuses gather before one webhook carries them. Default 100 ms. */
  statusBatchMs?: number;
  /** Added before answering each send (a slower Meta, for benchmarks). Default 0. */
  latencyMs?: number;
  /** Called with every send it accepts (benchmarks time the end of a step here). */
  onAccepted?: (entry: ConversationEntry) => void;
}

/** One line of a conversation: what the business sent (`out`) or what the contact sent (`in`). */
export interface ConversationEntry {
  seq: number;
  direction: 'in' | 'out';
  phoneNumberId: string;
  waId: string;
  wamid: string;
  at: string;
  /** out: the Cloud API message as received; in: the webhook message object posted. */
  message: Record<string, unknown>;
  status?: 'sent' | 'delivered' | 'read';
}

/** Every send request, accepted or not, for tests that count attempts. */
export interface SendAttempt {
  at: number;
  phoneNumberId: string;
  to: unknown;
  httpStatus: number;
  code?: number;
  callbackData?: unknown;
  /** Taken, although the connection was dropped before the answer (acceptThenDrop). */
  accepted?: boolean;
}

interface FailureRule {
  remaining: number;
  code: number;
  httpStatus: number;
  message: string;
  /** Accept the message (delivered, statuses posted as Meta does), then drop the connection unanswered. */
  accept?: boolean;
}

/** Meta's HTTP status for the error codes a test asks for (the Cloud API's error-code table). */
const HTTP_STATUS_OF: Record<number, number> = {
  190: 401,
  131000: 500,
  131016: 503,
  133004: 503,
};
const MESSAGE_OF: Record<number, string> = {
  4: '(#4) Application request limit reached',
  100: '(#100) Invalid parameter',
  190: 'Error validating access token: Session has expired.',
  130429: '(#130429) Rate limit hit',
  131000: '(#131000) Something went wrong',
  131008: '(#131008) Required parameter is missing',
  131009: '(#131009) Parameter value is not valid',
  131016: '(#131016) Service unavailable',
  131026: '(#131026) Message undeliverable',
  131047: '(#131047) Re-engagement message',
  131056: '(#131056) (Business Account, Consumer Account) pair rate limit hit',
};

export class Sandbox {
  readonly numbers = new Map<string, SandboxNumber>();
  /** The Flows created on this Cloud API (`POST /{waba-id}/flows`), by id. */
  readonly flows = new Map<string, SandboxFlow>();
  /** The delivery statuses posted for each accepted send (tests may change it). */
  statuses: Array<'sent' | 'delivered' | 'read'>;
  readonly conversation: ConversationEntry[] = [];
  readonly attempts: SendAttempt[] = [];
  /** Webhooks posted and what the ingestion endpoint answered. */
  readonly webhooks: Array<{ kind: 'message' | 'statuses'; status: number }> = [];
  /** Sends being answered now, and the most seen at once (tests set it back to 0 to measure a span). */
  sendsInFlight = 0;
  peakSendsInFlight = 0;
  private failures: FailureRule[] = [];
  private seq = 0;
  private flowSeq = 0;
  private server?: Server;
  private readonly pendingStatuses = new Map<string, Array<Record<string, unknown>>>();
  private statusTimer?: NodeJS.Timeout;
  private inFlight = new Set<Promise<unknown>>();
  private readonly byWamid = new Map<string, ConversationEntry>();
  /** The form each contact has open through the HTTP routes (the terminal chat's). */
  private readonly forms = new Map<string, FlowSession>();

  constructor(readonly options: SandboxOptions) {
    for (const n of options.numbers ?? []) this.numbers.set(n.phoneNumberId, n);
    this.statuses = options.statuses ?? ['sent', 'delivered', 'read'];
  }

  /**
   * `GET /{phone-number-id}` as Meta answers it: the number to a token that sees it (a number with its own
   * `accessToken` is seen by that token only), code 100 for a number that does not exist, 190 for no token.
   */
  private describeNumber(req: Request, res: Response): void {
    const flow = this.flows.get(String(req.params.phoneNumberId));
    if (flow) return describeFlow(flow, res);
    const number = this.authorizedNumber(req, res);
    if (!number) return;
    res.json({
      id: number.phoneNumberId,
      display_phone_number: number.displayPhoneNumber,
      verified_name: 'Sandbox business',
      quality_rating: 'GREEN',
    });
  }

  /**
   * `POST /{phone-number-id}/whatsapp_business_encryption` (form field `business_public_key`, a PEM public key)
   * and `GET` on it, as Meta answers them: the key is kept for the number, its signature VALID.
   */
  private businessEncryption(req: Request, res: Response): void {
    const number = this.authorizedNumber(req, res);
    if (!number) return;
    if (req.method === 'GET') {
      res.json({
        data: number.businessPublicKey
          ? [{ business_public_key: number.businessPublicKey, business_public_key_signature_status: 'VALID' }]
          : [],
      });
      return;
    }
    const pem = (req.body as { business_public_key?: unknown } | undefined)?.business_public_key;
    try {
      if (typeof pem !== 'string' || createPublicKey(pem).asymmetricKeyType !== 'rsa')
        throw new Error('not RSA');
    } catch {
      return graphError(
        res,
        400,
        100,
        'Invalid parameter: business_public_key must be an RSA public key (PEM)',
      );
    }
    number.businessPublicKey = pem;
    res.json({ success: true });
  }

  /** The number a management call names, if its token sees it; otherwise Meta's error is answered. */
  private authorizedNumber(req: Request, res: Response): SandboxNumber | undefined {
    const phoneNumberId = String(req.params.phoneNumberId);
    if (!/^v\d+\.\d+$/.test(String(req.params.version)) || !/^\d+$/.test(phoneNumberId))
      return void graphError(
        res,
        400,
        100,
        `Unknown path components: /${String(req.params.version)}/${phoneNumberId}`,
      );
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token)
      return void graphError(res, 401, 190, 'Invalid OAuth access token - Cannot parse access token');
    const number = this.numbers.get(phoneNumberId);
    if (!number || (number.accessToken !== undefined && token !== number.accessToken))
      return void graphError(
        res,
        400,
        100,
        `Unsupported get request. Object with ID '${phoneNumberId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      );
    return number;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('the sandbox is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    const app = express();
    app.disable('x-powered-by');
    app.use(express.json({ limit: '1mb' }));
    app.post('/:version/:phoneNumberId/messages', (req, res) => {
      this.sendsInFlight++;
      this.peakSendsInFlight = Math.max(this.peakSendsInFlight, this.sendsInFlight);
      void this.receive(req, res).finally(() => this.sendsInFlight--);
    });
    flowRoutes(
      app,
      this.flows,
      () => `9${String(Date.now()).slice(-9)}${String(++this.flowSeq).padStart(5, '0')}`,
    );
    app.get('/:version/:phoneNumberId', (req, res) => void this.describeNumber(req, res));
    app
      .route('/:version/:phoneNumberId/whatsapp_business_encryption')
      .get((req, res) => void this.businessEncryption(req, res))
      .post(
        express.urlencoded({ extended: false, limit: '16kb' }),
        (req, res) => void this.businessEncryption(req, res),
      );
    app.get('/sandbox/health', (_req, res) => void res.json({ ok: true }));
    app.get(
      '/sandbox/numbers',
      (_req, res) =>
        void res.json({
          items: [...this.numbers.values()].map(({ appSecret: _s, accessToken: _t, ...n }) => n),
        }),
    );
    app.post('/sandbox/numbers', (req, res) => {
      const n = req.body as Partial<SandboxNumber>;
      if (!n.phoneNumberId || !n.wabaId || !n.appSecret || !n.displayPhoneNumber)
        return void res
          .status(400)
          .json({ error: 'phoneNumberId, displayPhoneNumber, wabaId and appSecret are required' });
      this.numbers.set(n.phoneNumberId, n as SandboxNumber);
      res.status(201).json({ phoneNumberId: n.phoneNumberId });
    });
    app.post('/sandbox/fail-next', (req, res) => {
      const {
        count = 1,
        code,
        httpStatus,
        message,
        accept,
      } = req.body as Partial<FailureRule & { count: number }>;
      if (accept === true) {
        this.acceptThenDrop(count);
        return void res.status(204).end();
      }
      if (typeof code !== 'number')
        return void res.status(400).json({ error: 'code (a Cloud API error code) is required' });
      this.failNext(count, code, httpStatus, message);
      res.status(204).end();
    });
    app.post('/sandbox/reset', (_req, res) => {
      this.reset();
      res.status(204).end();
    });
    app.get('/sandbox/attempts', (_req, res) => void res.json({ items: this.attempts }));
    app.get('/sandbox/contacts/:waId/conversation', (req, res) => {
      const after = Number(req.query.after ?? 0);
      res.json({ items: this.conversationOf(req.params.waId).filter((e) => e.seq > after) });
    });
    for (const verb of ['say', 'tap', 'pick'] as const)
      app.post(`/sandbox/contacts/:waId/${verb}`, (req, res) => void this.contactAction(verb, req, res));
    // The contact's open form (`npm run chat`): open the last flow message, then submit its screens.
    app.post('/sandbox/contacts/:waId/flow/open', (req, res) => void this.formAction('open', req, res));
    app.post('/sandbox/contacts/:waId/flow/submit', (req, res) => void this.formAction('submit', req, res));
    await new Promise<void>((resolve) => {
      this.server = app.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    });
    return this;
  }

  async close(): Promise<void> {
    clearTimeout(this.statusTimer);
    await Promise.allSettled([...this.inFlight]);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }

  /** The next `count` sends are answered with this Cloud API error instead of being accepted; code 0 drops the connection. */
  /** The next `count` sends are accepted (delivered, their statuses posted) but answered by a dropped connection. */
  acceptThenDrop(count: number): void {
    this.failures.push({ remaining: count, code: 0, httpStatus: 0, message: '', accept: true });
  }

  failNext(count: number, code: number, httpStatus?: number, message?: string): void {
    this.failures.push({
      remaining: count,
      code,
      httpStatus: httpStatus ?? HTTP_STATUS_OF[code] ?? 400,
      message: message ?? MESSAGE_OF[code] ?? `(#${code}) Error`,
    });
  }

  reset(): void {
    this.conversation.length = 0;
    this.byWamid.clear();
    this.attempts.length = 0;
    this.webhooks.length = 0;
    this.failures = [];
  }

  /** The messages the business sent to a contact, oldest first. */
  sentTo(waId: string): ConversationEntry[] {
    return this.conversation.filter((e) => e.direction === 'out' && e.waId === waId);
  }

  conversationOf(waId: string): ConversationEntry[] {
    return this.conversation.filter((e) => e.waId === waId);
  }

  /** The contact writes text: a signed `messages` webhook, as Meta would post it. */
  say(waId: string, text: string, options: { phoneNumberId?: string; name?: string } = {}) {
    return this.post(waId, textMessage(waId, text), options);
  }

  /** The contact taps a reply button of the last button message (by id or title). */
  tap(waId: string, button: string, options: { phoneNumberId?: string; name?: string } = {}) {
    return this.reply(waId, 'button', button, options, (interactive) =>
      ((interactive.action as { buttons?: Array<{ reply: Choice }> }).buttons ?? []).map((b) => b.reply),
    );
  }

  /** The contact picks a row of the last list message (by id or title). */
  pick(waId: string, row: string, options: { phoneNumberId?: string; name?: string } = {}) {
    return this.reply(waId, 'list', row, options, (interactive) =>
      ((interactive.action as { sections?: Array<{ rows: Choice[] }> }).sections ?? []).flatMap(
        (s) => s.rows,
      ),
    );
  }

  /**
   * The contact opens the last flow message sent to them, as WhatsApp does: the Flow's first screen from the
   * message (`navigate`) or from its data endpoint (`INIT`); then `submit` on the session fills a screen and
   * presses its footer, and a completed form posts its `nfm_reply` webhook here.
   */
  async openFlow(waId: string): Promise<FlowSession> {
    const last = this.lastInteractive(waId, 'flow');
    if (!last) throw new SandboxError(`No flow message was sent to ${waId}`);
    const parameters =
      (last.interactive.action as { parameters?: Record<string, unknown> } | undefined)?.parameters ?? {};
    const flow = this.flows.get(String(parameters.flow_id));
    if (!flow) throw new SandboxError(`Flow ${String(parameters.flow_id)} does not exist on this Cloud API`);
    const number = this.numberFor(waId);
    const session = new FlowSession({
      flowJson: flow.flowJson,
      endpointUri: flow.endpointUri,
      flowToken: String(parameters.flow_token),
      publicKey: number.businessPublicKey,
      appSecret: number.appSecret,
      complete: (params) =>
        this.post(
          waId,
          inboundMessage(
            waId,
            'interactive',
            {
              interactive: {
                type: 'nfm_reply',
                nfm_reply: { name: 'flow', body: 'Sent', response_json: JSON.stringify(params) },
              },
            },
            this.context(waId, last.wamid),
          ),
          {},
        ),
    });
    const payload = parameters.flow_action_payload as
      { screen?: string; data?: Record<string, unknown> } | undefined;
    return session.start(
      parameters.flow_action === 'navigate' && payload?.screen
        ? { screen: payload.screen, data: payload.data }
        : undefined,
    );
  }

  /** A `button_reply` / `list_reply` to the last message of that kind, answering it (WhatsApp's context.id). */
  private reply(
    waId: string,
    kind: 'button' | 'list',
    chosen: string,
    options: { phoneNumberId?: string; name?: string },
    choicesOf: (interactive: Record<string, unknown>) => Choice[],
  ) {
    const last = this.lastInteractive(waId, kind);
    const choice = last && choicesOf(last.interactive).find((c) => c.id === chosen || c.title === chosen);
    if (!last || !choice)
      throw new SandboxError(
        `No ${kind === 'button' ? 'button' : 'row'} "${chosen}" in the last ${kind} message to ${waId}`,
      );
    const type = kind === 'button' ? 'button_reply' : 'list_reply';
    return this.post(
      waId,
      inboundMessage(
        waId,
        'interactive',
        { interactive: { type, [type]: choice } },
        this.context(waId, last.wamid),
      ),
      options,
    );
  }

  /** WhatsApp's `context` of a reply: the message whose button or row was chosen. */
  private context(waId: string, repliedTo: string): Record<string, unknown> {
    return { context: { from: this.numberFor(waId).displayPhoneNumber, id: repliedTo } };
  }

  private lastInteractive(
    waId: string,
    type: string,
  ): { wamid: string; interactive: Record<string, unknown> } | undefined {
    for (const entry of [...this.sentTo(waId)].reverse()) {
      const interactive = entry.message.interactive as Record<string, unknown> | undefined;
      if (interactive?.type === type) return { wamid: entry.wamid, interactive };
    }
    return undefined;
  }

  private numberFor(waId: string, phoneNumberId?: string): SandboxNumber {
    const id =
      phoneNumberId ?? this.conversationOf(waId).at(-1)?.phoneNumberId ?? [...this.numbers.keys()][0];
    const number = id === undefined ? undefined : this.numbers.get(id);
    if (!number) throw new SandboxError('No business number is set up in the sandbox');
    return number;
  }

  private async post(
    waId: string,
    message: Record<string, unknown>,
    options: { phoneNumberId?: string; name?: string },
  ): Promise<{ wamid: string; webhookStatus: number }> {
    const number = this.numberFor(waId, options.phoneNumberId);
    this.conversation.push({
      seq: ++this.seq,
      direction: 'in',
      phoneNumberId: number.phoneNumberId,
      waId,
      wamid: message.id as string,
      at: new Date().toISOString(),
      message,
    });
    const body = webhookBody(number, {
      messages: [message],
      contacts: [{ waId, name: options.name ?? `Contact ${waId.slice(-4)}` }],
    });
    const status = await this.deliver(number, body, 'message');
    return { wamid: message.id as string, webhookStatus: status };
  }

  /** Posts a signed webhook; 0 when the endpoint could not be reached. */
  private async deliver(number: SandboxNumber, body: unknown, kind: 'message' | 'statuses'): Promise<number> {
    const raw = JSON.stringify(body);
    const sending = fetch(this.options.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(raw, number.appSecret) },
      body: raw,
      signal: AbortSignal.timeout(10_000),
    }).then(
      async (res) => {
        await res.arrayBuffer();
        return res.status;
      },
      () => 0,
    );
    this.inFlight.add(sending);
    try {
      const status = await sending;
      this.webhooks.push({ kind, status });
      return status;
    } finally {
      this.inFlight.delete(sending);
    }
  }

  private async receive(req: Request, res: Response): Promise<void> {
    if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs));
    const body = req.body as Record<string, unknown>;
    const phoneNumberId = req.params.phoneNumberId as string;
    const attempt: SendAttempt = {
      at: Date.now(),
      phoneNumberId,
      to: body?.to,
      httpStatus: 200,
      callbackData: body?.biz_opaque_callback_data,
    };
    this.attempts.push(attempt);
    const refuse = (httpStatus: number, code: number, details?: string, message = MESSAGE_OF[code]) => {
      attempt.httpStatus = httpStatus;
      attempt.code = code;
      res.status(httpStatus).json({
        error: {
          message: message ?? `(#${code}) Error`,
          type: 'OAuthException',
          code,
          ...(details ? { error_data: { messaging_product: 'whatsapp', details } } : {}),
          fbtrace_id: randomBytes(9).toString('base64url'),
        },
      });
    };
    if (!/^v\d+\.\d+$/.test(req.params.version as string))
      return refuse(400, 100, `Unknown Graph API version ${String(req.params.version)}`);
    const number = this.numbers.get(phoneNumberId);
    if (!number)
      return refuse(
        400,
        100,
        undefined,
        `Unsupported post request. Object with ID '${phoneNumberId}' does not exist`,
      );
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || (number.accessToken !== undefined && token !== number.accessToken))
      return refuse(401, 190, undefined, 'Invalid OAuth access token - Cannot parse access token');
    const failure = this.failures.find((f) => f.remaining > 0);
    const dropAnswer = failure?.accept === true;
    if (failure) {
      failure.remaining -= 1;
      this.failures = this.failures.filter((f) => f.remaining > 0);
      if (!dropAnswer && failure.code === 0) {
        // No answer at all: the connection drops, as a network fault would.
        attempt.httpStatus = 0;
        req.socket.destroy();
        return;
      }
      if (!dropAnswer)
        return refuse(
          failure.httpStatus,
          failure.code,
          'the sandbox was told to fail this send',
          failure.message,
        );
    }
    const refusal = checkMessage(body);
    if (refusal) return refuse(400, refusal.code, refusal.details);
    const id = wamid();
    const to = String(body.to).replace(/^\+/, '');
    const entry: ConversationEntry = {
      seq: ++this.seq,
      direction: 'out',
      phoneNumberId,
      waId: to,
      wamid: id,
      at: new Date().toISOString(),
      message: body,
    };
    this.conversation.push(entry);
    this.byWamid.set(id, entry);
    this.options.onAccepted?.(entry);
    if (dropAnswer) {
      // Meta took it (its statuses follow) but the answer never arrives: a reset after the request was read.
      attempt.httpStatus = 0;
      attempt.accepted = true;
      req.socket.destroy();
    } else
      res.json({
        messaging_product: 'whatsapp',
        contacts: [{ input: body.to, wa_id: to }],
        messages: [{ id }],
      });
    this.queueStatuses(number, id, to, body.biz_opaque_callback_data as string | undefined);
  }

  private queueStatuses(number: SandboxNumber, id: string, to: string, callbackData?: string): void {
    const statuses = this.statuses;
    if (statuses.length === 0) return;
    const now = Math.floor(Date.now() / 1000);
    const pending = this.pendingStatuses.get(number.phoneNumberId) ?? [];
    for (const status of statuses) pending.push(statusUpdate(id, status, to, now, undefined, callbackData));
    this.pendingStatuses.set(number.phoneNumberId, pending);
    this.statusTimer ??= setTimeout(() => void this.flushStatuses(), this.options.statusBatchMs ?? 100);
  }

  private async flushStatuses(): Promise<void> {
    this.statusTimer = undefined;
    const batches = [...this.pendingStatuses];
    this.pendingStatuses.clear();
    for (const [phoneNumberId, statuses] of batches) {
      const number = this.numbers.get(phoneNumberId)!;
      for (let i = 0; i < statuses.length; i += 1000) {
        const chunk = statuses.slice(i, i + 1000);
        const status = await this.deliver(
          number,
          webhookBody(number, { statuses: chunk, contacts: [] }),
          'statuses',
        );
        if (status === 200)
          for (const s of chunk) {
            const entry = this.byWamid.get(s.id as string);
            if (entry) entry.status = s.status as ConversationEntry['status'];
          }
      }
    }
  }

  private async formAction(verb: 'open' | 'submit', req: Request, res: Response): Promise<void> {
    const waId = req.params.waId as string;
    try {
      if (verb === 'open') {
        const session = await this.openFlow(waId);
        this.forms.set(waId, session);
        return void res.json(formState(session));
      }
      const session = this.forms.get(waId);
      if (!session?.screen) return void res.status(404).json({ error: 'No form is open for this contact' });
      const values = ((req.body ?? {}) as { values?: Record<string, unknown> }).values ?? {};
      await session.submit(values);
      res.json(formState(session));
    } catch (error) {
      if (!(error instanceof SandboxError)) throw error;
      res.status(404).json({ error: error.message });
    }
  }

  private async contactAction(verb: 'say' | 'tap' | 'pick', req: Request, res: Response): Promise<void> {
    const waId = req.params.waId as string;
    const body = (req.body ?? {}) as {
      text?: string;
      button?: string;
      row?: string;
      phoneNumberId?: string;
      name?: string;
    };
    const value = verb === 'say' ? body.text : verb === 'tap' ? body.button : body.row;
    const field = verb === 'say' ? 'text' : verb === 'tap' ? 'button' : 'row';
    if (!/^\d{6,15}$/.test(waId))
      return void res.status(400).json({ error: 'the contact must be a WhatsApp id (digits)' });
    if (typeof value !== 'string' || value === '')
      return void res.status(400).json({ error: `${field} is required` });
    try {
      const result = await this[verb](waId, value, body);
      res.status(result.webhookStatus === 200 ? 200 : 502).json(result);
    } catch (error) {
      if (!(error instanceof SandboxError)) throw error;
      res.status(404).json({ error: error.message });
    }
  }
}

export class SandboxError extends Error {}

/** What the terminal chat shows of a form: the screen on show, or how it ended. */
function formState(session: FlowSession): Record<string, unknown> {
  return { screen: session.screen, closed: session.closed, completed: session.completed };
}

interface Choice {
  id: string;
  title: string;
  description?: string;
}

/** Starts a sandbox; its `url` is what GRAPH_API_BASE_URL should be. */
export function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  return new Sandbox(options).start();
}

/** An error as the Graph API answers it. */
function graphError(res: Response, status: number, code: number, message: string): void {
  res.status(status).json({
    error: { message, type: 'OAuthException', code, fbtrace_id: randomBytes(9).toString('base64url') },
  });
}
