// Channel-neutral messages (what the worker renders) as WhatsApp Cloud API message objects, in Meta's shapes:
// https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages
import { type OutboundMessage, type RenderedOption, WhatsAppLimits } from '@flowbridge/contracts';

/** The body of `POST /{version}/{phone-number-id}/messages`. */
export interface CloudMessage {
  messaging_product: 'whatsapp';
  recipient_type: 'individual';
  to: string;
  type: 'text' | 'interactive' | 'image' | 'document' | 'video' | 'audio';
  /** Echoed in the status webhooks of this message: how a send whose answer was lost is recognised. */
  biz_opaque_callback_data?: string;
  [body: string]: unknown;
}

const ELLIPSIS = '…';

/**
 * One navigation message as the Cloud API messages that carry it: text over 4,096 characters becomes
 * several messages split at word boundaries; an interactive body over its limit sends the overflow as text
 * first, so that nothing the flow rendered is lost. Headers, footers and titles rendered past their limit
 * are shortened with an ellipsis (the flow was validated with its templates; only rendered values overflow).
 * A text that rendered empty becomes no message.
 */
export function toCloudMessages(to: string, message: OutboundMessage): CloudMessage[] {
  const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to } as const;
  switch (message.type) {
    case 'text':
      // A template that rendered to nothing has nothing to send (the Cloud API refuses an empty body).
      if (message.text.trim() === '') return [];
      return splitText(message.text, WhatsAppLimits.textBody).map((body) => ({
        ...base,
        type: 'text',
        text: { body, ...(message.previewUrl ? { preview_url: true } : {}) },
      }));
    case 'buttons':
      return withInteractive(base, message, 'button', WhatsAppLimits.interactiveBody, {
        buttons: message.buttons.slice(0, WhatsAppLimits.buttons).map((b) => ({
          type: 'reply',
          reply: { id: b.id, title: cut(b.title, WhatsAppLimits.buttonTitle) },
        })),
      });
    case 'list':
      return withInteractive(base, message, 'list', WhatsAppLimits.listBody, {
        button: cut(message.button, WhatsAppLimits.listButton),
        sections: message.sections.map((section) => ({
          ...(section.title ? { title: cut(section.title, WhatsAppLimits.sectionTitle) } : {}),
          rows: section.rows.map(rowOf),
        })),
      });
    case 'media': {
      // Audio has no caption in the Cloud API; a filename only makes sense for a document.
      const caption =
        message.caption && message.mediaType !== 'audio'
          ? { caption: cut(message.caption, WhatsAppLimits.mediaCaption) }
          : {};
      const filename =
        message.filename && message.mediaType === 'document' ? { filename: message.filename } : {};
      return [
        {
          ...base,
          type: message.mediaType,
          [message.mediaType]: { link: message.url, ...caption, ...filename },
        },
      ];
    }
    case 'flow':
      // With a screen the Flow opens on it (`navigate`); without one its endpoint decides (`data_exchange`).
      return withInteractive(base, message, 'flow', WhatsAppLimits.interactiveBody, {
        name: 'flow',
        parameters: {
          flow_message_version: '3',
          flow_token: message.flowToken,
          flow_id: message.flowId,
          flow_cta: cut(message.cta, WhatsAppLimits.flowCta),
          ...(message.screen
            ? {
                flow_action: 'navigate',
                flow_action_payload: {
                  screen: message.screen,
                  ...(message.data ? { data: message.data } : {}),
                },
              }
            : { flow_action: 'data_exchange' }),
        },
      });
  }
}

type Recipient = Pick<CloudMessage, 'messaging_product' | 'recipient_type' | 'to'>;

/** An interactive message; a body past `bodyLimit` sends its head first as text messages. */
function withInteractive(
  base: Recipient,
  message: { text: string; header?: string; footer?: string },
  type: 'button' | 'list' | 'flow',
  bodyLimit: number,
  action: Record<string, unknown>,
): CloudMessage[] {
  const { lead, last } = overflow(message.text, bodyLimit);
  return [
    ...lead.map((body): CloudMessage => ({ ...base, type: 'text', text: { body } })),
    {
      ...base,
      type: 'interactive',
      interactive: { type, ...headerAndFooter(message), body: { text: last }, action },
    },
  ];
}

/**
 * Splits text into pieces of at most `limit` UTF-16 units (what Meta counts), each ending at a line break or
 * a space when there is one in the second half of the piece, never inside a surrogate pair. The breaking
 * whitespace is dropped; nothing else is.
 */
export function splitText(text: string, limit: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    let end = limit;
    const window = rest.slice(0, limit + 1);
    const newline = window.lastIndexOf('\n');
    const space = Math.max(window.lastIndexOf(' '), window.lastIndexOf('\t'));
    const at = newline > limit / 2 ? newline : space > limit / 2 ? space : -1;
    if (at > 0) end = at;
    else if (isHighSurrogate(rest.charCodeAt(end - 1))) end -= 1;
    pieces.push(rest.slice(0, end).trimEnd());
    rest = at > 0 ? rest.slice(end + 1) : rest.slice(end);
  }
  pieces.push(rest);
  return pieces.filter((piece, i) => piece.length > 0 || (i === 0 && pieces.length === 1));
}

/** The body of an interactive message past its limit: the head goes first as text, the tail stays. */
function overflow(text: string, limit: number): { lead: string[]; last: string } {
  if (text.length <= limit) return { lead: [], last: text };
  const pieces = splitText(text, limit);
  const last = pieces.pop()!;
  return { lead: pieces.flatMap((p) => splitText(p, WhatsAppLimits.textBody)), last };
}

function headerAndFooter(message: { header?: string; footer?: string }) {
  return {
    ...(message.header
      ? { header: { type: 'text', text: cut(message.header, WhatsAppLimits.headerText) } }
      : {}),
    ...(message.footer ? { footer: { text: cut(message.footer, WhatsAppLimits.footerText) } } : {}),
  };
}

function rowOf(row: RenderedOption) {
  return {
    id: row.id,
    title: cut(row.title, WhatsAppLimits.rowTitle),
    ...(row.description ? { description: cut(row.description, WhatsAppLimits.rowDescription) } : {}),
  };
}

function cut(text: string, limit: number): string {
  if (text.length <= limit) return text;
  let end = limit - ELLIPSIS.length;
  if (isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return text.slice(0, end) + ELLIPSIS;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
