// Real-shaped WhatsApp Cloud API webhook bodies (Meta's documented examples): what the sandbox posts, and
// what tests post in its place.
import { createHmac } from 'node:crypto';

export interface BusinessNumber {
  phoneNumberId: string;
  displayPhoneNumber: string;
  wabaId: string;
}

let counter = 0;
/** A message id in Meta's style (`wamid.` + base64). */
export function wamid(): string {
  counter += 1;
  return `wamid.${Buffer.from(`HBgLMTU1NTAxMjM0NTYVAgASGBQz${Date.now()}-${counter}`).toString('base64')}`;
}

export function inboundMessage(
  from: string,
  type: string,
  content: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { from, id: wamid(), timestamp: String(Math.floor(Date.now() / 1000)), type, ...content, ...extra };
}

export function textMessage(from: string, body: string): Record<string, unknown> {
  return inboundMessage(from, 'text', { text: { body } });
}

/** One `messages` change for a number: messages, statuses and errors as given. */
export function webhookBody(
  number: BusinessNumber,
  value: {
    messages?: Array<Record<string, unknown>>;
    statuses?: Array<Record<string, unknown>>;
    errors?: Array<Record<string, unknown>>;
    contacts?: Array<{ waId: string; name: string }>;
  },
): Record<string, unknown> {
  const senders = new Set((value.messages ?? []).map((m) => m.from as string));
  const contacts =
    value.contacts ?? [...senders].map((waId) => ({ waId, name: `Contact ${waId.slice(-4)}` }));
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: number.wabaId,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: {
                display_phone_number: number.displayPhoneNumber,
                phone_number_id: number.phoneNumberId,
              },
              ...(contacts.length > 0
                ? { contacts: contacts.map((c) => ({ profile: { name: c.name }, wa_id: c.waId })) }
                : {}),
              ...(value.messages ? { messages: value.messages } : {}),
              ...(value.statuses ? { statuses: value.statuses } : {}),
              ...(value.errors ? { errors: value.errors } : {}),
            },
          },
        ],
      },
    ],
  };
}

export function statusUpdate(
  id: string,
  status: string,
  recipient: string,
  timestamp: number,
  errors?: Array<Record<string, unknown>>,
  callbackData?: string,
): Record<string, unknown> {
  return {
    id,
    status,
    timestamp: String(timestamp),
    recipient_id: recipient,
    ...(errors ? { errors } : {}),
    ...(callbackData !== undefined ? { biz_opaque_callback_data: callbackData } : {}),
  };
}

/** The X-Hub-Signature-256 header Meta would send for these bytes (HMAC-SHA256 with the app secret). */
export function sign(raw: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`;
}
