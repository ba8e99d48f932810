import type {
  DeliveryStatus,
  InboundMessage,
  JsonValue,
  TriggerMessage,
  WhatsappError,
} from '@flowbridge/contracts';
import type { z } from 'zod';
import { envelopeSchema, type errorSchema, type messageSchema, valueSchema } from './envelope-schema';

// Meta's webhook parsed into what Flowbridge records: messages typed, statuses ranked, errors kept.

export interface ParsedInbound {
  waMessageId: string;
  from: string;
  profileName?: string;
  timestamp: Date;
  inbound: InboundMessage;
  /** What a flow sees: text, a choice, a Flow's answer, or "other". */
  message: TriggerMessage;
  replyTo?: string;
}

export interface ParsedStatus {
  waMessageId: string;
  status: DeliveryStatus;
  timestamp: Date;
  recipientId: string;
  errors: WhatsappError[];
  /** What the message was sent with as `biz_opaque_callback_data`. */
  callbackData?: string;
}

export interface ParsedChange {
  wabaId: string;
  phoneNumberId: string;
  messages: ParsedInbound[];
  statuses: ParsedStatus[];
  /** Errors about the number or the app, not tied to one message. */
  errors: WhatsappError[];
  /** Types this version does not know, and statuses it does not know (logged and counted, never a crash). */
  unknown: string[];
}

export class MalformedWebhook extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

const DELIVERY: ReadonlySet<string> = new Set(['sent', 'delivered', 'read', 'failed']);

/** The `messages` changes of a webhook body (already JSON-parsed); other subscriptions are skipped. */
export function parseWebhook(body: unknown): ParsedChange[] {
  const envelope = check(envelopeSchema, body, '');
  const changes: ParsedChange[] = [];
  envelope.entry.forEach((entry, e) =>
    entry.changes.forEach((change, c) => {
      if (change.field !== 'messages') return;
      const at = `entry[${e}].changes[${c}].value`;
      const value = check(valueSchema, change.value, at);
      const names = new Map((value.contacts ?? []).map((k) => [k.wa_id, k.profile?.name]));
      const unknown: string[] = [];
      const messages = (value.messages ?? []).map((m) => {
        const inbound = inboundOf(m);
        if (inbound.type === 'unknown') unknown.push(inbound.originalType);
        const profileName = names.get(m.from);
        return {
          waMessageId: m.id,
          from: m.from,
          ...(profileName !== undefined ? { profileName } : {}),
          timestamp: new Date(Number(m.timestamp) * 1000),
          inbound,
          message: triggerMessageOf(inbound),
          ...(m.context?.id ? { replyTo: m.context.id } : {}),
        };
      });
      const statuses: ParsedStatus[] = [];
      for (const s of value.statuses ?? []) {
        if (!DELIVERY.has(s.status)) {
          unknown.push(`status:${s.status}`);
          continue;
        }
        statuses.push({
          waMessageId: s.id,
          status: s.status as DeliveryStatus,
          timestamp: new Date(Number(s.timestamp) * 1000),
          recipientId: s.recipient_id,
          errors: (s.errors ?? []).map(errorOf),
          ...(s.biz_opaque_callback_data !== undefined ? { callbackData: s.biz_opaque_callback_data } : {}),
        });
      }
      changes.push({
        wabaId: entry.id,
        phoneNumberId: value.metadata.phone_number_id,
        messages,
        statuses,
        errors: (value.errors ?? []).map(errorOf),
        unknown,
      });
    }),
  );
  return changes;
}

function check<T>(schema: z.ZodType<T>, value: unknown, at: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue.path.reduce<string>(
    (p, k) => (typeof k === 'number' ? `${p}[${k}]` : p ? `${p}.${String(k)}` : String(k)),
    at,
  );
  throw new MalformedWebhook(`${path || 'body'}: ${issue.message}`, path || 'body');
}

type RawMessage = z.infer<typeof messageSchema>;

function errorOf(e: z.infer<typeof errorSchema>): WhatsappError {
  return {
    code: e.code,
    ...(e.title !== undefined ? { title: e.title } : {}),
    ...(e.message !== undefined ? { message: e.message } : {}),
    ...(e.error_data?.details !== undefined ? { details: e.error_data.details } : {}),
  };
}

/** Drops undefined fields, so the stored and queued shapes hold only what Meta sent. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function missing(m: RawMessage, part: string): never {
  throw new MalformedWebhook(`message ${m.id} of type ${m.type} has no ${part}`, part);
}

function inboundOf(m: RawMessage): InboundMessage {
  switch (m.type) {
    case 'text':
      return { type: 'text', body: (m.text ?? missing(m, 'text')).body };
    case 'interactive': {
      const i = m.interactive ?? missing(m, 'interactive');
      if (i.type === 'button_reply' && i.button_reply) return { type: 'button_reply', ...i.button_reply };
      if (i.type === 'list_reply' && i.list_reply) return defined({ type: 'list_reply', ...i.list_reply });
      if (i.type === 'nfm_reply' && i.nfm_reply)
        return defined({
          type: 'nfm_reply',
          name: i.nfm_reply.name,
          body: i.nfm_reply.body,
          response: flowResponse(m, i.nfm_reply.response_json),
        });
      return { type: 'unknown', originalType: `interactive.${i.type}` };
    }
    case 'button': {
      const b = m.button ?? missing(m, 'button');
      return { type: 'button', payload: b.payload, text: b.text };
    }
    case 'image':
    case 'audio':
    case 'video':
    case 'document':
    case 'sticker': {
      const x = m[m.type] ?? missing(m, m.type);
      return defined({
        type: m.type,
        id: x.id,
        mimeType: x.mime_type,
        sha256: x.sha256,
        caption: x.caption,
        filename: x.filename,
        voice: x.voice,
        animated: x.animated,
      });
    }
    case 'location':
      return defined({ type: 'location', ...(m.location ?? missing(m, 'location')) });
    case 'contacts':
      return {
        type: 'contacts',
        contacts: (m.contacts ?? missing(m, 'contacts')).map((card) =>
          defined({
            name: card.name?.formatted_name ?? '',
            phones: (card.phones ?? []).map((p) => defined({ phone: p.phone, waId: p.wa_id, type: p.type })),
            emails: card.emails?.flatMap((x) => (x.email ? [x.email] : [])),
          }),
        ),
      };
    case 'reaction': {
      const r = m.reaction ?? missing(m, 'reaction');
      return defined({ type: 'reaction', messageId: r.message_id, emoji: r.emoji || undefined });
    }
    case 'order': {
      const o = m.order ?? missing(m, 'order');
      return defined({
        type: 'order',
        catalogId: o.catalog_id,
        text: o.text,
        items: o.product_items.map((item) => ({
          productRetailerId: item.product_retailer_id,
          quantity: Number(item.quantity),
          itemPrice: Number(item.item_price),
          currency: item.currency,
        })),
      });
    }
    case 'system': {
      const s = m.system ?? missing(m, 'system');
      return defined({ type: 'system', body: s.body, systemType: s.type, newWaId: s.new_wa_id ?? s.wa_id });
    }
    case 'unsupported':
    case 'unknown':
      // Meta's own "unsupported"/"unknown" types carry their reason in `errors` (e.g. 131051).
      return { type: 'unsupported', errors: (m.errors ?? []).map(errorOf) };
    default:
      return { type: 'unknown', originalType: m.type };
  }
}

function flowResponse(m: RawMessage, json: string): Record<string, JsonValue> {
  try {
    const parsed: unknown = JSON.parse(json);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, JsonValue>;
  } catch {
    // reported below
  }
  throw new MalformedWebhook(
    `message ${m.id}: nfm_reply.response_json is not a JSON object`,
    'interactive.nfm_reply.response_json',
  );
}

/** The channel-neutral message a flow sees. */
export function triggerMessageOf(inbound: InboundMessage): TriggerMessage {
  switch (inbound.type) {
    case 'text':
      return { kind: 'text', text: inbound.body };
    case 'button_reply':
    case 'list_reply':
      return { kind: 'choice', id: inbound.id, title: inbound.title };
    case 'button':
      return { kind: 'choice', id: inbound.payload, title: inbound.text };
    case 'nfm_reply': {
      // The form's answers; its flow token identified the send, and is no variable for the flow.
      const { flow_token: _token, ...answers } = inbound.response;
      return { kind: 'flow', data: answers };
    }
    case 'unknown':
      return { kind: 'other', type: inbound.originalType };
    default:
      return { kind: 'other', type: inbound.type };
  }
}
